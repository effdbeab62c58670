"""Writes the ninth set of "Not plausible is not a fact" cases, for the patient's own record and the
extravasation's time (docs/facts.md "Copies of the Patient that disagree", "An age recorded against the
birth date", "An extravasation before its infusion"): two copies of the Patient (versions of it, or the
same Patient under two prefetch keys) that give birth dates 40 years apart or only one of which records a
death; an age an Observation records four years from the birth date's; an extravasation charted before
the only anthracycline dose of its day started. `2.2-not-plausible-<decision>-<what>.json` plus
`.expect.json`, each worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_9.py`. Each case is a `make_cases.Case`
then an edit of the request JSON (`tweak`). Resources beyond make_cases': a Patient's ``meta.versionId``
(FHIR R4 history: each version keeps the resource's id), a prefetch key of the client's own holding the
Patient's earlier versions, and an Observation coded LOINC 30525-0 "Age" or 21612-7 "Age - Reported"
(HL7 Terminology's v3-LOINCObservationActContextAgeType lists both) valued in UCUM ``a`` (years).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from make_cases import EXTRAVASATION, LAST_DOX, LOINC, START, UCUM, Case, days, expect, subject
from make_record_cases import RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
CHILD_BIRTH = "2012-03-15"  # the base patient's day and month, 40 years later: 14 at the order


def _version(patient: Json, version: str, **changes: Any) -> Json:
    found = copy.deepcopy(patient)
    found["meta"] = {"versionId": version, "lastUpdated": f"{days(-int(version)).isoformat()}T08:00:00Z"}
    found.update(changes)
    return found


def versions_in_the_patient_key(body: Json) -> None:
    """The patient key answers a history read: the adult's version 1, then version 2 with a child's
    birth date (the last copy is the one read before)."""
    patient = body["prefetch"]["patient"]
    body["prefetch"]["patient"] = {
        "resourceType": "Bundle",
        "type": "history",
        "entry": [
            {"resource": _version(patient, "1")},
            {"resource": _version(patient, "2", birthDate=CHILD_BIRTH)},
        ],
    }


def copy_under_another_key(first: bool, **changes: Any) -> Callable[[Json], None]:
    """Another copy of the Patient, changed, under a key of the client's own (``patientVersions``), sent
    before the patient key (``first``) or after it."""

    def tweak(body: Json) -> None:
        patient = body["prefetch"]["patient"]
        other = {
            "resourceType": "Bundle",
            "type": "history",
            "entry": [{"resource": _version(patient, "2", **changes)}],
        }
        body["prefetch"]["patient"] = _version(patient, "3")
        if first:
            body["prefetch"] = {"patientVersions": other, **body["prefetch"]}
        else:
            body["prefetch"]["patientVersions"] = other

    return tweak


def age_observation(code: str, years: int, day: int) -> Callable[[Json], None]:
    """An age a lab interface recorded ``day`` days from today, under a key of the client's own."""

    def tweak(body: Json) -> None:
        observation = {
            "resourceType": "Observation",
            "id": "age-at-collection",
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code, "display": "Age"}]},
            "subject": subject(),
            "effectiveDateTime": f"{days(day).isoformat()}T08:00:00Z",
            "valueQuantity": {"value": years, "unit": "a", "system": UCUM, "code": "a"},
            "note": [{"text": "Age at specimen collection (lab interface)"}],
        }
        body["prefetch"]["ageObservations"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 1,
            "entry": [{"resource": observation}],
        }

    return tweak


def extravasation_at(time: str) -> Callable[[Json], None]:
    """The extravasation's onset charted at ``time`` on the day of the third doxorubicin dose (started
    09:00 UTC that day; nothing the day before)."""

    def tweak(body: Json) -> None:
        (condition,) = [c for c in resources(body, "conditions") if c["id"] == "dx-1"]
        condition["onsetDateTime"] = f"{days(-1).isoformat()}T{time}Z"
        condition["recordedDate"] = f"{days(-1).isoformat()}T{time}Z"

    return tweak


