from __future__ import annotations

from cds_service.clinical.codes import CPT, SNOMED
from cds_service.clinical.radiation import heart_radiation
from cds_service.fhir.pool import Resource
from tests.clinical.builders import pool_of


def radiotherapy(rtype: str, status: str, code: tuple[str, str], site: str | None) -> Resource:
    resource: Resource = {
        "resourceType": rtype,
        "id": "rt",
        "status": status,
        "code": {"coding": [{"system": code[0], "code": code[1]}]},
    }
    if site:
        resource["bodySite"] = [{"coding": [{"system": SNOMED, "code": site}]}]
    return resource


def test_done_procedure_or_planned_request_to_a_heart_region() -> None:
    chest = radiotherapy("Procedure", "completed", (SNOMED, "1217123003"), "78904004")
    assert heart_radiation(pool_of(chest)).value is True
    whole_body = radiotherapy("ServiceRequest", "active", (CPT, "77402"), "38266002")
    assert heart_radiation(pool_of(whole_body)).value is True


def test_other_sites_missing_sites_and_not_done_are_unknown() -> None:
    brain = radiotherapy("Procedure", "completed", (SNOMED, "1217123003"), "12738006")
    no_site = radiotherapy("Procedure", "completed", (CPT, "77427"), None)
    not_done = radiotherapy("Procedure", "not-done", (SNOMED, "108290001"), "80891009")
    not_radiation = radiotherapy("Procedure", "completed", (CPT, "71045"), "39607008")
    for resource in (brain, no_site, not_done, not_radiation):
        assert heart_radiation(pool_of(resource)).value is None


def test_a_prohibited_or_merely_proposed_course_is_no_planned_radiation() -> None:
    planned = radiotherapy("ServiceRequest", "active", (CPT, "77402"), "38266002")
    for change in ({"doNotPerform": True}, {"intent": "proposal"}):
        assert heart_radiation(pool_of({**planned, **change})).value is None, change
