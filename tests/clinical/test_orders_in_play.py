"""docs/facts.md "Record integrity" rulings on orders (clinical/regimen.py, clinical/care_plans.py,
clinical/therapy.py, clinical/schedule.py): orders in play, nothing depends on resource order, planned totals
need a known extent, and what extraction makes of them."""

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.clinical.codes import ANTHRACYCLINES
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.regimen import read_orders
from cds_service.clinical.schedule import states_extent
from cds_service.fhir.pool import ResourcePool
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    EPIRUBICIN,
    LIPOSOMAL_DOXORUBICIN,
    administration,
    height,
    medication_request,
    patient,
    pool_of,
    quantity,
    timing,
    weight,
)

TODAY = date(2026, 11, 28)
DEX = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")


def facts_of(pool: ResourcePool) -> ClinicalFacts:
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=TODAY, line_of_business_map={})


def doxorubicin(
    rid: str, dose: float = 50, *, status: str = "draft", count: int | None = 4, **extra: Any
) -> dict[str, Any]:
    return medication_request(
        rid,
        DOXORUBICIN,
        (dose, "mg/m2"),
        status=status,
        authored="2026-11-28",
        timing_=timing(count=count, period=21, start="2026-11-28") if count else None,
        **extra,
    )


def test_a_draft_that_is_not_going_ahead_is_set_aside_and_says_why() -> None:
    for status in ("cancelled", "stopped", "completed", "entered-in-error"):
        pool = pool_of(patient(), drafts=[DEX, doxorubicin("dox", status=status)])
        read = read_orders(pool, ANTHRACYCLINES)
        assert read.in_play == []
        assert read.set_aside[0][1] == f"MedicationRequest/dox is {status}: not therapy"
        facts = facts_of(pool)
        assert facts.concurrent_doxorubicin.value is False
        assert "cancelled" in facts.concurrent_doxorubicin.reason or status != "cancelled"


def test_an_on_hold_order_leaves_concurrency_and_its_doses_to_come_unknown() -> None:
    facts = facts_of(pool_of(patient(), doxorubicin("dox", status="on-hold"), drafts=[DEX]))
    assert facts.concurrent_doxorubicin.value is None
    assert "on hold" in facts.concurrent_doxorubicin.reason
    assert facts.planned_doxorubicin.unknown_parts == 1
    assert facts.planned_doxorubicin.reaches(150) is None
    # beside a running order, the running order is concurrent
    running = facts_of(
        pool_of(
            patient(),
            doxorubicin("held", status="on-hold"),
            doxorubicin("dox", status="active"),
            drafts=[DEX],
        )
    )
    assert running.concurrent_doxorubicin.value is True


def test_an_order_replaced_by_one_in_play_adds_no_doses_and_its_given_doses_count_against_the_new_one() -> (
    None
):
    old = doxorubicin("old", status="active", count=4)
    new = doxorubicin("new", count=4, priorPrescription={"reference": "MedicationRequest/old"})
    given = administration(
        "a1", DOXORUBICIN, "2026-11-28T09:00:00Z", (50, "mg/m2"), request="MedicationRequest/old"
    )
    facts = facts_of(pool_of(patient(), old, given, drafts=[DEX, new]))
    # 50 given + the new order's 4 doses less the one given under the order it replaces: 50 + 150
    assert facts.planned_doxorubicin.value == 200
    assert "MedicationRequest/old is replaced by MedicationRequest/new: adds no doses of its own" in (
        facts.planned_doxorubicin.set_aside
    )


def test_replaces_style_linkage_and_chains_and_loops() -> None:
    a = doxorubicin("a", status="active")
    b = doxorubicin(
        "b",
        status="active",
        extension=[
            {
                "url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-MedicationRequest.replaces",
                "valueReference": {"reference": "MedicationRequest/a"},
            }
        ],
    )
    c = doxorubicin("c", replaces=[{"reference": "http://ehr.example.org/fhir/MedicationRequest/b"}])
    read = read_orders(pool_of(a, b, drafts=[c]), ANTHRACYCLINES)
    assert [o.reference for o in read.in_play] == ["MedicationRequest/c"]
    assert read.in_play[0].replaces == ("MedicationRequest/a", "MedicationRequest/b")
    # two orders naming each other: nothing tells which stands, both stay
    x = doxorubicin("x", status="active", priorPrescription={"reference": "MedicationRequest/y"})
    y = doxorubicin("y", status="active", priorPrescription={"reference": "MedicationRequest/x"})
    assert len(read_orders(pool_of(x, y), ANTHRACYCLINES).in_play) == 2


