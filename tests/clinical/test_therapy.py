from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.therapy import concurrent_doxorubicin
from cds_service.fhir.pool import Resource, ResourcePool
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    administration,
    bsa,
    medication_request,
    patient,
    pool_of,
    quantity,
    timing,
)


def facts_of(pool: ResourcePool) -> ClinicalFacts:
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=date(2026, 11, 28), line_of_business_map={})


def active_doxorubicin(count: int) -> dict[str, object]:
    return medication_request(
        "dox",
        DOXORUBICIN,
        (60, "mg/m2"),
        status="active",
        authored="2026-05-01",
        timing_=timing(count=count, period=21, start="2026-05-04"),
    )


def given(n: int) -> list[dict[str, object]]:
    days = ["2026-05-04", "2026-05-25", "2026-06-15", "2026-07-06", "2026-07-27", "2026-08-17"]
    return [
        administration(f"a{i}", DOXORUBICIN, days[i], (60, "mg/m2"), request="MedicationRequest/dox")
        for i in range(n)
    ]


DEX = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-08-20")


def test_an_active_order_with_its_count_used_up_is_not_concurrent() -> None:
    facts = facts_of(pool_of(patient(), active_doxorubicin(6), *given(6), drafts=[DEX]))
    assert facts.concurrent_doxorubicin.value is False
    assert facts.dose_ratio.value is None


def test_active_order_with_doses_to_come_is_concurrent_and_ends_on_its_last_dose() -> None:
    facts = facts_of(pool_of(patient(), active_doxorubicin(8), *given(6), drafts=[DEX]))
    assert facts.concurrent_doxorubicin.value is True
    assert facts.dose_ratio.value == 10
    assert facts.last_planned_doxorubicin_date.value == date(2026, 9, 28)  # 4 May + 7 x 21 days


def test_a_delayed_regimen_has_no_known_end() -> None:
    late = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-11-28")
    facts = facts_of(pool_of(patient(), active_doxorubicin(8), *given(6), drafts=[late]))
    assert facts.concurrent_doxorubicin.value is True
    # 6 given (360 mg/m2); the 2 doses dated September and never recorded may be delayed or abandoned:
    # unknown parts, so the planned total can neither meet a threshold on them nor deny without them.
    assert facts.planned_doxorubicin.known_mg_m2 == 360
    assert facts.planned_doxorubicin.unknown_parts == 2
    assert facts.last_planned_doxorubicin_date.value is None


def test_a_dose_given_on_the_day_but_not_linked_to_its_order_is_not_counted_again() -> None:
    """An active order's dose on the approval start, given that day without a request reference: the
    scheduled dose is the administration, not one more to come."""
    order = medication_request(
        "dox",
        DOXORUBICIN,
        (50, "mg/m2"),
        status="active",
        authored="2026-11-20",
        timing_=timing(count=2, period=21, start="2026-11-28"),
    )
    today = administration("a", DOXORUBICIN, "2026-11-28", (50, "mg/m2"))
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
    facts = facts_of(pool_of(patient(), order, today, drafts=[dex]))
    assert facts.planned_doxorubicin.value == 100  # the dose given today and the one on 19 December


def test_an_instance_order_of_a_parent_in_play_is_not_counted_beside_it() -> None:
    parent = active_doxorubicin(8)
    occurrence = medication_request(
        "dox-7",
        DOXORUBICIN,
        (60, "mg/m2"),
        status="active",
        authored="2026-09-01",
        timing_=timing(count=1, start="2026-09-07"),
        intent="instance-order",
        basedOn=[{"reference": "MedicationRequest/dox"}],
    )
    dex = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-08-20")
    facts = facts_of(pool_of(patient(), parent, occurrence, *given(6), drafts=[dex]))
    assert facts.planned_doxorubicin.value == 480  # the parent's 8 doses, not 9


def test_a_tki_given_years_ago_is_not_in_combination() -> None:
    """I.A.3.b.i.2 "in combination with dasatinib or imatinib": current therapy only."""
    imatinib = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "282388"}]}
    dex = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-11-28")
    old = administration("tki-2019", imatinib, "2019-03-01", (340, "mg"))
    assert facts_of(pool_of(patient(), old, drafts=[dex])).dasatinib_or_imatinib.value is None
    recent = administration("tki", imatinib, "2026-11-20", (340, "mg"))
    assert facts_of(pool_of(patient(), recent, drafts=[dex])).dasatinib_or_imatinib.value is True


