"""The CDS Hooks discovery document (CDS Hooks 2.0 §Discovery; CONTRACT §1, §3).

One ``order-sign`` service. Empty optionals are omitted (CDS Hooks 2.0 JSON rules: "If a JSON attribute
is defined as OPTIONAL, and does not have a value, implementers MUST omit it").
"""

from __future__ import annotations

from typing import Any

from cds_service.fhir.prefetch_templates import PREFETCH_TEMPLATES
from cds_service.response.configuration import CONFIGURATION_OPTIONS

SERVICE_ID = "dexrazoxane-order-sign"
HOOK = "order-sign"

# Da Vinci CRD versions this service answers (CRD 2.2 §dev-1, reference/davinci-crd.md §2.4). Without
# `davinci-crd.requestedVersion` the response keeps to what CRD 2.0.1 and 2.2 both accept (CONTRACT §5),
# which is valid 2.2; "2.0" itself cannot be listed, as the CRD 2.2 pattern ^[1-9]\d*\.[1-9]\d*$ rejects it,
# and CRD 2.0.x clients do not read this extension.
CRD_VERSIONS: tuple[str, ...] = ("2.2",)

TITLE = "Dexrazoxane coverage requirements (CP.PHAR.418)"
DESCRIPTION = (
    "Decides payer coverage of dexrazoxane orders under clinical policy CP.PHAR.418 when they are signed: "
    "approve, deny, or pend for documentation, with Da Vinci CRD coverage information on the order, "
    "cards that list each policy criterion with its evidence, and a DTR questionnaire for what the "
    "record cannot settle."
)
USAGE_REQUIREMENTS = (
    "Send the draft dexrazoxane MedicationRequest(s) in context.draftOrders and fill the prefetch, or give "
    "fhirServer with fhirAuthorization so the service can read what the prefetch lacks (patient, coverage, "
    "prescriber, anthracycline orders and administrations, diagnoses, height/weight/BSA, radiation). "
    "When data the decision needs can be got from neither, the call answers 412."
)


def service_definition() -> dict[str, Any]:
    service: dict[str, Any] = {
        "hook": HOOK,
        "id": SERVICE_ID,
        "title": TITLE,
        "description": DESCRIPTION,
        "usageRequirements": USAGE_REQUIREMENTS,
    }
    if PREFETCH_TEMPLATES:
        service["prefetch"] = dict(PREFETCH_TEMPLATES)
    extension: dict[str, Any] = {"davinci-crd.version": list(CRD_VERSIONS)}
    if CONFIGURATION_OPTIONS:
        extension["davinci-crd.configuration-options"] = list(CONFIGURATION_OPTIONS)
    service["extension"] = extension
    return service


def discovery_document() -> dict[str, Any]:
    return {"services": [service_definition()]}