def test_the_ratio_is_taken_against_the_smallest_doxorubicin_dose_in_play_in_any_order() -> None:
    orders = [doxorubicin("dox-50", 50), doxorubicin("dox-40", 40)]
    for drafts in ([DEX, *orders], [DEX, *reversed(orders)]):
        facts = facts_of(pool_of(patient(), drafts=drafts))
        assert facts.doxorubicin_dose_mg_m2.value == 40
        assert facts.dose_ratio.value == 12.5
        assert "smallest decides" in facts.doxorubicin_dose_mg_m2.reason


def test_unless_the_dexrazoxane_order_names_the_doxorubicin_order_it_accompanies() -> None:
    orders = [doxorubicin("dox-50", 50), doxorubicin("dox-40", 40)]
    for key in ("basedOn", "supportingInformation", "reasonReference"):
        named = {**DEX, key: [{"reference": "MedicationRequest/dox-50"}]}
        facts = facts_of(pool_of(patient(), drafts=[named, *orders]))
        assert facts.dose_ratio.value == 10, key


def test_liposomal_doxorubicin_never_sizes_the_ratio() -> None:
    liposomal = medication_request(
        "doxil",
        LIPOSOMAL_DOXORUBICIN,
        (20, "mg/m2"),
        authored="2026-11-28",
        timing_=timing(count=2, period=28),
    )
    facts = facts_of(pool_of(patient(), drafts=[DEX, doxorubicin("dox", 50), liposomal]))
    assert facts.doxorubicin_dose_mg_m2.value == 50


def test_an_order_states_its_extent_by_count_bounds_duration_or_events() -> None:
    assert states_extent(doxorubicin("a", count=4))
    assert not states_extent(doxorubicin("b", count=None))
    bounded = medication_request(
        "c", DOXORUBICIN, (50, "mg/m2"), timing_=timing(period=21, start="2026-11-28", end="2027-02-01")
    )
    assert states_extent(bounded)
    open_start = medication_request(
        "d", DOXORUBICIN, (50, "mg/m2"), timing_=timing(period=21, start="2026-11-28")
    )
    assert not states_extent(open_start)
    duration = medication_request(
        "e",
        DOXORUBICIN,
        (50, "mg/m2"),
        timing_={
            "repeat": {
                "frequency": 1,
                "period": 21,
                "periodUnit": "d",
                "boundsDuration": {"value": 12, "code": "wk"},
            }
        },
    )
    assert states_extent(duration)
    events = medication_request(
        "f", DOXORUBICIN, (50, "mg/m2"), timing_={"event": ["2026-11-28", "2026-12-19"]}
    )
    assert states_extent(events)


def test_an_order_without_stated_extent_leaves_the_planned_total_open_for_every_anthracycline() -> None:
    epirubicin = medication_request("epi", EPIRUBICIN, (50, "mg/m2"), authored="2026-11-28")
    facts = facts_of(pool_of(patient(), drafts=[DEX, doxorubicin("dox", count=None), epirubicin]))
    assert facts.planned_doxorubicin.reaches(150) is None
    assert facts.planned_anthracycline.unknown_parts == 2
    assert any("planned extent not stated" in r for r in facts.planned_anthracycline.unknown_reasons)


def care_plan(count: int | None, *, status: str = "active") -> dict[str, Any]:
    repeat: dict[str, Any] = {
        "boundsPeriod": {"start": "2026-11-28"},
        "frequency": 1,
        "period": 21,
        "periodUnit": "d",
    }
    if count is not None:
        repeat["count"] = count
    return {
        "resourceType": "CarePlan",
        "id": "plan",
        "status": status,
        "intent": "plan",
        "activity": [
            {
                "detail": {
                    "status": "scheduled",
                    "productCodeableConcept": DOXORUBICIN,
                    "dailyAmount": quantity(25, "mg/m2"),
                    "scheduledTiming": {"repeat": repeat},
                }
            }
        ],
    }


def test_an_active_care_plan_adds_the_doses_beyond_the_ordered_ones_and_states_the_extent() -> None:
    first_cycle = doxorubicin("dox", 25, count=None)
    facts = facts_of(pool_of(patient(), care_plan(6), drafts=[DEX, first_cycle]))
    # today's dose ordered, five more in the plan: 6 x 25
    assert facts.planned_doxorubicin.value == 150
    assert "5 dose(s) planned in CarePlan/plan" in facts.planned_doxorubicin.remarks
    short = facts_of(pool_of(patient(), care_plan(2), drafts=[DEX, first_cycle]))
    assert short.planned_doxorubicin.value == 50  # known extent: a deny is possible
    unstated = facts_of(pool_of(patient(), care_plan(None), drafts=[DEX, first_cycle]))
    assert unstated.planned_doxorubicin.value is None
    for inactive in ("draft", "completed", "revoked"):
        ignored = facts_of(pool_of(patient(), care_plan(6, status=inactive), drafts=[DEX, first_cycle]))
        assert ignored.planned_doxorubicin.known_mg_m2 == 25