def test_a_re_signed_doxorubicin_order_does_not_count_its_given_doses_again() -> None:
    """The active order comes back in draftOrders (re-signed after a change) with two of its four doses
    already given under it: 2 given + 2 to come, not 2 given + 4."""
    resigned = medication_request(
        "dox",
        DOXORUBICIN,
        (50, "mg/m2"),
        status="active",
        authored="2026-10-17",
        timing_=timing(count=4, period=21, start="2026-10-17"),
    )
    given_under = [
        administration(f"g{i}", DOXORUBICIN, day, (50, "mg/m2"), request="MedicationRequest/dox")
        for i, day in enumerate(["2026-10-17", "2026-11-07"])
    ]
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
    facts = facts_of(pool_of(patient(), *given_under, drafts=[dex, resigned]))
    assert facts.planned_doxorubicin.value == 200


def test_dexrazoxane_in_progress_or_stopped_after_a_dose_is_prior_therapy() -> None:
    """Already receiving dexrazoxane: continued therapy (II.A), whatever the last dose's status says."""
    for status in ("in-progress", "stopped"):
        earlier = administration("dz", DEXRAZOXANE, "2026-11-07", (500, "mg/m2"), status=status)
        dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
        assert facts_of(pool_of(patient(), earlier, drafts=[dex])).prior_dexrazoxane_cardioprotection.value, (
            status
        )


def test_a_stale_active_tki_order_is_not_current_therapy() -> None:
    imatinib = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "282388"}]}
    stale = medication_request(
        "tki",
        imatinib,
        (340, "mg"),
        status="active",
        authored="2023-01-10",
        timing_=timing(period=1, start="2023-01-10", end="2024-01-09"),
    )
    dex = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-11-28")
    assert facts_of(pool_of(patient(), stale, drafts=[dex])).dasatinib_or_imatinib.value is None


def test_an_incredible_doxorubicin_dose_gives_no_ratio() -> None:
    """500 mg/m2 of doxorubicin (a slip for 50) would make 1,000 mg/m2 of dexrazoxane look like 2:1."""
    dex = medication_request("dex", DEXRAZOXANE, (1000, "mg/m2"), authored="2026-11-28")
    slip = medication_request("dox-d", DOXORUBICIN, (500, "mg/m2"), authored="2026-11-28")
    assert facts_of(pool_of(patient(), drafts=[dex, slip])).dose_ratio.value is None


def test_one_dexrazoxane_order_per_cycle_signed_together_does_not_add_up() -> None:
    """Cycle 1 and cycle 2 signed in one session: each 500 mg/m2 with its own 50 mg/m2 doxorubicin, 10:1."""
    cycle = [("2026-11-28", "1"), ("2026-12-19", "2")]
    drafts = [
        medication_request(
            f"dex-{n}", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28", timing_=timing(count=1, start=day)
        )
        for day, n in cycle
    ] + [
        medication_request(
            f"dox-{n}", DOXORUBICIN, (50, "mg/m2"), authored="2026-11-28", timing_=timing(count=1, start=day)
        )
        for day, n in cycle
    ]
    pool = pool_of(patient(), drafts=drafts)
    assert facts_of(pool).dose_ratio.value == 10


def test_a_negative_bcr_abl1_on_a_tki_is_not_ph_negative_all() -> None:
    dasatinib = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "475342"}]}
    on_tki = medication_request("tki", dasatinib, (60, "mg/m2"), status="active", authored="2026-05-10")
    negative = {
        "resourceType": "Observation",
        "id": "bcr",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "46434-7"}]},
        "effectiveDateTime": "2026-06-01",
        "interpretation": [{"coding": [{"code": "NEG"}]}],
    }
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
    facts = facts_of(pool_of(patient("2014-01-01"), on_tki, negative, drafts=[dex]))
    assert facts.ph_positive.value is None
    assert facts_of(pool_of(patient("2014-01-01"), negative, drafts=[dex])).ph_positive.value is False


def test_an_active_medication_statement_of_dasatinib_is_current_therapy() -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "id": "home-tki",
        "status": "active",
        "medicationCodeableConcept": {"text": "Sprycel 100 mg tablet"},
        "subject": {"reference": "Patient/p"},
    }
    dex = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-11-28")
    assert facts_of(pool_of(patient(), statement, drafts=[dex])).dasatinib_or_imatinib.value is True


