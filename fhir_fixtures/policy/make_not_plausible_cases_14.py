"""Writes the fourteenth set of "Not plausible is not a fact" cases, for the dates an order and a diagnosis
give (docs/facts.md "An order written after today", "Dexrazoxane scheduled apart from the doxorubicin", "An
onset that cannot be the patient's"): an order being signed dated after today, a dexrazoxane schedule that
never meets the doxorubicin's, a Condition whose onset age is older than the patient.
`2.2-not-plausible-<decision>-<what>.json` plus `.expect.json`, each worked by hand from the rule and the
policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_14.py`. Each case is a `make_cases.Case`
then an edit of the request JSON (`tweak`). Elements beyond make_cases': a MedicationRequest's
``authoredOn`` as a day or a dateTime with an offset, its ``dispenseRequest.validityPeriod``, and a
Condition's ``onsetAge`` (FHIR Age, UCUM ``a``), ``onsetRange`` and ``onsetString`` with ``recordedDate``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from make_cases import LAST_DOX, LAST_OF_TWO, SMALL_CHILD_COURSE, START, UCUM, Case, Doses, days, expect
from make_record_cases import RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
# 17 today (2026-11-28), 18 on 2026-12-20: an adult only on a date still to come
SEVENTEEN = "2008-12-20"
HODGKIN_BOY = {"birth_date": "2011-06-01", "diagnoses": ["Hodgkin lymphoma"], **SMALL_CHILD_COURSE}


def _dexrazoxane(body: Json) -> Json:
    drafts = [entry["resource"] for entry in body["context"]["draftOrders"]["entry"]]
    return next(order for order in drafts if order["id"] == "dexrazoxane")


def authored(written: str) -> Callable[[Json], None]:
    """The dexrazoxane order being signed carries ``written`` as its ``authoredOn``."""

    def tweak(body: Json) -> None:
        _dexrazoxane(body)["authoredOn"] = written

    return tweak


def valid(start: int, end: int) -> Callable[[Json], None]:
    """The dexrazoxane order is valid (``dispenseRequest.validityPeriod``) from ``start`` to ``end`` days
    from today."""

    def tweak(body: Json) -> None:
        _dexrazoxane(body)["dispenseRequest"] = {
            "validityPeriod": {"start": days(start).isoformat(), "end": days(end).isoformat()}
        }

    return tweak


def onset(**written: Any) -> Callable[[Json], None]:
    """The first Condition gives its onset as ``written`` (``onsetAge=...``), recorded 60 days ago."""

    def tweak(body: Json) -> None:
        condition = resources(body, "conditions")[0]
        condition.update(written)
        condition["recordedDate"] = days(-60).isoformat()

    return tweak


def age(value: float) -> Json:
    return {"value": value, "unit": "years", "system": UCUM, "code": "a"}


def cases() -> list[RecordCase]:
    return [
        # A 17-year-old with breast cancer, 300 mg/m2 given: the dexrazoxane order being signed today is
        # dated a month ahead, past the 18th birthday (approved before on "age 18"). An order signed now
        # cannot have been written next month: read as of today, age 17, no listed indication: denied
        RecordCase(
            Case(
                "2.2-not-plausible-deny-order-dated-after-today-makes-a-17-year-old-adult",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N, "I.A.3.b": N},
                    facts={"age_years": 17},
                    reasons={"I.A.3.a": ["age 17 < 18", "after today (2026-11-28)", "read as of today"]},
                    off_label_policies=["CP.CPA.09"],
                ),
                birth_date=SEVENTEEN,
            ),
            authored(days(30).isoformat()),
        ),
        # The same written as a dateTime with its offset, the evening of a later day: set aside as well
        RecordCase(
            Case(
                "2.2-not-plausible-deny-order-dated-after-today-with-a-time-and-offset",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    facts={"age_years": 17},
                    reasons={"I.A.3.a": ["age 17 < 18", "read as of today"]},
                    off_label_policies=["CP.CPA.09"],
                ),
                birth_date=SEVENTEEN,
            ),
            authored(f"{days(30).isoformat()}T18:30:00-05:00"),
        ),
        # An adult, the order dated a month ahead: the approval starts today, not on that date
        RecordCase(
            Case(
                "2.2-not-plausible-approve-order-dated-after-today-approval-starts-today",
                expect("approve", criteria={"I.A": M}, approval=(START, LAST_DOX)),
            ),
            authored(days(30).isoformat()),
        ),
        # Dated tomorrow (a day only): already today where the day starts earliest, so it may be the
        # order's date: read as written (approval from tomorrow; the patient, 18 tomorrow, an adult then)
        RecordCase(
            Case(
                "2.2-not-plausible-approve-order-dated-tomorrow-may-be-today-somewhere",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    facts={"age_years": 18},
                    approval=(days(1).isoformat(), LAST_DOX),
                ),
                birth_date="2008-11-29",
            ),
            authored(days(1).isoformat()),
        ),
        # The doxorubicin signed with it ends on Jan 30; the dexrazoxane's own schedule starts a month
        # later (approved before on "ordered alongside"): never given together as written, unknown
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dexrazoxane-scheduled-after-the-doxorubicin-ends",
                expect(
                    "pend",
                    criteria={"I.A.4": U, "I.A.3.a": M},
                    reasons={"I.A.4": ["after the last doxorubicin dose to come (2027-01-30)"]},
                ),
                dexrazoxane=[Doses("dexrazoxane", 4, 500, first=days(95))],
            ),
        ),
        # Its schedule undated by bounds but its validity period months after the doxorubicin ends: unknown
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dexrazoxane-valid-only-after-the-doxorubicin-ends",
                expect(
                    "pend",
                    criteria={"I.A.4": U},
                    reasons={"I.A.4": ["is valid", "after the last doxorubicin dose to come"]},
                ),
            ),
            valid(100, 190),
        ),
        # The dexrazoxane starting with the second doxorubicin dose: the two overlap, approved as before
        RecordCase(
            Case(
                "2.2-not-plausible-approve-dexrazoxane-starting-with-the-second-doxorubicin-dose",
                expect("approve", criteria={"I.A.4": M}, approval=(START, LAST_DOX)),
                dexrazoxane=[Doses("dexrazoxane", 3, 500, first=days(21))],
            ),
        ),
        # A boy of 15 whose only Hodgkin lymphoma Condition gives its onset at age 52 (a parent's history
        # filed in his chart; approved before on it): not his, Hodgkin unknown
        RecordCase(
            Case(
                "2.2-not-plausible-pend-hodgkin-onset-age-older-than-the-patient",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iii": U},
                    reasons={"I.A.3.b.iii": ["states its onset at age 52 a", "older than the patient"]},
                ),
                **HODGKIN_BOY,
            ),
            onset(onsetAge=age(52)),
        ),
        # An onset range from 40 to 50 years: as old, unknown
        RecordCase(
            Case(
                "2.2-not-plausible-pend-hodgkin-onset-range-older-than-the-patient",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iii": U},
                    reasons={"I.A.3.b.iii": ["older than the patient"]},
                ),
                **HODGKIN_BOY,
            ),
            onset(onsetRange={"low": age(40), "high": age(50)}),
        ),
        # The onset in words, "diagnosed at age 45": unknown
        RecordCase(
            Case(
                "2.2-not-plausible-pend-hodgkin-onset-text-older-than-the-patient",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iii": U},
                    reasons={"I.A.3.b.iii": ["older than the patient"]},
                ),
                **HODGKIN_BOY,
            ),
            onset(onsetString="diagnosed at age 45"),
        ),
        # Onset at 15, his age: his own, approved as before
        RecordCase(
            Case(
                "2.2-not-plausible-approve-hodgkin-onset-age-the-patients-own",
                expect("approve", criteria={"I.A.3.b.iii": M}, approval=(START, LAST_OF_TWO)),
                **HODGKIN_BOY,
            ),
            onset(onsetAge=age(15)),
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of order and onset dates not plausible (fourteenth set)")


if __name__ == "__main__":
    main()
