"""Writes the cases of "An administration with no date" (docs/facts.md): an administration that counts
but carries no effective[x] (FHIR R4 requires one) says less than the record it comes from, and is read as
one whose date cannot be read: an unknown part of its totals, never a known dose that could repeat a
dated one, never zero. Each case is an earlier case whose record loses one administration's date, as
`2.2-not-read-<decision>-<what>.json` plus `.expect.json`. Before the rule, each was decided more
favourably than the fuller record it comes from (a deny or a pend approved):

* the last of five 50 mg/m2 doses charted again by the pump, the copy with no date: 250 known and one
  unknown part (pend; the fuller record denied on 250, one dose counted once; approved before, the copy a
  sixth known dose: 300);
* the prior dexrazoxane of a continued therapy, undated: whether the patient is already on dexrazoxane
  (II.A) or starting it (I.A) is not known (pend; approved on I.A before, the fuller record denied on
  II.A.3);
* the vinorelbine charted at an extravasation's onset, undated, beside a record naming doxorubicin: it
  could still be the drug given at the onset (I.B.1 unknown, pend; approved before);
* the prior dexrazoxane beside a new cardiomyopathy and a "responding" answer, undated: the therapy could
  have begun any day of the 12 months looked in, so the cardiomyopathy may contradict the answer (pend;
  approved before);
* the evening dose given on the order day, undated: an unknown part (pend; the fuller record approved);
* an extravasation course with a dexrazoxane dose given for it and charted with no date: it could fall on
  any day of the course, so that day's mg is not known (I.B.4 unknown, pend; approved before).

Run from the repository root: `.venv/bin/python fhir_fixtures/policy/make_not_read_cases_16.py`. The
records are those of the cases named (make_cases.py, make_cases_2_1_doses.py,
make_not_plausible_cases.py, make_not_plausible_cases_3.py), so a change to one is a change to its
sibling here. Expectations worked by hand from the rules and the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import make_cases
import make_cases_2_1_doses
import make_not_plausible_cases
import make_not_plausible_cases_3
from make_cases import expect
from make_cases_2_1_doses import _add, _administration
from make_record_cases import RecordCase, both, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
DATES = ("effectiveDateTime", "effectivePeriod", "effectiveTimeDateTime", "effectiveTimePeriod")


def _sources() -> dict[str, RecordCase]:
    found = {case.name: RecordCase(case) for case in make_cases.cases()}
    found.update((e.case.name, RecordCase(e.case, e.edit)) for e in make_cases_2_1_doses.cases())
    found.update((record.case.name, record) for record in make_not_plausible_cases.cases())
    found.update((record.case.name, record) for record in make_not_plausible_cases_3.cases())
    return found


def undated(rid: str) -> Callable[[Json], None]:
    """The administration ``rid`` with no effective[x] at all."""

    def tweak(body: Json) -> None:
        (found,) = [
            entry["resource"]
            for bundle in body["prefetch"].values()
            if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle"
            for entry in bundle.get("entry", [])
            if entry["resource"].get("resourceType") == "MedicationAdministration"
            and entry["resource"].get("id") == rid
        ]
        for key in DATES:
            found.pop(key, None)

    return tweak


def dexrazoxane_for_the_extravasation_undated(body: Json) -> None:
    """A 1000 mg/m2 dexrazoxane dose given for the extravasation (its reason says so), with no date."""
    dose = _administration("dexrazoxane-for-extravasation", "dexrazoxane", "", 1000)
    del dose["effectiveDateTime"]
    dose["reasonCode"] = [
        {
            "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "T80.810A"}],
            "text": "Extravasation",
        }
    ]
    _add(body, "medicationAdministrations", dose)


def cases() -> list[RecordCase]:
    sources = _sources()

    def sibling(source: str, name: str, expected: Json, loss: Callable[[Json], None]) -> RecordCase:
        record = sources[source]
        return RecordCase(replace(record.case, name=name, expect=expected), both(record.tweak, loss))

    return [
        # 250 mg/m2 in five doses, the last charted again by the pump: the copy, undated, cannot be merged
        # with its dated twin, so it was a sixth known dose (300: approved on the code before); it is an
        # unknown part: 250 known (pend)
        sibling(
            "2.1-one-dose-counted-once-deny-same-dose-charted-twice",
            "2.2-not-read-pend-dose-charted-again-by-the-pump-with-no-date",
            expect(
                "pend",
                criteria={"I.A.3.a": U},
                documentation=["I.A.3.a"],
                facts={"cumulative_doxorubicin_mg_m2": None, "cumulative_doxorubicin_known_mg_m2": 250.0},
                reasons={"I.A.3.a": ["MedicationAdministration/doxorubicin-pump-copy", "undated"]},
            ),
            undated("doxorubicin-pump-copy"),
        ),
        # The dexrazoxane of a continued therapy, undated: whether the patient already receives it (II.A,
        # not responding: denied on the fuller record) or starts it (I.A) is not known. Approved on I.A
        # before (an undated dose dated no prior therapy)
        sibling(
            "II.A-deny-not-responding",
            "2.2-not-read-pend-prior-dexrazoxane-with-no-date-not-responding",
            expect(
                "pend",
                "I.A",
                criteria={"I.A": M},
                documentation=["I.A"],
                reason_says=["as continued therapy (II.A)", "MedicationAdministration/dexrazoxane-given-1"],
            ),
            undated("dexrazoxane-given-1"),
        ),
        # The record names doxorubicin, the vinorelbine given at the onset is undated: it could still have
        # been the drug given then (the record and the administrations may conflict): I.B.1 unknown, as on
        # the fuller record (approved before: nothing dated at the onset contradicted the record)
        sibling(
            "2.2-not-plausible-pend-extravasation-named-doxorubicin-only-vinorelbine-at-onset",
            "2.2-not-read-pend-extravasation-named-doxorubicin-vinorelbine-with-no-date",
            expect(
                "pend",
                "I.B",
                criteria={"I.B.1": U, "I.B.4": M},
                documentation=["I.B.1"],
                reasons={"I.B.1": ["MedicationAdministration/vinorelbine-at-onset", "no date"]},
            ),
            undated("vinorelbine-at-onset"),
        ),
        # "Responding positively" attested beside a cardiomyopathy, the prior dexrazoxane undated: the
        # therapy could have begun any day of the 12 months (the cardiomyopathy during it), and whether it
        # is continued therapy is not known (approved before: no date, no therapy begun, nothing checked)
        sibling(
            "2.2-not-plausible-pend-response-attested-beside-a-new-cardiomyopathy",
            "2.2-not-read-pend-response-attested-beside-a-cardiomyopathy-prior-dexrazoxane-with-no-date",
            expect(
                "pend",
                "I.A",
                criteria={"I.A": M},
                documentation=["I.A"],
                reason_says=["as continued therapy (II.A)", "MedicationAdministration/dexrazoxane-given-1"],
            ),
            undated("dexrazoxane-given-1"),
        ),
        # The evening dose given on the order day (approved on the fuller record, 300 in all), undated: an
        # unknown part, 250 known (pend); counted as a known dose before, as the fuller record
        sibling(
            "2.1-given-by-then-approve-dose-given-later-on-the-order-day",
            "2.2-not-read-pend-dose-given-on-the-order-day-with-no-date",
            expect(
                "pend",
                criteria={"I.A.3.a": U},
                documentation=["I.A.3.a"],
                facts={"cumulative_doxorubicin_mg_m2": None, "cumulative_doxorubicin_known_mg_m2": 250.0},
                reasons={"I.A.3.a": ["MedicationAdministration/doxorubicin-evening", "undated"]},
            ),
            undated("doxorubicin-evening"),
        ),
        # An extravasation course of 2000, 2000, 1000 mg ordered, beside 1000 mg/m2 given for the
        # extravasation with no date: it could fall on any day of the course, so the first day's mg is not
        # known (I.B.4 unknown, pend; approved before: the undated dose was on no day)
        sibling(
            "I.B-approve-extravasation-2000-2000-1000",
            "2.2-not-read-pend-extravasation-course-beside-a-dexrazoxane-dose-with-no-date",
            expect("pend", "I.B", criteria={"I.B.4": U}, documentation=["I.B.4"]),
            dexrazoxane_for_the_extravasation_undated,
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-not-read-", "undated administration cases")


if __name__ == "__main__":
    main()
