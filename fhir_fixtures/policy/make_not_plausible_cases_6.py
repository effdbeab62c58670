"""Writes the sixth set of "Not plausible is not a fact" cases, for doses against their own words and their
own order's schedule (docs/facts.md "A dose its own words say was not given", "A dose sooner than its
order's schedule"): records in which a dose a total would rest on is contradicted by the record itself, so
the dose is an unknown part: `2.2-not-plausible-<decision>-<what>.json` plus `.expect.json`, each worked by
hand from the rule and the policy, with a control beside each rule that must still approve.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_6.py`. Each case is a `make_cases.Case` on
the same baseline patient (a woman of 54 with metastatic breast cancer, commercial coverage, an oncologist
prescribing, doxorubicin 50 mg/m2 given every 21 days, four more ordered with dexrazoxane 500 mg/m2), then
an edit of the request JSON (`tweak`). Codes beyond make_cases': the FHIR R4 Timing elements frequency,
period and periodUnit ("d", UCUM days), and MedicationAdministration.note (Annotation.text).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from make_cases import DRUGS, LAST_DOX, START, UCUM, Case, expect, subject
from make_not_plausible_cases_3 import _append, _last_dose
from make_record_cases import RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, U = "met", "unknown"
PEND_DOSE = {"criteria": {"I.A.3.a": U}, "documentation": ["I.A.3.a"]}
UNKNOWN_PART = {"cumulative_doxorubicin_known_mg_m2": 250.0, "cumulative_doxorubicin_unknown_parts": 1}
APPROVE_300 = expect(
    "approve",
    criteria={"I.A.3.a": M},
    approval=(START, LAST_DOX),
    facts={"cumulative_doxorubicin_mg_m2": 300.0},
)


def last_dose_note(text: str) -> Callable[[Json], None]:
    """The dose that reaches 300, still charted "completed", with a nurse's note ``text``."""

    def tweak(body: Json) -> None:
        _last_dose(body)["note"] = [{"text": text}]

    return tweak


def _doses(body: Json) -> list[Json]:
    return sorted(resources(body, "medicationAdministrations"), key=lambda a: a["effectiveDateTime"])


def _course_order(rid: str, first: str, repeat: Json, amount: float = 50) -> Json:
    """A completed doxorubicin order written before the first dose, ``amount`` mg/m2 on ``repeat``."""
    start = first[:10]
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": DRUGS["doxorubicin"],
        "subject": subject(),
        "authoredOn": (datetime.fromisoformat(start) - timedelta(days=6)).date().isoformat(),
        "dosageInstruction": [
            {
                "timing": {"repeat": {**repeat, "boundsPeriod": {"start": start}}},
                "doseAndRate": [
                    {"doseQuantity": {"value": amount, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"}}
                ],
            }
        ],
    }


EVERY_21_DAYS = {"count": 6, "frequency": 1, "period": 21, "periodUnit": "d"}


def moved(dose: Json, days: int, hours: int = 0) -> None:
    when = datetime.fromisoformat(dose["effectiveDateTime"].replace("Z", "+00:00"))
    dose["effectiveDateTime"] = (when + timedelta(days=days, hours=hours)).isoformat().replace("+00:00", "Z")


def under_one_order(
    *, last_moved_to_the_day_after: bool = False, fifth_delayed: int = 0
) -> Callable[[Json], None]:
    """Every dose charted under one course order written 50 mg/m2 every 21 days; the sixth charted the
    day after the fifth (the next cycle missing), or the fifth delayed ``fifth_delayed`` days."""

    def tweak(body: Json) -> None:
        doses = _doses(body)
        _append(
            body,
            "medicationRequestHistory",
            _course_order("course", doses[0]["effectiveDateTime"], EVERY_21_DAYS),
        )
        for dose in doses:
            dose["request"] = {"reference": "MedicationRequest/course"}
        if last_moved_to_the_day_after:
            doses[-1]["effectiveDateTime"] = doses[-2]["effectiveDateTime"]
            moved(doses[-1], 1, 5)
        if fifth_delayed:
            moved(doses[-2], fifth_delayed)

    return tweak


def last_dose_in_two_days_under_a_daily_order(body: Json) -> None:
    """The last cycle given as 25 mg/m2 on each of two days under its own order, daily for two days."""
    last = _last_dose(body)
    last["dosage"]["dose"]["value"] = 25
    second = {**json.loads(json.dumps(last)), "id": last["id"] + "-day-2"}
    moved(second, 1)
    daily = {"count": 2, "frequency": 1, "period": 1, "periodUnit": "d"}
    _append(body, "medicationRequestHistory", _course_order("cycle-6", last["effectiveDateTime"], daily, 25))
    for dose in (last, second):
        dose["request"] = {"reference": "MedicationRequest/cycle-6"}
    _append(body, "medicationAdministrations", second)


def cases() -> list[RecordCase]:
    pend_dose = expect("pend", **PEND_DOSE)
    return [
        # The sixth dose charted "completed", its note saying it was held and not given: counted and
        # approved at 300 before; the record contradicts itself
        RecordCase(
            Case(
                "2.2-not-plausible-pend-completed-dose-whose-note-says-it-was-held",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {
                        "I.A.3.a": ["its own words say it was not", "Dose HELD - ANC 0.4, not given"]
                    },
                },
            ),
            last_dose_note("Dose HELD - ANC 0.4, not given. Oncology notified."),
        ),
        # Words that mention a hold but say the dose was given: counted, approved as before
        RecordCase(
            Case("2.2-not-plausible-approve-completed-dose-whose-note-mentions-a-hold", APPROVE_300),
            last_dose_note(
                "Held pre-hydration 1 h for creatinine; given after a 1-day hold. Tolerated well."
            ),
        ),
        # Every dose under one order given every 21 days, the sixth charted the day after the fifth (the
        # next cycle missing): 100 mg/m2 in two days under it, approved at 300 before
        RecordCase(
            Case(
                "2.2-not-plausible-pend-next-day-dose-under-an-order-given-every-21-days",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {"I.A.3.a": ["sooner than its schedule allows", "a dose every 21 days"]},
                },
            ),
            under_one_order(last_moved_to_the_day_after=True),
        ),
        # The same course with the fifth cycle delayed a week for counts (14 days before the sixth): a cycle
        # moved, not a dose charted twice
        RecordCase(
            Case(
                "2.2-not-plausible-approve-cycle-delayed-a-week-under-an-order-given-every-21-days",
                APPROVE_300,
            ),
            under_one_order(fifth_delayed=7),
        ),
        # The sixth cycle given as 25 mg/m2 on two days running under its own order, daily for two days: as
        # its order gives, 300
        RecordCase(
            Case("2.2-not-plausible-approve-last-cycle-over-two-days-under-a-daily-order", APPROVE_300),
            last_dose_in_two_days_under_a_daily_order,
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of doses against their own words and schedule (sixth set)")


if __name__ == "__main__":
    main()