def test_an_active_tki_statement_whose_period_ended_is_not_current_therapy() -> None:
    imatinib = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "282388"}]}
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
    statement = {
        "resourceType": "MedicationStatement",
        "id": "tki",
        "status": "active",
        "medicationCodeableConcept": imatinib,
        "effectivePeriod": {"start": "2021-01-01", "end": "2022-06-30"},
    }
    assert facts_of(pool_of(patient(), statement, drafts=[dex])).dasatinib_or_imatinib.value is None
    current = {**statement, "effectivePeriod": {"start": "2026-01-01"}}
    assert facts_of(pool_of(patient(), current, drafts=[dex])).dasatinib_or_imatinib.value is True


def _written_twice(order: dict[str, object], second: tuple[float, str]) -> dict[str, object]:
    """``order`` with its dose also written as the system calculated it (R4 dose-rate-type)."""
    dosage = order["dosageInstruction"][0]  # type: ignore[index]
    kinds = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
    dosage["doseAndRate"][0]["type"] = {"coding": [{"system": kinds, "code": "ordered"}]}
    dosage["doseAndRate"].append(
        {"type": {"coding": [{"system": kinds, "code": "calculated"}]}, "doseQuantity": quantity(*second)}
    )
    return order


def test_every_dose_an_order_writes_is_read_and_two_that_disagree_leave_the_ratio_unknown() -> None:
    """Dexrazoxane ordered at 250 mg/m2 and calculated at 1250 mg (1042 mg/m2 at 1.20 m2): reading only the
    first gave 5:1; which is meant is not known, so neither is the ratio, the reason naming both. The same
    dose written both ways within the rounding tolerance is one dose, the larger read (500 mg/m2 beside
    590 mg at 1.20 m2 = 492 mg/m2)."""
    body = bsa("bsa", "2026-11-20", 1.2)
    dox = medication_request("dox-d", DOXORUBICIN, (50, "mg/m2"), authored="2026-11-28")
    dex = _written_twice(
        medication_request("dex", DEXRAZOXANE, (250, "mg/m2"), authored="2026-11-28"), (1250, "mg")
    )
    facts = facts_of(pool_of(patient(), body, drafts=[dex, dox]))
    assert (facts.dose_ratio.value, facts.dexrazoxane_dose_mg_m2.value, facts.dexrazoxane_dose_mg.value) == (
        None,
        None,
        None,
    )
    assert (
        "250 mg/m2 (ordered) beside 1250 mg (calculated) (1042 mg/m2), which disagree"
        in facts.dose_ratio.reason
    )
    agree = _written_twice(
        medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28"), (590, "mg")
    )
    facts = facts_of(pool_of(patient(), body, drafts=[agree, dox]))
    assert facts.dose_ratio.value == 10
    # with no BSA the two cannot be compared: not known either
    assert facts_of(pool_of(patient(), drafts=[dex, dox])).dose_ratio.value is None


def test_a_doxorubicin_order_writing_one_dose_two_ways_that_disagree_leaves_the_ratio_unknown() -> None:
    body = bsa("bsa", "2026-11-20", 1.8)
    dox = _written_twice(
        medication_request("dox-d", DOXORUBICIN, (50, "mg/m2"), authored="2026-11-28"), (900, "mg")
    )
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
    facts = facts_of(pool_of(patient(), body, drafts=[dex, dox]))
    assert (facts.dose_ratio.value, facts.doxorubicin_dose_mg_m2.value) == (None, None)
    assert (
        "MedicationRequest/dox-d writes one dose as 50 mg/m2 (ordered) beside 900 mg"
        in facts.dose_ratio.reason
    )
    # in mg both, disagreeing: no ratio on one basis either
    dex_mg = medication_request("dex", DEXRAZOXANE, (900, "mg"), authored="2026-11-28")
    mg_twice = _written_twice(
        medication_request("dox-d", DOXORUBICIN, (90, "mg"), authored="2026-11-28"), (45, "mg")
    )
    assert facts_of(pool_of(patient(), drafts=[dex_mg, mg_twice])).dose_ratio.value is None


