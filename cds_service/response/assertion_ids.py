"""Stable identifiers of a coverage assertion (CRD coverage-information `coverage-assertion-id` and
`satisfied-pa-id`).

DTR §spec-47 uses (coverage, coverage-assertion-id) as the key for replacing an assertion, so the id is the
same every time the same order is assessed against the same coverage: a name-based UUID (RFC 4122 v5) of
the order and coverage references. Local ids like `MedicationRequest/1` repeat across EHRs and patients, so
the name also carries the FHIR server and the patient: two patients never share an assertion id (the DTR
store hands out pre-filled answers by this id).
"""

from __future__ import annotations

import uuid

from cds_service.hooks.request import HookRequest

_ASSERTION_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cp-phar-418:coverage-assertion-id")
_PA_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cp-phar-418:satisfied-pa-id")


def assertion_scope(request: HookRequest) -> str:
    """What makes local references unique: the EHR's FHIR server and the patient."""
    return f"{request.fhirServer or ''}|{request.context.patientId}"


def coverage_assertion_id(order: str, coverage: str, *, scope: str) -> str:
    return str(uuid.uuid5(_ASSERTION_NAMESPACE, f"{scope}|{order}|{coverage}"))


def satisfied_pa_id(order: str, coverage: str, *, scope: str) -> str:
    # CRD §resp-32: distinct per coverage; under CMS enforcement discretion it goes into the X12 837
    # prior-authorization REF segment (at most 50 characters), hence the compact form.
    return "CP418-" + uuid.uuid5(_PA_NAMESPACE, f"{scope}|{order}|{coverage}").hex[:20].upper()
