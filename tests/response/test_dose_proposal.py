from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from cds_service.clinical.facts import ExtravasationDay, Fact
from cds_service.response.dose_proposal import dose_proposal
from cds_service.response.fhir_validation import r4_problem
from tests.response.determinations import (
    draft_order,
    extravasation_order,
    facts,
    over_extravasation_cap,
    over_ratio,
)


def dose(order: dict[str, Any], index: int = 0) -> Any:
    return order["dosageInstruction"][index]["doseAndRate"][0]["doseQuantity"]["value"]


def test_a_dose_over_10_to_1_is_proposed_at_10_times_doxorubicin_in_mg_m2() -> None:
    determination = over_ratio()
    proposal = dose_proposal(determination.facts, determination.order_resource)
    assert proposal is not None
    assert dose(proposal.order) == 500
    assert (
        determination.order_resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 600
    )
    unchanged = {k: v for k, v in proposal.order.items() if k != "dosageInstruction"}
    assert unchanged == {k: v for k, v in determination.order_resource.items() if k != "dosageInstruction"}
    assert proposal.order["medicationCodeableConcept"]["text"]
    assert r4_problem(proposal.order) is None


def test_an_mg_order_is_proposed_in_mg_through_the_bsa_rounded_down() -> None:
    order = draft_order(value=1200, unit="mg")
    order_facts = facts(bsa_m2=Fact(1.83), dexrazoxane_dose_mg_m2=Fact(655.7), dose_ratio=Fact(13.1))
    proposal = dose_proposal(order_facts, order)
    assert proposal is not None
    assert dose(proposal.order) == 915  # 10 x 50 mg/m2 x 1.83 m2
    assert proposal.order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["unit"] == "mg"


def test_a_dose_range_whose_top_exceeds_10_to_1_is_capped_at_the_top_and_only_there() -> None:
    order = draft_order()
    order["dosageInstruction"][0]["doseAndRate"] = [
        {
            "doseRange": {
                "low": {
                    "value": 250,
                    "unit": "mg/m2",
                    "system": "http://unitsofmeasure.org",
                    "code": "mg/m2",
                },
                "high": {
                    "value": 600,
                    "unit": "mg/m2",
                    "system": "http://unitsofmeasure.org",
                    "code": "mg/m2",
                },
            }
        }
    ]
    proposal = dose_proposal(facts(dexrazoxane_dose_mg_m2=Fact(600.0), dose_ratio=Fact(12.0)), order)
    assert proposal is not None
    proposed = proposal.order["dosageInstruction"][0]["doseAndRate"][0]["doseRange"]
    assert (proposed["low"]["value"], proposed["high"]["value"]) == (250, 500)
    assert r4_problem(proposal.order) is None


def test_an_mg_order_without_a_bsa_gets_no_proposal() -> None:
    order = draft_order(value=1200, unit="mg")
    assert dose_proposal(facts(bsa_m2=Fact(None), dose_ratio=Fact(13.1)), order) is None


def test_a_dose_within_the_ratio_gets_no_proposal() -> None:
    assert dose_proposal(facts(), draft_order()) is None


def test_an_extravasation_course_over_its_daily_caps_is_capped_per_day() -> None:
    determination = over_extravasation_cap()
    proposal = dose_proposal(determination.facts, determination.order_resource)
    assert proposal is not None
    assert (dose(proposal.order, 0), dose(proposal.order, 1)) == (2000, 1000)
    assert proposal.rule == "I.B.4"
    assert r4_problem(proposal.order) is None


def test_an_extravasation_course_within_its_caps_gets_no_proposal() -> None:
    determination = over_extravasation_cap()
    within = replace(
        determination.facts,
        extravasation_course=tuple(
            replace(day, mg=min(day.mg or 0, 1000.0)) for day in determination.facts.extravasation_course
        ),
    )
    assert dose_proposal(within, extravasation_order((1000, 500))) is None


def test_a_changed_instruction_loses_the_free_text_that_states_the_old_dose() -> None:
    # A signed order must not say "600 mg/m2" in its text and 500 in its doseQuantity.
    order = draft_order(value=600)
    order["dosageInstruction"][0]["text"] = "600 mg/m2 IV with each doxorubicin dose"
    order["dosageInstruction"][0]["patientInstruction"] = "You will get 600 mg/m2"
    unchanged_second = {
        "text": "kept: this instruction is not changed",
        "patientInstruction": "kept too",
        "doseAndRate": [{"doseQuantity": {"value": 100, "unit": "mg/m2", "code": "mg/m2"}}],
    }
    order["dosageInstruction"].append(unchanged_second)
    determination = over_ratio(order)
    proposal = dose_proposal(determination.facts, determination.order_resource)
    assert proposal is not None
    changed, kept = proposal.order["dosageInstruction"]
    assert dose(proposal.order) == 500
    assert "text" not in changed and "patientInstruction" not in changed
    assert kept == unchanged_second
    assert order["dosageInstruction"][0]["text"].startswith("600")  # the draft itself is not touched
    assert r4_problem(proposal.order) is None


def fourth_day(order: dict[str, Any], course: tuple[float, ...] = (2000, 2000, 1000, 1000)) -> Any:
    ref = f"MedicationRequest/{order['id']}"
    days = tuple(ExtravasationDay(i + 1, mg, (ref,)) for i, mg in enumerate(course))
    return facts(ref, extravasation_course=days, anthracycline_extravasation=Fact(True))