def test_an_order_in_mg_per_kg_is_converted_with_the_current_weight_then_the_bsa() -> None:
    dex = medication_request("dex", DEXRAZOXANE, (12.5, "mg/kg"), authored="2026-11-28")
    body = [height("h", "2026-11-27", 180), weight("w", "2026-11-27", 80)]  # BSA 2.0 m²
    facts = facts_of(pool_of(patient(), *body, drafts=[dex, doxorubicin("dox", 50)]))
    # 12.5 mg/kg x 80 kg = 1000 mg / 2.0 m² = 500 mg/m²: 10:1 with 50 mg/m² doxorubicin
    assert facts.dexrazoxane_dose_mg.value == 1000
    assert facts.dexrazoxane_dose_mg_m2.value == 500
    assert facts.dose_ratio.value == 10


def test_merged_records_keep_the_order_link_any_of_them_has() -> None:
    # two doses, undated: only the link tells that one of them was given
    active = medication_request(
        "dox", DOXORUBICIN, (50, "mg/m2"), status="active", authored="2026-11-01", timing_=timing(count=2)
    )
    linked = administration(
        "b", DOXORUBICIN, "2026-11-28T09:00:00Z", (50, "mg/m2"), request="MedicationRequest/dox"
    )
    copy = administration("a", DOXORUBICIN, "2026-11-28T09:00:10Z", (50, "mg/m2"))
    facts = facts_of(pool_of(patient(), active, linked, copy, drafts=[DEX]))
    # one dose given under the order, one to come: 100 (unlinked, the undated dose to come is unknown)
    assert facts.planned_doxorubicin.value == 100


def test_an_on_hold_dexrazoxane_order_leaves_its_course_days_unknown_and_a_replaced_one_adds_nothing() -> (
    None
):
    reason = [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "T80.810A"}]}]
    own = medication_request(
        "dex",
        DEXRAZOXANE,
        (1000, "mg"),
        authored="2026-11-28",
        timing_=timing(count=2, period=1, start="2026-11-28"),
        reasonCode=reason,
    )
    other = medication_request(
        "dex-other",
        DEXRAZOXANE,
        (500, "mg"),
        status="on-hold",
        authored="2026-11-28",
        timing_=timing(count=1, period=1, start="2026-11-29"),
    )
    facts = facts_of(pool_of(patient(), other, drafts=[own]))
    assert [(d.day, d.mg) for d in facts.extravasation_course] == [(1, 1000.0), (2, None)]
    # the same order re-signed (priorPrescription): the old one's days are not counted twice
    old = {**other, "id": "dex-old", "status": "active"}
    resigned = {**own, "priorPrescription": {"reference": "MedicationRequest/dex-old"}}
    again = facts_of(pool_of(patient(), old, drafts=[resigned]))
    assert [(d.day, d.mg) for d in again.extravasation_course] == [(1, 1000.0), (2, 1000.0)]


def test_the_extravasation_course_does_not_depend_on_the_order_of_its_conditions() -> None:
    from tests.clinical.builders import condition

    order = medication_request(
        "dex",
        DEXRAZOXANE,
        (1000, "mg"),
        authored="2026-11-28",
        timing_=timing(count=2, period=1, start="2026-11-28"),
    )
    given = administration("dex-given", DEXRAZOXANE, "2026-11-26T10:00:00Z", (1000, "mg"))
    dox = administration("dox", DOXORUBICIN, "2026-11-22T10:00:00Z", (60, "mg/m2"))
    early = condition("x-early", "T80.810A", onset="2026-11-22")
    late = condition("x-late", "T80.810A", onset="2026-11-27")
    courses = [
        facts_of(pool_of(patient(), dox, given, *conditions, drafts=[order])).extravasation_course
        for conditions in ((early, late), (late, early))
    ]
    assert courses[0] == courses[1]


def test_a_replacing_order_that_lists_only_the_remaining_doses_keeps_them() -> None:
    old = medication_request(
        "old",
        DOXORUBICIN,
        (50, "mg/m2"),
        status="active",
        authored="2026-09-19",
        timing_=timing(count=6, period=21, start="2026-09-19"),
    )
    given = [
        administration(
            f"a{i}", DOXORUBICIN, f"{day}T09:00:00Z", (50, "mg/m2"), request="MedicationRequest/old"
        )
        for i, day in enumerate(["2026-09-19", "2026-10-10", "2026-10-31", "2026-11-21"])
    ]
    remaining = medication_request(
        "new",
        DOXORUBICIN,
        (50, "mg/m2"),
        authored="2026-11-28",
        timing_=timing(count=2, period=21, start="2026-12-12"),
        priorPrescription={"reference": "MedicationRequest/old"},
    )
    facts = facts_of(pool_of(patient(), old, *given, drafts=[DEX, remaining]))
    assert facts.planned_doxorubicin.value == 300  # 4 given + the 2 the new order lists
    restated = {**remaining, "dosageInstruction": old["dosageInstruction"]}
    again = facts_of(pool_of(patient(), old, *given, drafts=[DEX, restated]))
    # the whole regimen restated: its doses up to the last given are history, not doses to come
    assert again.planned_doxorubicin.value == 300


