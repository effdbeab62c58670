"""Writes the fourth set of "Not plausible is not a fact" and "Not read is not absent" cases for doses and
orders (docs/facts.md "A period that ends before it starts", "Every dose an order writes", "A second dose
of the day under another order", "A status not read"): records in which the dose a total or a ratio
would rest on is contradicted by the record itself, or not read, so the fact is unknown:
`2.2-not-plausible-<decision>-<what>.json` and `2.2-not-read-<decision>-<what>.json` plus `.expect.json`,
each worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_4.py`. Each case is a `make_cases.Case` on
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

from make_cases import HERE, UCUM, Case, expect, given, request
from make_not_plausible_cases_3 import _append, _draft, _last_dose, _order
from make_record_cases import RecordCase

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
    ]


def main() -> None:
    for old in HERE.glob("2.2-*.json"):  # only this generator's cases: other generators write 2.2-* too
        if any(old.name.startswith(record.case.name + ".") for record in cases()):
            old.unlink()
    for record in cases():
        body = request(record.case)
        record.tweak(body)
        (HERE / f"{record.case.name}.json").write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        (HERE / f"{record.case.name}.expect.json").write_text(
            json.dumps(record.case.expect, indent=2, ensure_ascii=False) + "\n"
        )
    print(f"wrote {len(cases())} cases of doses and orders not plausible or not read (fourth set) to {HERE}")


if __name__ == "__main__":
    main()
