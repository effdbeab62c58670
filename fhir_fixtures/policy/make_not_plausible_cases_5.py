"""Writes the fifth set of "Not plausible is not a fact" and "Not read is not absent" cases for doses and
orders (docs/facts.md "A period that ends before it starts", "Every dose an order writes", "A second dose
of the day under another order", "A status not read"): records in which the dose a total or a ratio
would rest on is contradicted by the record itself, or not read, so the fact is unknown:
`2.2-not-plausible-<decision>-<what>.json` and `2.2-not-read-<decision>-<what>.json` plus `.expect.json`,
each worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_5.py`. Each case is a `make_cases.Case` on
the same baseline patient (a woman of 54 with metastatic breast cancer, commercial coverage, an oncologist
prescribing, doxorubicin 50 mg/m2 given every 21 days, four more ordered with dexrazoxane 500 mg/m2), then
an edit of the request JSON (`tweak`). Codes beyond make_cases': the FHIR R4 data-absent-reason extension
(http://hl7.org/fhir/StructureDefinition/data-absent-reason, code "unknown") and the FHIR R4 dose-rate-type
codes "ordered" and "calculated" (http://terminology.hl7.org/CodeSystem/dose-rate-type).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from make_cases import LAST_DOX, SMALL_CHILD_COURSE, START, UCUM, Case, Doses, expect, given
from make_not_plausible_cases_3 import _append, _draft, _last_dose, _order
from make_record_cases import RecordCase, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
PEND_DOSE = {"criteria": {"I.A.3.a": U}, "documentation": ["I.A.3.a"]}
UNKNOWN_PART = {"cumulative_doxorubicin_known_mg_m2": 250.0, "cumulative_doxorubicin_unknown_parts": 1}
DOSE_RATE_TYPE = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def last_dose_period_backwards(body: Json) -> None:
    """The dose that reaches 300 charted with an effectivePeriod ending a year before it starts."""
    dose = _last_dose(body)
    start = dose.pop("effectiveDateTime")
    end = str(int(start[:4]) - 1) + start[4:]
    dose["effectivePeriod"] = {"start": start, "end": end}


def calculated(rid: str, value: float, unit: str = "mg") -> Callable[[Json], None]:
    """The draft ``rid``'s dose also written as the system calculated it (a second doseAndRate)."""

    def tweak(body: Json) -> None:
        dosage = _draft(body, rid)["dosageInstruction"][0]
        dosage["doseAndRate"][0]["type"] = {"coding": [{"system": DOSE_RATE_TYPE, "code": "ordered"}]}
        dosage["doseAndRate"].append(
            {
                "type": {"coding": [{"system": DOSE_RATE_TYPE, "code": "calculated"}]},
                "doseQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
            }
        )

    return tweak


BSA_18 = {"bsa": 1.8}


def again_that_day(amount: float, *, first_amount: float | None = None) -> Callable[[Json], None]:
    """The last dose charted again 5 h 10 min later under another order, written that afternoon (no link
    to the course's), ``amount`` mg/m2; ``first_amount`` changes the first record's."""

    def tweak(body: Json) -> None:
        dose = _last_dose(body)
        if first_amount is not None:
            dose["dosage"]["dose"]["value"] = first_amount
        day, clock = dose["effectiveDateTime"][:10], dose["effectiveDateTime"][10:]
        hour = int(clock[1:3]) + 5
        later = {
            **json.loads(json.dumps(dose)),
            "id": dose["id"] + "-again",
            "effectiveDateTime": f"{day}T{hour:02d}:10{clock[6:]}",
            "request": {"reference": "MedicationRequest/cycle-reentry"},
        }
        later["dosage"]["dose"]["value"] = amount
        _append(body, "medicationAdministrations", later)
        _append(
            body,
            "medicationRequestHistory",
            _order("cycle-reentry", "completed", f"{day}T{hour:02d}:00{clock[6:]}"),
        )

    return tweak


def status_not_recorded(resource: Json) -> None:
    """A migrated record: no status, only a data-absent-reason in its place."""
    del resource["status"]
    resource["_status"] = {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}


def last_dose_status_not_recorded(body: Json) -> None:
    status_not_recorded(_last_dose(body))


def active_order_status_not_recorded(body: Json) -> None:
    for entry in body["prefetch"]["medicationRequests"]["entry"]:
        status_not_recorded(entry["resource"])


def last_dose_a_bound(body: Json) -> None:
    """The dose that reaches 300 charted as "<50 mg/m2" (Quantity.comparator): a bound, not an amount."""
    _last_dose(body)["dosage"]["dose"]["comparator"] = "<"


def condition_status_not_recorded(body: Json) -> None:
    """The only Condition's clinical status migrated as a data-absent-reason."""
    for entry in body["prefetch"]["conditions"]["entry"]:
        condition = entry["resource"]
        del condition["clinicalStatus"]
        condition["_clinicalStatus"] = {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}


