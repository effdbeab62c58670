from __future__ import annotations

from datetime import date

from cds_service.clinical.plausibility import Plausibility
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


def careplan(**fields: object) -> Resource:
    return {"resourceType": "CarePlan", "id": "cp", "intent": "plan", **fields}


def test_only_a_subject_on_study_is_enrolled() -> None:
    """On study means now: not a candidate, an eligible or pending subject, one in follow-up after
    treatment, nor a subject with no status."""
    for status in ("on-study", "on-study-intervention", "on-study-observation"):
        assert protocol_facts(pool_of(*enrollment(status, title="COG AALL1331")))[1].value is True
    for status in ("", "candidate", "eligible", "pending-on-study", "follow-up", "ineligible", "off-study"):
        assert protocol_facts(pool_of(*enrollment(status, title="COG AALL1331")))[1].value is None


def test_a_careplan_counts_when_active_and_naming_the_protocol_in_its_structured_fields() -> None:
    named = {"title": "DFCI ALL Consortium Protocol 16-001 induction"}
    assert protocol_facts(pool_of(careplan(status="active", **named)))[0].value is True
    canonical = {"instantiatesCanonical": ["https://example.org/PlanDefinition/NCT03020030"]}
    assert protocol_facts(pool_of(careplan(status="active", **canonical)))[0].value is True
    for status in ("draft", "on-hold", "completed", "revoked"):
        assert protocol_facts(pool_of(careplan(status=status, **named)))[0].value is None
    proposal = careplan(status="active", intent="proposal", **named)
    assert protocol_facts(pool_of(proposal))[0].value is None


def test_careplan_description_free_text_is_never_read() -> None:
    """A refusal in the narrative ("declined DFCI 16-001") once read as enrollment."""
    refused = careplan(
        status="active",
        title="Induction chemotherapy",
        description="Family declined enrollment on DFCI ALL Consortium Protocol 16-001 (NCT03020030).",
    )
    assert protocol_facts(pool_of(refused))[0].value is None


def test_an_enrollment_whose_period_ended_before_the_order_is_not_enrollment_now() -> None:
    subject, study = enrollment("on-study", title="DFCI ALL Consortium Protocol 16-001")
    ended = {**subject, "period": {"start": "2022-01-01", "end": "2024-06-30"}}
    assert protocol_facts(pool_of(ended, study), date(2026, 11, 28))[0].value is None
    assert protocol_facts(pool_of(subject, study), date(2026, 11, 28))[0].value is True


def test_a_subject_on_a_study_that_treats_no_one_is_no_enrollment() -> None:
    """Not plausible is not a fact: "on study" of a study completed, withdrawn or closed to intervention
    contradicts the study's own record."""
    for status in (
        "completed",
        "withdrawn",
        "closed-to-accrual-and-intervention",
        "administratively-completed",
    ):
        subject, study = enrollment("on-study", identifier=[{"value": "NCT03020030"}])
        assert protocol_facts(pool_of(subject, {**study, "status": status}))[0].value is None, status
    # closed to new patients only: those on it are still treated
    subject, study = enrollment("on-study", identifier=[{"value": "NCT03020030"}])
    assert protocol_facts(pool_of(subject, {**study, "status": "closed-to-accrual"}))[0].value is True


def test_an_enrollment_dated_after_the_order_or_before_the_birth_meets_nothing() -> None:
    """Not plausible is not a fact: on study from a day after the order (or before the patient was born),
    the enrollment is not the one the order is part of: unknown, its date named, never met; a care plan is
    dated by the day it was written, its period may start later."""
    on = date(2026, 12, 6)
    plausible = Plausibility("2015-03-01")
    for start, said in (("2026-12-20", "after the order of 2026-12-06"), ("2010-01-01", "before the birth")):
        subject, study = enrollment("on-study", title="COG AALL1331")
        subject["period"] = {"start": start}
        cog = protocol_facts(pool_of(subject, study), on, plausible)[1]
        assert (cog.value, cog.evidence) == (None, ("ResearchSubject/s",)), start
        assert said in cog.reason, start
    subject, study = enrollment("on-study", title="COG AALL1331")
    subject["period"] = {"start": "2026-11-01"}
    assert protocol_facts(pool_of(subject, study), on, plausible)[1].value is True
    plan = careplan(status="active", title="COG AALL1331 consolidation")
    plan["period"] = {"start": "2026-12-13"}
    assert protocol_facts(pool_of(plan), on, plausible)[1].value is True
    assert protocol_facts(pool_of({**plan, "created": "2026-12-20"}), on, plausible)[1].value is None