def dated_extravasation_order(third_count: int = 2) -> dict[str, Any]:
    """Days 1-2 at 2,000 mg from 2026-11-28, then 1,000 mg daily for `third_count` days from 2026-11-30."""
    order = extravasation_order((2000, 1000))
    first, third = order["dosageInstruction"]
    first["timing"]["repeat"]["boundsPeriod"] = {"start": "2026-11-28"}
    third["timing"]["repeat"].update({"boundsPeriod": {"start": "2026-11-30"}, "count": third_count})
    third["text"] = f"1000 mg IV daily, {third_count} doses"
    return order


def test_an_extravasation_course_with_a_fourth_day_is_trimmed_to_three_days_by_its_count() -> None:
    order = dated_extravasation_order()
    proposal = dose_proposal(fourth_day(order), order)
    assert proposal is not None and proposal.rule == "I.B.4"
    first, third = proposal.order["dosageInstruction"]
    assert first == order["dosageInstruction"][0]
    assert third["timing"]["repeat"]["count"] == 1 and dose(proposal.order, 1) == 1000
    assert "text" not in third  # "2 doses" no longer true
    assert "3-day course" in proposal.summary and proposal.exceeds == "course length"
    assert r4_problem(proposal.order) is None


def test_a_fourth_day_set_by_bounds_period_end_is_trimmed_by_moving_the_end() -> None:
    order = dated_extravasation_order()
    repeat = order["dosageInstruction"][1]["timing"]["repeat"]
    del repeat["count"]
    repeat["boundsPeriod"]["end"] = "2026-12-01"
    proposal = dose_proposal(fourth_day(order), order)
    assert proposal is not None
    assert proposal.order["dosageInstruction"][1]["timing"]["repeat"]["boundsPeriod"]["end"] == "2026-11-30"


def test_an_instruction_wholly_after_day_three_is_removed_and_over_caps_are_capped_too() -> None:
    order = dated_extravasation_order(third_count=1)
    order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 2200
    fourth = copy.deepcopy(order["dosageInstruction"][1])
    fourth["timing"]["repeat"]["boundsPeriod"]["start"] = "2026-12-01"
    order["dosageInstruction"].append(fourth)
    proposal = dose_proposal(fourth_day(order, (2200, 2200, 1000, 1000)), order)
    assert proposal is not None
    assert len(proposal.order["dosageInstruction"]) == 2
    assert (dose(proposal.order, 0), dose(proposal.order, 1)) == (2000, 1000)
    assert proposal.exceeds == "dose and course length"


def test_a_fourth_day_the_order_shape_cannot_trim_gets_no_proposal() -> None:
    order = dated_extravasation_order()
    del order["dosageInstruction"][1]["timing"]["repeat"]["boundsPeriod"]  # undated: day unknown
    order["dosageInstruction"][1]["timing"] = {"event": ["2026-11-30", "2026-12-01"]}
    assert dose_proposal(fourth_day(order), order) is None


def test_the_ratio_proposal_names_only_the_pathway_in_use() -> None:
    determination = over_ratio()
    initial = dose_proposal(determination.facts, determination.order_resource, "I.A")
    continued = dose_proposal(determination.facts, determination.order_resource, "II.A")
    assert initial is not None and continued is not None
    assert initial.rule == "I.A.5.a" and continued.rule == "II.A.4.a"


def test_no_extravasation_proposal_when_the_course_is_not_this_orders_alone() -> None:
    """Day 1 given yesterday: capping this order's own lines from "day 1" would still break day 3's cap
    (or lower an allowed day), so no proposal rather than a wrong one."""
    determination = over_extravasation_cap()
    assert determination.facts is not None
    started = replace(
        determination.facts,
        extravasation_course=(
            ExtravasationDay(1, 2000.0, ("MedicationAdministration/given-yesterday",)),
            *(replace(day, day=day.day + 1) for day in determination.facts.extravasation_course),
        ),
    )
    assert dose_proposal(started, determination.order_resource) is None


def test_no_extravasation_proposal_that_would_halve_allowed_days() -> None:
    """One line of 1,900 mg for days 1 to 3: capping the line at day 3's 1,000 mg would halve days 1-2,
    which are allowed 2,000 mg."""
    order = extravasation_order((1900, 1900))
    order["dosageInstruction"] = order["dosageInstruction"][:1]
    order["dosageInstruction"][0]["timing"] = {
        "repeat": {"count": 3, "frequency": 1, "period": 1, "periodUnit": "d"}
    }
    course = tuple(ExtravasationDay(day, 1900.0, (f"MedicationRequest/{order['id']}",)) for day in (1, 2, 3))
    order_facts = facts(
        order=f"MedicationRequest/{order['id']}",
        anthracycline_extravasation=Fact(True),
        extravasation_course=course,
    )
    assert dose_proposal(order_facts, order) is None


def test_a_malformed_timing_in_an_extravasation_draft_is_no_crash() -> None:
    """Imperfect drafts (docs/api.md "Bad input"): a `timing` or `repeat` sent as a list or a string reads as
    absent."""
    determination = over_extravasation_cap()
    for broken in ([{"repeat": {"count": 2}}], "daily", {"repeat": ["count", 2]}):
        order = copy.deepcopy(determination.order_resource)
        order["dosageInstruction"][0]["timing"] = broken
        dose_proposal(determination.facts, order, "I.B")  # no exception