def test_a_doxorubicin_order_whose_status_is_not_read_leaves_concurrency_and_its_doses_unknown() -> None:
    """An order of the record with only a data-absent-reason for its status may be in force: not read is not
    absent, so it neither shows doxorubicin going on nor that it stopped; its doses to come are unknown."""
    order = active_doxorubicin(8)
    del order["status"]
    order["_status"] = {
        "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
        ]
    }
    dex = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-11-28")
    facts = facts_of(pool_of(patient(), order, *given(6), drafts=[dex]))
    assert facts.concurrent_doxorubicin.value is None
    assert "its status is not recorded (data-absent-reason 'unknown')" in facts.concurrent_doxorubicin.reason
    assert facts.planned_doxorubicin.unknown_parts >= 1
    # the same order with its status: doxorubicin goes on
    assert facts_of(
        pool_of(patient(), active_doxorubicin(8), *given(6), drafts=[dex])
    ).concurrent_doxorubicin.value


def test_a_plan_past_the_lifetime_ceiling_dates_no_last_dose() -> None:
    # 30 doses of 50 mg/m2 signed with the dexrazoxane: no regimen's plan, so neither its total nor its end
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
    thirty = medication_request(
        "dox", DOXORUBICIN, (50, "mg/m2"), authored="2026-11-28", timing_=timing(count=30, period=21)
    )
    facts = facts_of(pool_of(patient(), drafts=[dex, thirty]))
    assert facts.concurrent_doxorubicin.value is True
    assert facts.planned_doxorubicin.past_ceiling == ("MedicationRequest/dox",)
    assert facts.last_planned_doxorubicin_date.value is None
    assert "past the lifetime ceiling" in facts.last_planned_doxorubicin_date.reason
    # ten doses (500 mg/m2) are a plan: read as written
    ten = medication_request(
        "dox", DOXORUBICIN, (50, "mg/m2"), authored="2026-11-28", timing_=timing(count=10, period=21)
    )
    planned = facts_of(pool_of(patient(), drafts=[dex, ten]))
    assert planned.planned_doxorubicin.value == 500
    assert planned.last_planned_doxorubicin_date.value is not None


def _dexrazoxane_with_status(when: str, status: str | None) -> Resource:
    """A dexrazoxane dose of ``when`` whose status is ``status``, or, for ``None``, only a
    data-absent-reason in its place."""
    found = administration("dz", DEXRAZOXANE, when, (500, "mg/m2"), status=status or "completed")
    if status is None:
        del found["status"]
        data_absent = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
        found["_status"] = {"extension": [{"url": data_absent, "valueCode": "unknown"}]}
    return found


def test_a_dexrazoxane_dose_whose_status_is_not_read_leaves_prior_therapy_unknown_and_names_it() -> None:
    """Not read is not absent: with no dose that counts, one in the 12 months whose status does not say
    whether it was given could be prior cardioprotection (its False names it unread, read as unknown)."""
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
    for status, words in ((None, "its status is not recorded"), ("unknown", "its status is 'unknown'")):
        pool = pool_of(patient(), _dexrazoxane_with_status("2026-11-07", status), drafts=[dex])
        prior = facts_of(pool).prior_dexrazoxane_cardioprotection
        assert prior.value is False and prior.settled is None, status
        assert prior.unread == ("MedicationAdministration/dz",)
        assert "MedicationAdministration/dz (2026-11-07) could be one" in prior.reason
        assert words in prior.reason


def test_an_unread_dexrazoxane_dose_outside_the_window_or_beside_one_that_counts_changes_nothing() -> None:
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")
    # 14 months before the order, or after it: it could not be prior therapy of the 12 months before
    for when in ("2025-09-28", "2026-12-01"):
        prior = facts_of(
            pool_of(patient(), _dexrazoxane_with_status(when, "unknown"), drafts=[dex])
        ).prior_dexrazoxane_cardioprotection
        assert (prior.value, prior.unread) == (False, ()), when
    # a completed dose of the window settles it, whatever the unread one says
    completed = administration("dz-done", DEXRAZOXANE, "2026-10-17", (500, "mg/m2"))
    pool = pool_of(patient(), completed, _dexrazoxane_with_status("2026-11-07", "unknown"), drafts=[dex])
    prior = facts_of(pool).prior_dexrazoxane_cardioprotection
    assert (prior.value, prior.evidence, prior.unread) == (True, ("MedicationAdministration/dz-done",), ())


