"""Writes the seventh set of "Not plausible is not a fact" and "Not read is not absent" cases, for plans
and dates (docs/facts.md "A plan past the lifetime ceiling", "A plan is not an order", "Dates that cannot
be"): a planned total no regimen plans, doxorubicin to come only in a treatment plan, a Condition recorded
before its own onset. `2.2-not-plausible-<decision>-<what>.json` and `2.2-not-read-<decision>-<what>.json`
plus `.expect.json`, each worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_7.py`. Each case is a `make_cases.Case`
then an edit of the request JSON (`tweak`). Resources beyond make_cases': a FHIR R4 CarePlan (status
active, intent plan) whose activity schedules doxorubicin (``detail.productCodeableConcept``,
``dailyAmount``, ``scheduledTiming``), and a Condition's ``recordedDate``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from make_cases import (
    DRUGS,
    EXTRAVASATION,
    EXTRAVASATION_MET,
    LAST_DOX,
    SMALL_CHILD_COURSE,
    START,
    UCUM,
    Case,
    Doses,
    days,
    expect,
    given,
    subject,
)
from make_not_plausible_cases_3 import _append
from make_record_cases import RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
WILMS_CHILD = {
    "birth_date": "2020-03-14",
    "diagnoses": ["Wilms tumor"],
    "specialty": "pediatric hematology-oncology",
    "administered": [],
}


def care_plan(status: str) -> Callable[[Json], None]:
    """The next four cycles of doxorubicin (50 mg/m2 every 21 days from ten days on) only in a treatment
    plan, the orders for them not yet released."""

    def tweak(body: Json) -> None:
        plan = {
            "resourceType": "CarePlan",
            "id": "treatment-plan",
            "status": status,
            "intent": "plan",
            "subject": subject(),
            "title": "Doxorubicin 50 mg/m2 every 21 days, cycles 7 to 10",
            "activity": [
                {
                    "detail": {
                        "kind": "MedicationRequest",
                        "status": "scheduled",
                        "productCodeableConcept": DRUGS["doxorubicin"],
                        "dailyAmount": {"value": 50, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"},
                        "scheduledTiming": {
                            "repeat": {
                                "boundsPeriod": {"start": days(10).isoformat()},
                                "count": 4,
                                "frequency": 1,
                                "period": 21,
                                "periodUnit": "d",
                            }
                        },
                    }
                }
            ],
        }
        _append(body, "carePlans", plan)

    return tweak


def recorded_on(day: int, *, onset: int | None = None) -> Callable[[Json], None]:
    """The first Condition recorded ``day`` days from today (and, when ``onset`` is given, its onset then)."""

    def tweak(body: Json) -> None:
        condition = resources(body, "conditions")[0]
        if onset is not None:
            condition["onsetDateTime"] = days(onset).isoformat()
        condition["recordedDate"] = days(day).isoformat()

    return tweak


def cases() -> list[RecordCase]:
    return [
        # A child of 6 with Wilms, no doxorubicin yet; the order signed with the dexrazoxane plans 30 x 45
        # mg/m2 (1350), the dexrazoxane 3 doses: approved on 1350 >= 150 before. No regimen plans past the
        # label's 550 mg/m2 lifetime ceiling: the plan is a count typed wrong, its total not known.
        RecordCase(
            Case(
                "2.2-not-plausible-pend-wilms-planned-past-the-lifetime-ceiling",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iv": U},
                    facts={"planned_doxorubicin_mg_m2": None},
                    reasons={"I.A.3.b.iv": ["1350 mg/m2", "past the 550 mg/m2 lifetime ceiling"]},
                ),
                **WILMS_CHILD,
                draft=[Doses("doxorubicin", 30, 45)],
                dexrazoxane=[Doses("dexrazoxane", 3, 450)],
            ),
        ),
        # The same child given 150 mg/m2 already (I.A.3.b.iv met on what was given), the order signed now
        # for 30 doses more: no plan to end an approval by either (approved for 12 months before): pend for
        # the schedule
        RecordCase(
            Case(
                "2.2-not-plausible-pend-wilms-given-150-schedule-past-the-lifetime-ceiling",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iv": M},
                    facts={
                        "planned_doxorubicin_known_mg_m2": 150.0,
                        "planned_doxorubicin_unknown_parts": 1,
                        "last_planned_doxorubicin_date": None,
                    },
                    documentation=["I.A"],
                ),
                **{**WILMS_CHILD, "administered": [given("doxorubicin", 3, 50)]},
                draft=[Doses("doxorubicin", 30, 50)],
                dexrazoxane=[Doses("dexrazoxane", 3, 500)],
            ),
        ),
        # A member continuing doxorubicin under dexrazoxane (II.A) past 550 mg/m2 in all: 11 doses of 50 given,
        # 4 more to come (200). Only the doses to come are held to the ceiling, so the continuation is
        # approved as any other (dexrazoxane is given so that doxorubicin can go on past the ceiling).
        RecordCase(
            Case(
                "2.2-not-plausible-approve-continuation-past-550-in-all",
                expect(
                    "approve",
                    "II.A",
                    criteria={"II.A": M, "II.A.3": M},
                    approval=(START, LAST_DOX),
                    facts={"planned_doxorubicin_mg_m2": 750.0},
                ),
                administered=[given("doxorubicin", 11, 50)],
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
            ),
        ),
        # The same child, the plan at the ceiling (11 x 50 = 550): a plan to decide on, approved
        RecordCase(
            Case(
                "2.2-not-plausible-approve-wilms-planned-at-the-lifetime-ceiling",
                expect(
                    "approve",
                    criteria={"I.A.3.b.iv": M},
                    approval=(START, days(210).isoformat()),
                    facts={"planned_doxorubicin_mg_m2": 550.0},
                ),
                **WILMS_CHILD,
                draft=[Doses("doxorubicin", 11, 50)],
                dexrazoxane=[Doses("dexrazoxane", 11, 500)],
            ),
        ),
        # 300 mg/m2 given, the course's orders done, the next four cycles only in an active treatment plan
        # (orders released one cycle at a time): denied before on I.A.4, "no doxorubicin order". A plan is
        # not an order, but it bears on whether doxorubicin goes on: unknown, the plan named
        RecordCase(
            Case(
                "2.2-not-read-pend-doxorubicin-to-come-only-in-a-care-plan",
                expect(
                    "pend",
                    criteria={"I.A.3.a": M, "I.A.4": U},
                    reasons={"I.A.4": ["scheduled in CarePlan/treatment-plan", "no order for it is signed"]},
                ),
                draft=[],
            ),
            care_plan("active"),
        ),
        # The same plan completed: it plans nothing, no doxorubicin goes on: denied, as before
        RecordCase(
            Case(
                "2.2-not-read-deny-doxorubicin-only-in-a-completed-care-plan",
                expect(
                    "deny",
                    criteria={"I.A.3.a": M, "I.A.4": N},
                    off_label_policies=["CP.CPA.09"],
                ),
                draft=[],
            ),
            care_plan("completed"),
        ),
        # The extravasation Condition recorded a month before the onset it states: approved before on the
        # drug it names; which date is wrong cannot be told, so its onset is not known
        RecordCase(
            Case(
                "2.2-not-plausible-pend-extravasation-recorded-before-its-onset",
                expect(
                    "pend",
                    "I.B",
                    criteria={"I.B.1": U, "I.B.2": M, "I.B.3": M},
                    reasons={"I.B.1": ["is recorded", "before its onset"]},
                ),
                **EXTRAVASATION,
            ),
            recorded_on(-31),
        ),
        # Recorded the day of its onset: as before, approved
        RecordCase(
            Case(
                "2.2-not-plausible-approve-extravasation-recorded-the-day-of-its-onset",
                expect("approve", "I.B", criteria=EXTRAVASATION_MET, approval=(START, days(2).isoformat())),
                **EXTRAVASATION,
            ),
            recorded_on(-1),
        ),
        # A boy of 15 whose only indication, Hodgkin lymphoma, is recorded four months before its stated
        # onset: neither current nor past (approved before on it)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-hodgkin-recorded-before-its-onset",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iii": U},
                    reasons={"I.A.3.b.iii": ["recorded", "before its onset"]},
                ),
                birth_date="2011-06-01",
                diagnoses=["Hodgkin lymphoma"],
                **SMALL_CHILD_COURSE,
            ),
            recorded_on(-150, onset=-30),
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of plans and dates not plausible or not read (seventh set)")


if __name__ == "__main__":
    main()
