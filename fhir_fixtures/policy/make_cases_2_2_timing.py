"""Writes the cases of a regimen whose length is a range ("2.2-not-read-<decision>-<what>.json" and its
`.expect.json`), on the baseline patient of make_cases.py: "Not read is not absent" for a planned total.

Run from the repository root: `.venv/bin/python fhir_fixtures/policy/make_cases_2_2_timing.py`. The JSON is
committed; tests read the JSON, never this script. Each case is the soft tissue sarcoma patient of
I.A.3.b.vi (planned cumulative doxorubicin ≥ 250 mg/m²) with the doxorubicin draft's length given as a range:
`countMax`, a `boundsRange`, or words in the order's text ("4 to 6 cycles"). The number of doses is then a
range and so is the planned total: above the threshold at its fewest doses, I.A.3.b.vi is met (approve);
below it at its most, with the extent stated, not met (deny); a range that straddles it is unknown (pend for
the treatment plan). The expected outcome is the one a payer's pharmacist reaches; each comment works it by
hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from make_cases import HERE, Case, Doses, Json, days, expect, given, request

M, N, U = "met", "not_met", "unknown"
SARCOMA = {"diagnoses": ["soft tissue sarcoma"], "dexrazoxane": [Doses("dexrazoxane", 2, 500)]}


@dataclass
class Edited:
    case: Case
    edit: Callable[[Json], None]


def _doxorubicin_draft(body: Json) -> Json:
    return next(
        entry["resource"]
        for entry in body["context"]["draftOrders"]["entry"]
        if entry["resource"]["id"] == "doxorubicin-draft"
    )


def count_range(count: int, most: int) -> Callable[[Json], None]:
    """The draft plans `count` to `most` doses, one every 21 days from today (FHIR Timing countMax)."""

    def edit(body: Json) -> None:
        dosage = _doxorubicin_draft(body)["dosageInstruction"][0]
        dosage["timing"]["repeat"].update({"count": count, "countMax": most})
        dosage["text"] = f"50 mg/m2 IV every 21 days, {count} to {most} doses"

    return edit


def bounds_range(low_weeks: int, high_weeks: int) -> Callable[[Json], None]:
    """The draft runs every 21 days for `low_weeks` to `high_weeks` weeks (boundsRange), no count."""

    def edit(body: Json) -> None:
        dosage = _doxorubicin_draft(body)["dosageInstruction"][0]
        repeat = dosage["timing"]["repeat"]
        del repeat["count"], repeat["boundsPeriod"]
        repeat["boundsRange"] = {
            "low": {"value": low_weeks, "unit": "wk", "system": "http://unitsofmeasure.org", "code": "wk"},
            "high": {"value": high_weeks, "unit": "wk", "system": "http://unitsofmeasure.org", "code": "wk"},
        }
        dosage["text"] = f"50 mg/m2 IV every 21 days for {low_weeks} to {high_weeks} weeks"

    return edit


def length_in_words(body: Json) -> None:
    """The structured timing states one dose (count 1); the sig says the regimen runs 4 to 6 cycles."""
    dosage = _doxorubicin_draft(body)["dosageInstruction"][0]
    dosage["text"] = "50 mg/m2 IV day 1 of each 21-day cycle, 4 to 6 cycles"


def cases() -> list[Edited]:
    return [
        # 150 mg/m² given (3 x 50); the draft plans 1 to 3 doses of 50 (count 1, countMax 3): the planned
        # total is 200 to 300 mg/m², and 250 lies within it: I.A.3.b.vi unknown, pend for the plan.
        Edited(
            Case(
                "2.2-not-read-pend-regimen-range-straddles-sarcoma-250",
                expect(
                    "pend",
                    criteria={"I.A.3.a": N, "I.A.3.b.vi": U},
                    facts={"planned_doxorubicin_mg_m2": None, "planned_doxorubicin_up_to_mg_m2": 300.0},
                    documentation=["I.A.3.b.vi"],
                ),
                **SARCOMA,
                administered=[given("doxorubicin", 3, 50)],
                draft=[Doses("doxorubicin", 1, 50)],
            ),
            count_range(1, 3),
        ),
        # The same range written as bounds: every 21 days for 3 to 9 weeks is 1 to 3 doses (days 0, 21,
        # 42 fit in 63 days; day 0 alone in 21): 200 to 300 mg/m², straddling 250: pend.
        Edited(
            Case(
                "2.2-not-read-pend-regimen-bounds-range-straddles-sarcoma-250",
                expect(
                    "pend",
                    criteria={"I.A.3.b.vi": U},
                    facts={"planned_doxorubicin_mg_m2": None, "planned_doxorubicin_up_to_mg_m2": 300.0},
                    documentation=["I.A.3.b.vi"],
                ),
                **SARCOMA,
                administered=[given("doxorubicin", 3, 50)],
                draft=[Doses("doxorubicin", 1, 50)],
            ),
            bounds_range(3, 9),
        ),
        # 150 given; the draft plans 2 to 4 doses (countMax 4): 250 to 350 mg/m², met at its fewest:
        # approve. The approval runs to the latest day a dose may fall on, the fourth dose (day 63).
        Edited(
            Case(
                "2.2-not-read-approve-regimen-range-entirely-above-sarcoma-250",
                expect(
                    "approve",
                    criteria={"I.A.3.a": N, "I.A.3.b.vi": M},
                    approval=(days(0).isoformat(), days(63).isoformat()),
                    facts={"planned_doxorubicin_mg_m2": None, "planned_doxorubicin_up_to_mg_m2": 350.0},
                ),
                **SARCOMA,
                administered=[given("doxorubicin", 3, 50)],
                draft=[Doses("doxorubicin", 2, 50)],
            ),
            count_range(2, 4),
        ),
        # 100 given (2 x 50); the draft plans 1 to 2 doses (countMax 2): 150 to 200 mg/m², below 250 even
        # at its most, and the extent is stated: deny.
        Edited(
            Case(
                "2.2-not-read-deny-regimen-range-entirely-below-sarcoma-250",
                expect(
                    "deny",
                    criteria={"I.A.3.b.vi": N},
                    facts={"planned_doxorubicin_mg_m2": None, "planned_doxorubicin_up_to_mg_m2": 200.0},
                    off_label_policies=["CP.CPA.09"],
                ),
                **SARCOMA,
                administered=[given("doxorubicin", 2, 50)],
                draft=[Doses("doxorubicin", 1, 50)],
            ),
            count_range(1, 2),
        ),
        # The timing states one dose (count 1): 150 + 50 = 200 < 250 as structured; but the sig says "4 to
        # 6 cycles", which the timing cannot say: more doses may come. Not read is not absent: pend.
        Edited(
            Case(
                "2.2-not-read-pend-regimen-length-in-words-4-to-6-cycles",
                expect(
                    "pend",
                    criteria={"I.A.3.b.vi": U},
                    facts={"planned_doxorubicin_mg_m2": None},
                    documentation=["I.A.3.b.vi"],
                ),
                **SARCOMA,
                administered=[given("doxorubicin", 3, 50)],
                draft=[Doses("doxorubicin", 1, 50)],
            ),
            length_in_words,
        ),
    ]


def main() -> None:
    for old in HERE.glob("2.2-not-read-*regimen*.json"):
        old.unlink()
    for edited in cases():
        body = request(edited.case)
        edited.edit(body)
        name = edited.case.name
        (HERE / f"{name}.json").write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        (HERE / f"{name}.expect.json").write_text(
            json.dumps(edited.case.expect, indent=2, ensure_ascii=False) + "\n"
        )
    print(f"wrote {len(cases())} cases to {HERE}")


if __name__ == "__main__":
    main()
