"""The orders in play and the doses they have to come (clinical/regimen.py), where the schedule is a range,
cannot be read, or is bounded: what the planned totals make of each."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from cds_service.clinical.care_plans import planned_activities
from cds_service.clinical.codes import ANTHRACYCLINES
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.limits import PLANNED_DOSES_PER_ORDER, PLANNED_DOSES_PER_READ
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.regimen import read_orders
from cds_service.fhir.pool import ResourcePool
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    administration,
    medication_request,
    patient,
    pool_of,
    timing,
)

TODAY = date(2026, 11, 28)
DEX = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28")


def facts_of(pool: ResourcePool) -> ClinicalFacts:
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=TODAY, line_of_business_map={})


def doxorubicin(rid: str, repeat: dict[str, Any], *, status: str = "draft", text: str = "") -> dict[str, Any]:
    order = medication_request(
        rid, DOXORUBICIN, (50, "mg/m2"), status=status, authored="2026-11-28", timing_={"repeat": repeat}
    )
    if text:
        order["dosageInstruction"][0]["text"] = text
    return order


EVERY_21_DAYS = {"frequency": 1, "period": 21, "periodUnit": "d", "boundsPeriod": {"start": "2026-11-28"}}


def test_a_count_range_makes_the_planned_total_a_range() -> None:
    facts = facts_of(
        pool_of(patient(), drafts=[DEX, doxorubicin("dox", {**EVERY_21_DAYS, "count": 2, "countMax": 5})])
    )
    planned = facts.planned_doxorubicin
    assert (planned.known_mg_m2, planned.possible_mg_m2, planned.possible_parts) == (100, 150, 3)
    assert planned.value is None and planned.at_most == 250
    assert planned.reaches(100) is True  # met at its fewest doses
    assert planned.reaches(250) is None  # the range straddles it
    assert planned.reaches(251) is False  # not met even at its most
    # the approval may run to the latest day a dose may fall on: the fifth, 84 days on
    assert facts.last_planned_doxorubicin_date.value == date(2027, 2, 20)


def test_an_unread_schedule_is_an_unknown_part_naming_why() -> None:
    huge = doxorubicin("dox", {**EVERY_21_DAYS, "count": 10**18})
    facts = facts_of(pool_of(patient(), drafts=[DEX, huge]))
    planned = facts.planned_doxorubicin
    assert planned.unknown_parts == 1 and planned.reaches(150) is None
    assert any(
        "schedule not read" in reason and "more than the" in reason for reason in planned.unknown_reasons
    )
    assert facts.last_planned_doxorubicin_date.value is None


def test_an_active_order_in_the_record_with_a_tiny_interval_is_an_unknown_part() -> None:
    tiny = {
        "frequency": 10**8,
        "period": 1,
        "periodUnit": "d",
        "boundsPeriod": {"start": "2026-11-28", "end": "2026-11-29"},
    }
    facts = facts_of(pool_of(patient(), doxorubicin("active", tiny, status="active"), drafts=[DEX]))
    assert facts.planned_doxorubicin.unknown_parts == 1
    assert facts.planned_doxorubicin.reaches(150) is None


def test_the_doses_of_all_orders_in_play_are_capped_together_whatever_their_order() -> None:
    per_order = PLANNED_DOSES_PER_ORDER.value
    count = PLANNED_DOSES_PER_READ.value // per_order + 1  # orders each at the per-order cap, one too many
    orders = [
        doxorubicin(f"d{i}", {**EVERY_21_DAYS, "count": per_order}, status="active") for i in range(count)
    ]
    for listed in (orders, list(reversed(orders))):
        read = read_orders(pool_of(*listed), ANTHRACYCLINES)
        assert len(read.in_play) == count
        assert all(o.schedule.doses == () and "read per request" in o.schedule.unread for o in read.in_play)
    fewer = read_orders(pool_of(*orders[:-1]), ANTHRACYCLINES)
    assert all(len(o.schedule.doses) == per_order for o in fewer.in_play)


def test_a_regimen_length_in_words_leaves_the_planned_total_unknown() -> None:
    once = doxorubicin("dox", {**EVERY_21_DAYS, "count": 1}, text="50 mg/m2 day 1, 4 to 6 cycles")
    facts = facts_of(pool_of(patient(), drafts=[DEX, once]))
    assert facts.planned_doxorubicin.unknown_parts == 1
    assert "'4 to 6 cycles'" in facts.planned_doxorubicin.unknown_reasons[0]
    # a range the timing gives itself is read as one: the same words add nothing
    ranged = doxorubicin("dox", {**EVERY_21_DAYS, "count": 1, "countMax": 3}, text="1 to 3 doses")
    assert facts_of(pool_of(patient(), drafts=[DEX, ranged])).planned_doxorubicin.unknown_parts == 0


def test_a_care_plan_writing_the_regimen_as_a_range_does_not_state_it() -> None:
    order = medication_request("dox", DOXORUBICIN, (25, "mg/m2"), authored="2026-11-28")
    plan = {
        "resourceType": "CarePlan",
        "id": "plan",
        "status": "active",
        "intent": "plan",
        "description": "Doxorubicin 25 mg/m2 every 21 days, 4-6 cycles",
        "created": "2026-11-28",
        "activity": [
            {
                "detail": {
                    "status": "scheduled",
                    "productCodeableConcept": DOXORUBICIN,
                    "dailyAmount": {"value": 25, "code": "mg/m2"},
                    "scheduledTiming": timing(count=4, period=21, start="2026-11-28"),
                }
            }
        ],
    }
    facts = facts_of(pool_of(patient(), plan, drafts=[DEX, order]))
    assert facts.planned_doxorubicin.unknown_parts >= 1
    assert any("'4-6 cycles'" in reason for reason in facts.planned_doxorubicin.unknown_reasons)
    stated = copy.deepcopy(plan)
    stated["description"] = "Doxorubicin 25 mg/m2 every 21 days, 4 cycles"
    assert facts_of(pool_of(patient(), stated, drafts=[DEX, order])).planned_doxorubicin.unknown_parts == 0


def test_a_long_chain_of_replacements_is_followed_once() -> None:
    # 2,000 orders, each replacing the one before: the last replaces them all (each chain step walked once)
    chain = [doxorubicin("o0", {**EVERY_21_DAYS, "count": 1}, status="active")]
    for i in range(1, 2000):
        chain.append(
            {
                **doxorubicin(f"o{i}", {**EVERY_21_DAYS, "count": 1}, status="active"),
                "priorPrescription": {"reference": f"MedicationRequest/o{i - 1}"},
            }
        )
    read = read_orders(pool_of(*reversed(chain)), ANTHRACYCLINES)
    assert [o.reference for o in read.in_play] == ["MedicationRequest/o1999"]
    assert len(read.in_play[0].replaces) == 1999


def test_every_activity_of_a_care_plan_is_dated_from_the_plan() -> None:
    activity = {
        "detail": {
            "status": "scheduled",
            "productCodeableConcept": DOXORUBICIN,
            "dailyAmount": {"value": 25, "code": "mg/m2"},
            "scheduledTiming": timing(count=2, period=21),
        }
    }
    plan = {
        "resourceType": "CarePlan",
        "id": "plan",
        "status": "active",
        "intent": "plan",
        "created": "2026-11-28",
        "activity": [activity, copy.deepcopy(activity)],
    }
    found = planned_activities(pool_of(plan), ANTHRACYCLINES)
    assert [[d.when for d in a.schedule.doses] for a in found] == [[TODAY, date(2026, 12, 19)]] * 2


def test_the_doses_of_all_care_plan_activities_are_capped_together() -> None:
    per_order = PLANNED_DOSES_PER_ORDER.value
    activity = {
        "detail": {
            "status": "scheduled",
            "productCodeableConcept": DOXORUBICIN,
            "scheduledTiming": timing(count=per_order, period=1),
        }
    }
    count = PLANNED_DOSES_PER_READ.value // per_order + 1
    plan = {"resourceType": "CarePlan", "id": "plan", "status": "active", "intent": "plan"}
    plan["created"] = "2026-11-28"
    found = planned_activities(pool_of({**plan, "activity": [activity] * count}), ANTHRACYCLINES)
    assert len(found) == count
    assert all(a.schedule.doses == () and "CarePlans plan" in a.schedule.unread for a in found)
    fewer = planned_activities(pool_of({**plan, "activity": [activity] * (count - 1)}), ANTHRACYCLINES)
    assert all(len(a.schedule.doses) == per_order for a in fewer)


def test_a_care_plan_activity_whose_count_is_a_range_makes_the_total_a_range() -> None:
    first_cycle = medication_request("dox", DOXORUBICIN, (25, "mg/m2"), authored="2026-11-28")
    repeat = {**EVERY_21_DAYS, "count": 4, "countMax": 6}
    plan = {
        "resourceType": "CarePlan",
        "id": "plan",
        "status": "active",
        "intent": "plan",
        "created": "2026-11-28",
        "activity": [
            {
                "detail": {
                    "status": "scheduled",
                    "productCodeableConcept": DOXORUBICIN,
                    "dailyAmount": {"value": 25, "code": "mg/m2"},
                    "scheduledTiming": {"repeat": repeat},
                }
            }
        ],
    }
    planned = facts_of(pool_of(patient(), plan, drafts=[DEX, first_cycle])).planned_doxorubicin
    # the order's dose today, then the plan's doses after it: 3 certain, 2 a range may add
    assert (planned.known_mg_m2, planned.possible_mg_m2, planned.unknown_parts) == (100, 50, 0)
    assert planned.reaches(150) is None and planned.reaches(151) is False


def _given_under(order: str, when: str) -> dict[str, Any]:
    return administration(
        f"given-{when}", DOXORUBICIN, f"{when}T10:00:00Z", (75, "mg/m2"), request=f"MedicationRequest/{order}"
    )


def test_a_redrafted_order_dated_from_a_start_it_states_counts_every_dose_after_the_last_given() -> None:
    """An active order (3 cycles from 16 November) modified and sent back as a draft of the remaining two
    from today: its doses are after the one given under it, so both are to come (225 in all), not its
    count less the dose given (150, which could deny a sarcoma regimen that reaches 250)."""
    remaining = doxorubicin("dox", {**EVERY_21_DAYS, "count": 2})
    remaining["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 75
    facts = facts_of(pool_of(patient(), _given_under("dox", "2026-11-16"), drafts=[DEX, remaining]))
    assert facts.planned_doxorubicin.value == 225
    # restating the whole regimen from its first day, the dates tell the same: two to come
    whole = copy.deepcopy(remaining)
    whole["dosageInstruction"][0]["timing"]["repeat"].update(count=3, boundsPeriod={"start": "2026-11-16"})
    facts = facts_of(pool_of(patient(), _given_under("dox", "2026-11-16"), drafts=[DEX, whole]))
    assert facts.planned_doxorubicin.value == 225


def test_a_redrafted_order_dated_from_the_orders_date_leaves_the_difference_unknown() -> None:
    undated = doxorubicin("dox", {"frequency": 1, "period": 21, "periodUnit": "d", "count": 2})
    undated["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 75
    facts = facts_of(pool_of(patient(), _given_under("dox", "2026-11-16"), drafts=[DEX, undated]))
    planned = facts.planned_doxorubicin
    # one dose known to come (its count less the dose given), the other may be one more: unknown
    assert (planned.known_mg_m2, planned.unknown_parts) == (150, 1)
    assert planned.reaches(250) is None
    assert any("whether it restates the whole regimen" in why for why in planned.unknown_reasons)


def test_two_unlinked_orders_planning_the_same_dose_on_the_same_days_are_never_both_counted() -> None:
    one = doxorubicin("dox-a", {**EVERY_21_DAYS, "count": 2})
    again = doxorubicin("dox-b", {**EVERY_21_DAYS, "count": 2}, status="active")
    planned = facts_of(pool_of(patient(), again, drafts=[DEX, one])).planned_doxorubicin
    # the first order's two doses count; the other's are one order written twice or doses no regimen gives
    assert (planned.known_mg_m2, planned.unknown_parts) == (100, 2)
    assert all("nothing links them" in why for why in planned.unknown_reasons)
    assert planned.reaches(150) is None and planned.reaches(100) is True
    # different amounts on those days: one or two doses, each order's dose of each day an unknown part
    other = doxorubicin("dox-b", {**EVERY_21_DAYS, "count": 2}, status="active")
    other["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 60
    planned = facts_of(pool_of(patient(), other, drafts=[DEX, one])).planned_doxorubicin
    assert (planned.known_mg_m2, planned.unknown_parts) == (0, 4)
    # on other days, both orders' doses count
    later = doxorubicin("dox-b", {**EVERY_21_DAYS, "count": 2, "boundsPeriod": {"start": "2026-12-05"}})
    planned = facts_of(pool_of(patient(), drafts=[DEX, one, later])).planned_doxorubicin
    assert planned.value == 200


def test_a_known_dose_beside_another_orders_unknown_dose_that_day_is_unknown_too() -> None:
    """A redrafted order dated from its signing leaves its doses unknown (restated or remaining?); an
    active order nothing links to it planning the same days may be the same regimen written twice: its
    doses there are never known beside the maybe (counted, they made 250 and approved a sarcoma regimen)."""
    undated = doxorubicin("dox", {"frequency": 1, "period": 21, "periodUnit": "d", "count": 2})
    twin = doxorubicin("twin", {**EVERY_21_DAYS, "count": 2}, status="active")
    twin["authoredOn"] = "2026-09-26"
    planned = facts_of(
        pool_of(patient(), twin, _given_under("dox", "2026-11-16"), drafts=[DEX, undated])
    ).planned_doxorubicin
    # 75 given; 28 November: the draft's dose a maybe, so the twin's too; 19 December: one dose, twice
    assert (planned.known_mg_m2, planned.unknown_parts) == (125, 3)
    assert any("'s not known: one order written twice" in why for why in planned.unknown_reasons)