def test_a_drafts_dose_already_given_on_its_day_is_not_counted_again() -> None:
    # The draft's first dose (today) was given this evening, charted as 01:00Z tomorrow and linked to no
    # order: on the order's clock it is today's dose, given; three doses remain to come.
    dex = {**DEX, "authoredOn": "2026-11-28T08:00:00-05:00"}
    evening = administration("evening", DOXORUBICIN, "2026-11-29T01:00:00Z", (50, "mg/m2"))
    facts = facts_of(pool_of(patient(), evening, drafts=[dex, doxorubicin("dox", 50, count=4)]))
    assert facts.cumulative_doxorubicin.value == 50
    assert facts.planned_doxorubicin.value == 200


def test_a_care_plan_naming_doxorubicin_in_words_leaves_a_short_planned_total_open() -> None:
    """A care plan named but not read (docs/facts.md): words naming the drug, no activity read for it."""
    first_cycle = doxorubicin("dox", 25, count=2)
    read = facts_of(pool_of(patient(), drafts=[DEX, first_cycle]))
    assert read.planned_doxorubicin.value == 50
    for where in (
        {"description": "AC: Doxorubicin 60 mg/m2 and cyclophosphamide every 21 days, 4 cycles"},
        {"note": [{"text": "Plan: adriamycin-based regimen, extent per tumour board"}]},
        {"activity": [{"detail": {"status": "scheduled", "description": "doxorubicin day 1"}}]},
    ):
        plan = {"resourceType": "CarePlan", "id": "words", "status": "active", "intent": "plan", **where}
        facts = facts_of(pool_of(patient(), plan, drafts=[DEX, first_cycle]))
        assert facts.planned_doxorubicin.value is None and facts.planned_doxorubicin.known_mg_m2 == 50
        assert any(
            "CarePlan/words: the CarePlan names doxorubicin" in r
            for r in facts.planned_doxorubicin.unknown_reasons
        )
    # no drug named, a plan not active, or a regimen the service reads: nothing left open by the words
    for plan in (
        {
            "resourceType": "CarePlan",
            "id": "p",
            "status": "active",
            "description": "Radiotherapy to the chest",
        },
        {"resourceType": "CarePlan", "id": "p", "status": "completed", "description": "doxorubicin x4"},
        {**care_plan(6), "description": "doxorubicin x6"},
    ):
        facts = facts_of(pool_of(patient(), plan, drafts=[DEX, first_cycle]))
        assert facts.planned_doxorubicin.value is not None, plan["id"]


def test_a_draft_dexrazoxane_order_not_going_ahead_gets_no_determination() -> None:
    for status in ("cancelled", "stopped", "completed", "entered-in-error"):
        stopped = {**DEX, "id": "dex-old", "status": status}
        pool = pool_of(patient(), drafts=[DEX, stopped])
        assert [order["id"] for order in dexrazoxane_orders(pool)] == ["dex"], status
    held = {**DEX, "id": "dex-held", "status": "on-hold"}
    assert len(dexrazoxane_orders(pool_of(patient(), drafts=[DEX, held]))) == 2


def test_doxorubicin_to_come_only_in_a_care_plan_leaves_concurrency_unknown_never_none() -> None:
    # the next cycles sit only in the treatment plan, released as orders one at a time: a plan is not an
    # order (never concurrent on it alone), but it bears on whether doxorubicin goes on
    facts = facts_of(pool_of(patient(), care_plan(4), drafts=[DEX]))
    concurrent = facts.concurrent_doxorubicin
    assert concurrent.value is None
    assert concurrent.evidence == ("CarePlan/plan",)
    assert "scheduled in CarePlan/plan but no order for it is signed or active" in concurrent.reason
    # beside an order of it the order decides
    ordered = facts_of(pool_of(patient(), care_plan(4), drafts=[DEX, doxorubicin("dox", 25, count=None)]))
    assert ordered.concurrent_doxorubicin.value is True
    # a plan that is not active plans nothing
    for inactive in ("completed", "revoked"):
        done = facts_of(pool_of(patient(), care_plan(4, status=inactive), drafts=[DEX]))
        assert done.concurrent_doxorubicin.value is False
