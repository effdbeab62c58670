"""Small FHIR JSON builders for the clinical tests (plain dicts, as the service reads them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cds_service.clinical.codes import ATC, ICD10CM, LOINC, RXNORM, SNOMED
from cds_service.fhir.pool import Resource, ResourcePool

FIXTURES = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "clinical"

DOXORUBICIN = {"coding": [{"system": RXNORM, "code": "3639", "display": "DOXOrubicin"}]}
EPIRUBICIN = {"coding": [{"system": RXNORM, "code": "3995", "display": "epirubicin"}]}
DAUNORUBICIN = {"coding": [{"system": ATC, "code": "L01DB02"}]}
IDARUBICIN = {"coding": [{"system": RXNORM, "code": "5650"}]}
MITOXANTRONE = {"coding": [{"system": ATC, "code": "L01DB07"}]}
LIPOSOMAL_DOXORUBICIN = {"text": "doxorubicin HCl liposome injection (Doxil)"}
DEXRAZOXANE = {"coding": [{"system": ATC, "code": "V03AF02", "display": "dexrazoxane"}]}


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}


def administration(
    rid: str,
    medication: dict[str, Any],
    when: str,
    dose: tuple[float, str] | None,
    *,
    status: str = "completed",
    request: str | None = None,
) -> Resource:
    resource: Resource = {
        "resourceType": "MedicationAdministration",
        "id": rid,
        "status": status,
        "medicationCodeableConcept": medication,
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": when,
    }
    if dose is not None:
        resource["dosage"] = {"dose": quantity(*dose)}
    if request:
        resource["request"] = {"reference": request}
    return resource


def observation(rid: str, code: str, when: str, value: float, unit: str) -> Resource:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": when,
        "valueQuantity": quantity(value, unit),
    }


def height(rid: str, when: str, value: float, unit: str = "cm") -> Resource:
    return observation(rid, "8302-2", when, value, unit)


def weight(rid: str, when: str, value: float, unit: str = "kg") -> Resource:
    return observation(rid, "29463-7", when, value, unit)


def bsa(rid: str, when: str, value: float) -> Resource:
    return observation(rid, "8277-6", when, value, "m2")


def timing(
    *, count: int | None = None, period: float | None = None, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    repeat: dict[str, Any] = {}
    if count is not None:
        repeat["count"] = count
    if period is not None:
        repeat.update({"frequency": 1, "period": period, "periodUnit": "d"})
    if start or end:
        repeat["boundsPeriod"] = {k: v for k, v in (("start", start), ("end", end)) if v}
    return {"repeat": repeat}


def medication_request(
    rid: str,
    medication: dict[str, Any],
    dose: tuple[float, str] | None,
    *,
    status: str = "draft",
    authored: str | None = "2026-10-05",
    timing_: dict[str, Any] | None = None,
    **extra: Any,
) -> Resource:
    dosage: dict[str, Any] = {}
    if dose is not None:
        dosage["doseAndRate"] = [{"doseQuantity": quantity(*dose)}]
    if timing_ is not None:
        dosage["timing"] = timing_
    resource: Resource = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": medication,
        "subject": {"reference": "Patient/p"},
        "dosageInstruction": [dosage],
        **extra,
    }
    if authored:
        resource["authoredOn"] = authored
    return resource


def condition(
    rid: str,
    code: str,
    *,
    system: str = ICD10CM,
    status: str = "active",
    onset: str | None = None,
    verification: str = "confirmed",
) -> Resource:
    resource: Resource = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": {"coding": [{"code": status}]},
        "verificationStatus": {"coding": [{"code": verification}]},
        "code": {"coding": [{"system": system, "code": code}]},
    }
    if onset:
        resource["onsetDateTime"] = onset
    return resource


def snomed_condition(rid: str, code: str, **kwargs: Any) -> Resource:
    return condition(rid, code, system=SNOMED, **kwargs)


def patient(birth_date: str | None = "1972-03-15") -> Resource:
    resource: Resource = {"resourceType": "Patient", "id": "p", "gender": "female"}
    if birth_date:
        resource["birthDate"] = birth_date
    return resource


def pool_of(
    *resources: Resource, drafts: list[Resource] | None = None, user: str | None = None
) -> ResourcePool:
    pool = ResourcePool()
    pool.patient_id = "p"
    pool.user_reference = user
    for resource in resources:
        pool.add(resource)
    if drafts:
        pool.add_draft_orders({"resourceType": "Bundle", "entry": [{"resource": r} for r in drafts]})
    return pool


def pool_from_request_file(name: str) -> ResourcePool:
    """The pool a complete-prefetch hook request yields, built without the data layer."""
    request = json.loads((FIXTURES / name).read_text())
    pool = ResourcePool()
    pool.patient_id = request["context"]["patientId"]
    pool.user_reference = request["context"]["userId"]
    pool.add_draft_orders(request["context"]["draftOrders"])
    for key, value in request["prefetch"].items():
        if value is not None:
            pool.add(value, source=f"prefetch.{key}")
    return pool
