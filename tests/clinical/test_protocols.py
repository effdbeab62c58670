from __future__ import annotations

from cds_service.clinical.protocols import protocol_facts
from cds_service.fhir.pool import Resource
from tests.clinical.builders import pool_of


def enrollment(status: str, **study: object) -> tuple[Resource, Resource]:
    return (
        {
            "resourceType": "ResearchSubject",
            "id": "s",
            "status": status,
            "study": {"reference": "ResearchStudy/st"},
        },
        {"resourceType": "ResearchStudy", "id": "st", **study},
    )


def test_dfci_by_nct_number_or_by_name() -> None:
    dfci, cog = protocol_facts(pool_of(*enrollment("on-study", identifier=[{"value": "NCT03020030"}])))
    assert (dfci.value, cog.value) == (True, None)
    assert dfci.evidence == ("ResearchSubject/s", "ResearchStudy/st")
    by_name = enrollment("on-study-intervention", title="DFCI ALL Consortium Protocol 11-001")
    assert protocol_facts(pool_of(*by_name))[0].value is True


def test_a_bare_protocol_number_without_dfci_is_not_enough() -> None:
    assert (
        protocol_facts(pool_of(*enrollment("on-study", title="Study 16-001 of something")))[0].value is None
    )


def test_cog_aall1331_from_a_careplan() -> None:
    plan = {
        "resourceType": "CarePlan",
        "id": "cp",
        "status": "active",
        "instantiatesUri": ["https://clinicaltrials.gov/study/NCT02101853"],
    }
    assert protocol_facts(pool_of(plan))[1].value is True


def test_withdrawn_subjects_and_no_enrollment_are_unknown() -> None:
    assert protocol_facts(pool_of(*enrollment("withdrawn", title="COG AALL1331")))[1].value is None
    assert [f.value for f in protocol_facts(pool_of())] == [None, None]
