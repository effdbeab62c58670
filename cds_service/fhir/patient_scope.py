"""Keep only the patient in context's data out of a patient-scoped search.

A FHIR server that does not support a search parameter may ignore it (FHIR R4 search §3.1.1.5.1,
"handling=lenient" is the default of common servers such as HAPI), so ``ResearchSubject?patient=X`` on an
open test server can answer every patient's enrollments. Read as this patient's, another patient's
protocol, diagnosis or doses could approve an order wrongly, the worst defect there is. Every resource
of a patient-scoped result that names a different patient is therefore dropped, whether it came from
the prefetch or from ``fhirServer``; a resource that names no patient, or one by ``urn:uuid``, is kept.
"""

from __future__ import annotations

from cds_service.fhir.pool import Resource

# Where each resource type names its patient (R4; DSTU2 ``patient``; R5 ResearchSubject ``subject``).
PATIENT_ELEMENTS = ("subject", "patient", "beneficiary", "individual")


def _names_other_patient(ref: str, patient_id: str) -> bool:
    if ref.startswith(("#", "urn:")):
        return False
    parts = ref.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) < 2 or parts[-2] != "Patient":
        return False
    return parts[-1] != patient_id


class PatientScope:
    """Tells one patient's resources from others', reading each distinct reference once: the hundreds of
    resources of a search result name their patient in the same few words. One per hook call, so every
    prefetch value and search result shares what it has read."""

    def __init__(self, patient_id: str) -> None:
        self.patient_id = patient_id
        self._other: dict[str, bool] = {}  # reference string -> names another patient

    def belongs_to_other_patient(self, resource: Resource) -> bool:
        if resource.get("resourceType") == "Patient":
            return isinstance(resource.get("id"), str) and resource["id"] != self.patient_id
        for element in PATIENT_ELEMENTS:
            reference = resource.get(element)
            ref = reference.get("reference") if isinstance(reference, dict) else None
            if isinstance(ref, str) and self._names_other_patient(ref):
                return True
        return False

    def _names_other_patient(self, ref: str) -> bool:
        other = self._other.get(ref)
        if other is None:
            other = self._other[ref] = _names_other_patient(ref, self.patient_id)
        return other


def belongs_to_other_patient(resource: Resource, patient_id: str) -> bool:
    return PatientScope(patient_id).belongs_to_other_patient(resource)


def only_this_patient(value: Resource, patient_id: str) -> tuple[Resource, int]:
    """``value`` (a resource or a Bundle) without another patient's resources, and how many were dropped."""
    scope = PatientScope(patient_id)
    if value.get("resourceType") != "Bundle" or not isinstance(value.get("entry"), list):
        if isinstance(value.get("resourceType"), str) and scope.belongs_to_other_patient(value):
            return {"resourceType": "Bundle", "type": "searchset", "entry": []}, 1
        return value, 0
    kept = []
    for entry in value["entry"]:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and scope.belongs_to_other_patient(resource):
            continue
        kept.append(entry)
    dropped = len(value["entry"]) - len(kept)
    return ({**value, "entry": kept} if dropped else value), dropped
