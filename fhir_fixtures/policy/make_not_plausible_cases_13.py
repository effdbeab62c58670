"""Writes the thirteenth set of "Not plausible is not a fact" cases, for what sizes a dose and what a dose
says of itself (docs/facts.md "Plausibility": "A reading that jumps and comes back", "A dose against its
own words"): a weight or a charted BSA far from the readings either side of it and back, beside real
change; a dose whose structured amount contradicts its own dosage text. `2.2-not-plausible-<decision>-
<what>.json` plus `.expect.json`, each worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_13.py`. Each case is a `make_cases.Case`
then an edit of the request JSON (`tweak`): the body measurements charted at each dose (Observations,
LOINC 8302-2 height, 29463-7 weight, 8277-6 BSA) and a MedicationAdministration's ``dosage.text`` or
``note``.

The baseline adult (born 1972-03-15, 165 cm) is given six doxorubicin doses every 21 days, the last three
weeks before today: 2026-07-25, 08-15, 09-05, 09-26, 10-17 and 11-07, at 09:00 UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from math import sqrt
from typing import Any

from make_cases import LAST_DOX, LOINC, START, UCUM, Case, concept, expect, given, subject
from make_record_cases import RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
DOSE_DAYS = [date(2026, 7, 25) + timedelta(days=21 * i) for i in range(6)]
HEIGHT_CM = 165
CODES = {"height": ("8302-2", "Body height", "cm"), "weight": ("29463-7", "Body weight", "kg")}
CODES["bsa"] = ("8277-6", "Body surface area", "m2")


def mosteller(height_cm: float, weight_kg: float) -> float:
    return sqrt(height_cm * weight_kg / 3600)


def measured(kind: str, values: list[tuple[date, float]], *, height: bool = True) -> Callable[[Json], None]:
    """The patient's observations: ``kind`` (weight or bsa) at 08:30 on each day given, and, with
    ``height``, one height at the first dose."""

    def tweak(body: Json) -> None:
        found = []
        if height:
            found.append(_observation("height", "height-1", DOSE_DAYS[0], HEIGHT_CM))
        found += [_observation(kind, f"{kind}-{i + 1}", day, value) for i, (day, value) in enumerate(values)]
        body["prefetch"]["observations"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [{"resource": r} for r in found],
        }

    return tweak


def _observation(kind: str, rid: str, day: date, value: float) -> Json:
    code, display, unit = CODES[kind]
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [
            concept(
                "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs"
            )
        ],
        "code": concept(LOINC, code, display),
        "subject": subject(),
        "effectiveDateTime": f"{day.isoformat()}T08:30:00Z",
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def around_the_doses(usual: float, last: float) -> list[tuple[date, float]]:
    """``usual`` at the first five doses, a week before and a week after the last, ``last`` on its day."""
    week = timedelta(days=7)
    values = [(day, usual) for day in DOSE_DAYS[:5]]
    return [*values, (DOSE_DAYS[5] - week, usual), (DOSE_DAYS[5], last), (DOSE_DAYS[5] + week, usual)]


def dose_words(index: int, amount: float, unit: str, **words: Any) -> Callable[[Json], None]:
    """The ``index``-th dose (from 1) charted as ``amount`` ``unit``, with ``words`` (``text``: its dosage
    text; ``note``: a note)."""

    def tweak(body: Json) -> None:
        administration = resources(body, "medicationAdministrations")[index - 1]
        dosage = administration["dosage"]
        dosage["dose"] = {"value": amount, "unit": unit, "system": UCUM, "code": unit}
        if "text" in words:
            dosage["text"] = words["text"]
        if "note" in words:
            administration["note"] = [{"text": words["note"]}]

    return tweak


def both(*tweaks: Callable[[Json], None]) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        for each in tweaks:
            each(body)

    return tweak


# Six doses of 88 mg. At 69 kg and 165 cm the BSA is 1.778 m2: 49.5 mg/m2 a dose, 296.9 in all (< 300). At 41
# kg on the last dose's day it is 1.371 m2: 64.2 mg/m2, 311.6 in all (>= 300). A charted BSA of 1.77 m2 gives
# 49.7 a dose, 298.3 in all; 1.37 m2 on the last dose's day 64.2, 312.9.
MG_DOSES = [given("doxorubicin", 6, 88, "mg")]
# A steady loss, a dose of 90 mg at each: 80, 74, 68, 62, 56, 50 kg give 47.0 + 48.9 + 51.0 + 53.4 + 56.2 +
# 59.4 = 315.9 mg/m2
STEADY_LOSS = [80, 74, 68, 62, 56, 50]


def cases() -> list[RecordCase]:
    return [
        # 69 kg at every dose and a week either side of the last, 41 kg on the morning of the last dose:
        # approved before on 311.6 (the last dose sized by 41 kg). A weight that jumps from both its
        # neighbours and back is set aside; the last dose is sized by the nearest kept weight (69 kg a week
        # later): 296.9 < 300
        RecordCase(
            Case(
                "2.2-not-plausible-deny-weight-jumps-from-both-neighbours-and-back",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    off_label_policies=["CP.CPA.09"],
                    reasons={"I.A.3.a": ["Observation/weight-7 set aside", "jumps down"]},
                ),
                administered=MG_DOSES,
            ),
            measured("weight", around_the_doses(69, 41)),
        ),
        # The same doses charted as a BSA at each visit (1.77 m2), 1.37 m2 on the last dose's day: approved
        # before on 312.9; the BSA jumps from both its neighbours and back by more than 1.2: 298.3 < 300
        RecordCase(
            Case(
                "2.2-not-plausible-deny-charted-bsa-jumps-from-both-neighbours-and-back",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    off_label_policies=["CP.CPA.09"],
                    reasons={"I.A.3.a": ["Observation/bsa-7 set aside", "jumps down"]},
                ),
                administered=MG_DOSES,
            ),
            measured("bsa", around_the_doses(1.77, 1.37), height=False),
        ),
        # A steady loss, 6 kg between doses (80 to 50 kg, 37 % in fifteen weeks), a dose of 90 mg each:
        # each weight lies between its neighbours, none is set aside, 315.9 >= 300: approved
        RecordCase(
            Case(
                "2.2-not-plausible-approve-steady-weight-loss-over-weeks-is-kept",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"set_aside": []},
                ),
                administered=[given("doxorubicin", 6, 90, "mg")],
            ),
            measured("weight", list(zip(DOSE_DAYS, STEADY_LOSS, strict=True))),
        ),
        # Five doses of 50 mg/m2, the sixth charted 88 "mg/m2" under the words "DOXOrubicin 50 mg/m2 x BSA
        # 1.76 m2 = 88 mg IV push": approved before on 338. The structured dose contradicts its own words
        # (50 mg/m2, and 88 mg with the BSA of 165 cm and 68 kg, 1.765 m2: 49.8 mg/m2): an unknown part, 250
        # known: pend
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-charted-in-mg-under-the-mg-m2-unit",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    reasons={"I.A.3.a": ["charted as 88 mg/m2, but its own words state 50 mg/m2, 88 mg"]},
                ),
                body={"height": HEIGHT_CM, "weight": 68},
            ),
            dose_words(6, 88, "mg/m2", text="DOXOrubicin 50 mg/m2 x BSA 1.76 m2 = 88 mg IV push"),
        ),
        # The same words under the dose charted as they say (50 mg/m2): 300, approved
        RecordCase(
            Case(
                "2.2-not-plausible-approve-dose-as-its-own-words-state",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0},
                ),
                body={"height": HEIGHT_CM, "weight": 68},
            ),
            dose_words(6, 50, "mg/m2", text="DOXOrubicin 50 mg/m2 x BSA 1.76 m2 = 88 mg IV push"),
        ),
        # A note giving a premedication's amount, naming no anthracycline, is not the dose's words: 300,
        # approved
        RecordCase(
            Case(
                "2.2-not-plausible-approve-note-giving-a-premedication-amount",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0},
                ),
            ),
            dose_words(
                6, 50, "mg/m2", note="Premedicated with ondansetron 8 mg IV and dexamethasone 12 mg IV"
            ),
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-not-plausible-", "dose-sizing and dose-words cases")


if __name__ == "__main__":
    main()