def cases() -> list[RecordCase]:
    return [
        # The patient key holds two versions of the Patient, 1972 and 2012: 54 or 14, the breast cancer no
        # pediatric indication. Denied before on the last version's 14; which is right is not known
        RecordCase(
            Case(
                "2.2-not-plausible-pend-patient-versions-birth-dates-40-years-apart",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"age_years": None},
                    reasons={"I.A.3.a": ["1972-03-15 and 2012-03-15", "age 14 or 54"]},
                ),
            ),
            versions_in_the_patient_key,
        ),
        # The child's version sent first under a key of the client's own, the adult's last under the patient
        # key: approved before on the last copy's 54, the same pend now whatever the order
        RecordCase(
            Case(
                "2.2-not-plausible-pend-patient-copy-under-another-key-birth-dates-40-years-apart",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"age_years": None},
                    reasons={"I.A.3.a": ["1972-03-15 and 2012-03-15"]},
                ),
            ),
            copy_under_another_key(True, birthDate=CHILD_BIRTH),
        ),
        # Another version that changes only the address: one birth date, approved as before
        RecordCase(
            Case(
                "2.2-not-plausible-approve-patient-versions-that-agree-on-the-birth-date",
                expect(
                    "approve", criteria={"I.A.3.a": M}, approval=(START, LAST_DOX), facts={"age_years": 54}
                ),
            ),
            copy_under_another_key(False, address=[{"city": "Springfield", "state": "IL"}]),
        ),
        # An earlier version records a death, the copy under the patient key does not: no decision on a
        # record that says the patient has died, whichever copy came last (approved before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-patient-version-records-a-death",
                expect("pend", criteria={"I.A.3.a": M}, documentation=["vital-status"]),
            ),
            copy_under_another_key(True, deceasedDateTime=days(-10).isoformat()),
        ),
        # A lab interface recorded "Age 15" ten days ago; the birth date gives 54: approved before on it
        RecordCase(
            Case(
                "2.2-not-plausible-pend-age-observation-contradicts-the-birth-date",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"age_years": None},
                    reasons={"I.A.3.a": ["records age 15 a", "the birth date 1972-03-15 gives 54"]},
                ),
            ),
            age_observation("30525-0", 15, -10),
        ),
        # "Age - Reported" 54 ten days ago: the birth date's, approved as before
        RecordCase(
            Case(
                "2.2-not-plausible-approve-age-observation-agrees-with-the-birth-date",
                expect(
                    "approve", criteria={"I.A.3.a": M}, approval=(START, LAST_DOX), facts={"age_years": 54}
                ),
            ),
            age_observation("21612-7", 54, -10),
        ),
        # The extravasation charted at 08:30, the only doxorubicin of that day started at 09:00, none the day
        # before: approved before on the calendar day; no anthracycline could have been running then
        RecordCase(
            Case(
                "2.2-not-plausible-pend-extravasation-before-the-infusion-started",
                expect(
                    "pend",
                    "I.B",
                    criteria={"I.B.1": U, "I.B.2": M, "I.B.3": M},
                    reasons={"I.B.1": ["started after it", "doxorubicin-given-1-3"]},
                ),
                **EXTRAVASATION,
            ),
            extravasation_at("08:30:00"),
        ),
        # Charted at 10:15, during the infusion that started at 09:00: approved as before
        RecordCase(
            Case(
                "2.2-not-plausible-approve-extravasation-during-the-infusion",
                expect(
                    "approve",
                    "I.B",
                    criteria={"I.B": M, "I.B.1": M, "I.B.2": M, "I.B.3": M, "I.B.4": M, "II.B": M},
                    approval=(days(0).isoformat(), days(2).isoformat()),
                ),
                **EXTRAVASATION,
            ),
            extravasation_at("10:15:00"),
        ),
    ]


def main() -> None:
    write_record_cases(
        cases(),
        "2.2-",
        "cases of the patient's record and the extravasation's time not plausible (ninth set)",
    )


if __name__ == "__main__":
    main()
