"""Writes the cases of "Information loss never flips a decision" (docs/facts.md): a record that says less
than another, on which the decision may move toward pend and never toward approval. Each case is an
earlier case whose record loses one thing an Observation says (the LOINC code of a height, an LVEF or a
karyotype, replaced by the EHR's own code; the date of a height or a BSA), as
`2.2-not-read-<decision>-<what>.json` plus `.expect.json`. Before the rules it names, each of them was
decided more favourably than the fuller record it comes from (a pend approved, an approval denied): the
Observation was simply not read.

* a height under a local code (no words) beside a charted BSA it conflicts with: a length nothing read
  names could be the height the BSA conflicts with (clinical.body_measures_not_read): pend, as the fuller
  record;
* an adult's second height, its date lost: it could be the nearest, or the one the first disagrees with;
* the LVEF that fell, under a local code: a percentage nothing read names could be it
  (clinical.cardiac_dysfunction): "responding positively" is not settled;
* a karyotype under a local code, its value prose naming cytogenetics, beside a negative BCR-ABL1: it could
  be a karyotype not read (clinical.ph_status): Ph-negative is not settled;
* the BSA charted minutes before each dose, its date lost on the first: it could be the nearest to every
  dose, so the total is not known (approved on the fuller record; denied before the rule, on the height
  and weight measured further from the dose).

Run from the repository root after `make_not_read_cases.py` (which removes every `2.2-not-read-*` case
but its own): `.venv/bin/python fhir_fixtures/policy/make_not_read_cases_12.py`. The records are those of
the cases named (make_not_plausible_cases.py, make_not_plausible_cases_3.py,
make_not_read_elsewhere_cases.py), so a change to one is a change to its sibling here. Expectations
worked by hand from the rules and the policy. The local code system
`urn:oid:1.2.840.114350.1.13.0.1.7.2.707679` stands for an EHR vendor's flowsheet rows (as in
make_not_read_elsewhere_cases.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import make_not_plausible_cases
import make_not_plausible_cases_3
from make_cases import expect
from make_not_read_elsewhere_cases import elsewhere_cases
from make_record_cases import RecordCase, both, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679"


def _sources() -> dict[str, RecordCase]:
    found = {record.case.name: record for record in make_not_plausible_cases.cases()}
    found.update((record.case.name, record) for record in make_not_plausible_cases_3.cases())
    found.update(
        (record.case.name, RecordCase(record.case, both(*record.edits))) for record in elsewhere_cases()
    )
    return found


def _observation(body: Json, rid: str) -> Json:
    (found,) = [
        entry["resource"]
        for bundle in body["prefetch"].values()
        if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle"
        for entry in bundle.get("entry", [])
        if entry["resource"].get("resourceType") == "Observation" and entry["resource"].get("id") == rid
    ]
    return found


def local_code(rid: str, code: str) -> Callable[[Json], None]:
    """The Observation under the EHR's own code, with no words: what it measured is not read."""

    def tweak(body: Json) -> None:
        _observation(body, rid)["code"] = {"coding": [{"system": LOCAL, "code": code}]}

    return tweak


def undated(rid: str) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        del _observation(body, rid)["effectiveDateTime"]

    return tweak


def cases() -> list[RecordCase]:
    sources = _sources()

    def sibling(source: str, name: str, expected: Json, loss: Callable[[Json], None]) -> RecordCase:
        record = sources[source]
        return RecordCase(replace(record.case, name=name, expect=expected), both(record.tweak, loss))

    return [
        # 240 mg/m2 at the height and weight's 1.77, 362 at the charted 1.17: the height not read could be
        # the one the charted BSA conflicts with, so neither total is known (pend, as the fuller record)
        sibling(
            "2.2-not-plausible-pend-charted-bsa-conflicts-with-height-and-weight",
            "2.2-not-read-pend-height-under-a-local-code-beside-a-conflicting-charted-bsa",
            expect(
                "pend",
                criteria={"I.A.3.a": U},
                documentation=["I.A.3.a"],
                facts={"cumulative_doxorubicin_mg_m2": None},
                reasons={"I.A.3.a": ["Observation/height could be a body measure the service cannot read"]},
            ),
            local_code("height", "HT-CM"),
        ),
        # 150 cm a year ago, 170 cm (date lost): which sizes the doses cannot be told
        sibling(
            "2.2-not-plausible-pend-two-adult-heights-that-disagree",
            "2.2-not-read-pend-adult-height-undated-beside-another-that-disagrees",
            expect(
                "pend",
                criteria={"I.A.3.a": U},
                documentation=["I.A.3.a"],
                facts={"cumulative_doxorubicin_known_mg_m2": 0.0},
                reasons={"I.A.3.a": ["Observation/height-b names a body measure the service cannot read"]},
            ),
            undated("height-b"),
        ),
        # LVEF 62 % before dexrazoxane, 44 % now under a local code: the fall could be there
        sibling(
            "2.2-not-plausible-pend-response-attested-beside-a-falling-ejection-fraction",
            "2.2-not-read-pend-response-attested-beside-an-ejection-fraction-under-a-local-code",
            expect(
                "pend",
                "II.A",
                criteria={"II.A.3": U},
                documentation=["II.A.3"],
                reasons={"II.A.3": ["the record may contradict it", "Observation/lvef-now could be an LVEF"]},
            ),
            local_code("lvef-now", "ECHO-EF"),
        ),
        # BCR-ABL1 negative, and a chromosome analysis under a local code whose value is "See scanned
        # cytogenetics report": Ph-negative ALL is not settled
        sibling(
            "2.2-not-read-pend-a-karyotype-in-prose-is-not-a-ph-status",
            "2.2-not-read-pend-karyotype-under-a-local-code-beside-a-negative-bcr-abl1",
            expect(
                "pend",
                criteria={"I.A.3.b.i.1": U},
                reasons={"I.A.3.b.i.1": ["Observation/karyotype", "could be a karyotype"]},
            ),
            local_code("karyotype", "CYTO-KARYO"),
        ),
        # Five doses of 108 mg, each 5 minutes after a BSA of 1.80 (300 mg/m2, approved): the first BSA's
        # date lost, it could be the nearest to any dose, so the total is not known (a deny before, at
        # the height and weight measured 70 minutes before the first dose)
        sibling(
            "2.2-not-plausible-approve-bsa-charted-minutes-before-the-dose-is-nearest",
            "2.2-not-read-pend-bsa-charted-before-the-dose-undated",
            expect(
                "pend",
                criteria={"I.A.3.a": U},
                documentation=["I.A.3.a"],
                facts={"cumulative_doxorubicin_mg_m2": None},
                reasons={"I.A.3.a": ["Observation/bsa-0 names a body measure the service cannot read"]},
            ),
            undated("bsa-0"),
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-not-read-", "cases of 'Information loss never flips a decision'")


if __name__ == "__main__":
    main()