def test_a_request_not_read_as_an_order_leaves_no_doxorubicin_order_unread_beside_it() -> None:
    requests = (("ServiceRequest/plan", "(active) names 3639 'doxorubicin 50 mg/m2'"),)
    found = concurrent_doxorubicin((), (), None, start=date(2026, 12, 10), requests_not_read=requests)
    concurrent = found.concurrent
    assert (concurrent.value, concurrent.settled, concurrent.unread) == (
        False,
        None,
        ("ServiceRequest/plan",),
    )
    assert concurrent.reason.startswith(
        "ServiceRequest/plan (active) names 3639 'doxorubicin 50 mg/m2': not read"
    )
    # a plan scheduled in a CarePlan keeps its own reading (unknown, the plan named)
    planned = concurrent_doxorubicin(
        (), (), None, start=date(2026, 12, 10), planned_only=("CarePlan/p",), requests_not_read=requests
    ).concurrent
    assert (planned.value, planned.evidence) == (None, ("CarePlan/p",))
    # with none, no order is no concurrent doxorubicin
    assert concurrent_doxorubicin((), (), None, start=date(2026, 12, 10)).concurrent.settled is False


# Dexrazoxane scheduled apart from the doxorubicin


def _draft_doxorubicin() -> dict[str, object]:
    # four doses every 21 days from 30 Nov: the last on 1 Feb
    return medication_request(
        "dox-draft",
        DOXORUBICIN,
        (60, "mg/m2"),
        authored="2026-11-28",
        timing_=timing(count=4, period=21, start="2026-11-30"),
    )


def _dexrazoxane(**extra: object) -> dict[str, object]:
    return medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-11-28", **extra)


def _facts_with(dexrazoxane: dict[str, object]) -> ClinicalFacts:
    pool = pool_of(
        patient(), bsa("b", "2026-11-20", 1.8), *given(5), drafts=[dexrazoxane, _draft_doxorubicin()]
    )
    return facts_of(pool)


def test_a_dexrazoxane_schedule_after_the_doxorubicin_ends_leaves_concurrency_unknown() -> None:
    after = _dexrazoxane(dosageInstruction=[{"timing": timing(count=2, period=21, start="2027-03-01")}])
    concurrent = _facts_with(after).concurrent_doxorubicin
    assert concurrent.value is None
    assert "MedicationRequest/dex schedules its doses 2027-03-01 to 2027-03-22" in concurrent.reason
    assert (
        "after the last doxorubicin dose to come (2027-02-01) of MedicationRequest/dox-draft"
        in concurrent.reason
    )
    assert set(concurrent.evidence) >= {"MedicationRequest/dex", "MedicationRequest/dox-draft"}


def test_a_dexrazoxane_valid_only_before_the_doxorubicin_begins_leaves_concurrency_unknown() -> None:
    before = _dexrazoxane(dispenseRequest={"validityPeriod": {"start": "2026-10-01", "end": "2026-11-20"}})
    concurrent = _facts_with(before).concurrent_doxorubicin
    assert concurrent.value is None
    assert "is valid 2026-10-01 to 2026-11-20, before the first doxorubicin dose to come" in concurrent.reason


@pytest.mark.parametrize(
    "extra",
    [
        {},  # no dates of its own
        {"dosageInstruction": [{"timing": timing(count=3, period=21, start="2026-12-21")}]},  # overlapping
        {"dispenseRequest": {"validityPeriod": {"start": "2026-11-28", "end": "2027-05-28"}}},
        {"dosageInstruction": [{"timing": timing(count=1)}]},  # dated by the order: today
    ],
)
def test_a_dexrazoxane_whose_dates_meet_the_doxorubicins_is_concurrent(extra: dict[str, object]) -> None:
    assert _facts_with(_dexrazoxane(**extra)).concurrent_doxorubicin.value is True


def test_a_delayed_doxorubicin_is_not_held_against_the_dexrazoxane_schedule() -> None:
    """Doses remaining under an active order whose scheduled dates have all passed (a delayed regimen) have
    no days to compare: the dexrazoxane scheduled from today is concurrent, as before."""
    dexrazoxane = _dexrazoxane(dosageInstruction=[{"timing": timing(count=2, period=21, start="2026-11-30")}])
    pool = pool_of(
        patient(), bsa("b", "2026-11-20", 1.8), active_doxorubicin(8), *given(5), drafts=[dexrazoxane]
    )
    facts = facts_of(pool)
    assert facts.last_planned_doxorubicin_date.value is None
    assert facts.concurrent_doxorubicin.value is True