def cases() -> list[RecordCase]:
    pend_dose = expect("pend", **PEND_DOSE)
    return [
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-whose-period-ends-before-it-starts",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {"I.A.3.a": ["effectivePeriod ends before it starts"]},
                },
            ),
            last_dose_period_backwards,
        ),
        # Dexrazoxane ordered at 500 mg/m2 and calculated at 1800 mg (1000 mg/m2 at 1.8 m2): approved at 10:1
        # on the first alone before; which dose is meant is not known, so neither is the ratio
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dexrazoxane-dose-ordered-and-calculated-disagree",
                expect(
                    "pend",
                    criteria={"I.A.5.a": U, "I.A.5": U},
                    documentation=["I.A.5.a", "I.A.5.b"],
                    reasons={"I.A.5.a": ["500 mg/m2 (ordered) beside 1800 mg (calculated)", "disagree"]},
                ),
                body=BSA_18,
            ),
            calculated("dexrazoxane", 1800),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-doxorubicin-dose-ordered-and-calculated-disagree",
                expect(
                    "pend",
                    criteria={"I.A.5.a": U, "I.A.5": U},
                    documentation=["I.A.5.a", "I.A.5.b"],
                    reasons={"I.A.5.a": ["50 mg/m2 (ordered) beside 180 mg (calculated)", "disagree"]},
                ),
                body=BSA_18,
            ),
            calculated("doxorubicin-draft", 180),
        ),
        # The same dose written both ways, 900 mg at 1.8 m2 being 500 mg/m2: one dose, approved as before
        RecordCase(
            Case(
                "2.2-not-plausible-approve-dexrazoxane-dose-ordered-and-calculated-agree",
                expect(
                    "approve",
                    criteria={"I.A.5.a": M},
                    approval=(START, LAST_DOX),
                    facts={"dose_ratio": 10.0, "dexrazoxane_dose_mg": 900.0},
                ),
                body=BSA_18,
            ),
            calculated("dexrazoxane", 900),
        ),
        # Five doses of 50 (250) and the fifth charted again that afternoon under an order written then:
        # 100 mg/m2 of doxorubicin in a day is no regimen's (75 at most); approved at 300 before
        RecordCase(
            Case(
                "2.2-not-plausible-pend-second-dose-of-the-day-under-another-order",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 250.0,
                        "cumulative_doxorubicin_unknown_parts": 1,
                    },
                    "reasons": {
                        "I.A.3.a": ["a second doxorubicin dose on", "more than any regimen gives (75 mg/m2)"]
                    },
                },
                administered=[given("doxorubicin", 5, 50)],
            ),
            again_that_day(50),
        ),
        # The sixth dose given in two parts under two orders, 25 + 25: within a day's most, both count (300)
        RecordCase(
            Case(
                "2.2-not-plausible-approve-a-days-dose-in-two-parts-under-two-orders",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0},
                ),
                administered=[given("doxorubicin", 6, 50)],
            ),
            again_that_day(25, first_amount=25),
        ),
        # The dose that reaches 300 migrated with no status, only a data-absent-reason: dropped silently and
        # denied at 250 before; whether it was given is not known
        RecordCase(
            Case(
                "2.2-not-read-pend-dose-whose-status-is-not-recorded",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {"I.A.3.a": ["its status is not recorded (data-absent-reason 'unknown')"]},
                },
            ),
            last_dose_status_not_recorded,
        ),
        # The only doxorubicin order, active in the record but migrated with no status: denied before as no
        # concurrent doxorubicin (I.A.4); whether it is in force is not known
        RecordCase(
            Case(
                "2.2-not-read-pend-doxorubicin-order-whose-status-is-not-recorded",
                expect(
                    "pend",
                    criteria={"I.A.4": U},
                    reasons={"I.A.4": ["status is not read", "data-absent-reason 'unknown'"]},
                ),
                draft=[],
                active=[Doses("doxorubicin", 4, 50)],
            ),
            active_order_status_not_recorded,
        ),
        # The dose that reaches 300 charted as "<50 mg/m2": less than 50 is no amount (approved before)
        RecordCase(
            Case(
                "2.2-not-read-pend-dose-charted-as-a-bound",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {"I.A.3.a": ["charted as a bound ('<50 mg/m2')"]},
                },
            ),
            last_dose_a_bound,
        ),
        # A boy of 15 whose Hodgkin lymphoma is the only indication, its clinical status migrated as a
        # data-absent-reason: whether it is current is not read (approved before on it)
        RecordCase(
            Case(
                "2.2-not-read-pend-hodgkin-whose-clinical-status-is-not-recorded",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iii": U},
                    reasons={"I.A.3.b.iii": ["clinical status is not recorded"]},
                ),
                birth_date="2011-06-01",
                diagnoses=["Hodgkin lymphoma"],
                **SMALL_CHILD_COURSE,
            ),
            condition_status_not_recorded,
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of doses and orders not plausible or not read (fifth set)")


if __name__ == "__main__":
    main()
