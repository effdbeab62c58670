"""Writes the tenth set of "Not plausible is not a fact" and "Not read is not absent" cases, for a dose
against the order it names, its own record's last update and the other records of its event
(docs/facts.md "A dose under an order of another drug", "A dose charted before it happened", "One
identifier, one charted event", "A dose whose drug only its order names"): records in which a dose a total
would rest on is contradicted by the record, or could be doxorubicin though its own drug is not read, so the
dose is an unknown part: `2.2-not-plausible-<decision>-<what>.json` and `2.2-not-read-<decision>-<what>.json`
plus `.expect.json`, each worked by hand from the rule and the policy, with a control beside each rule.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_10.py`. Each case is a `make_cases.Case` on
the same baseline patient (a woman of 54 with metastatic breast cancer, commercial coverage, an oncologist
prescribing, doxorubicin 50 mg/m2 given every 21 days six times, four more ordered with dexrazoxane 500
mg/m2), then an edit of the request JSON (`tweak`). Codes beyond make_cases': RxNorm 26225 ondansetron (NLM
RxNorm ingredient), a local code system (an EHR's own OID), FHIR R4 Resource.meta.lastUpdated and
MedicationAdministration.identifier (a MAR event's id), note and request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from make_cases import DRUGS, LAST_DOX, START, Case, expect, subject
from make_not_plausible_cases_3 import _append, _last_dose
from make_record_cases import RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
PEND_DOSE = {"criteria": {"I.A.3.a": U}, "documentation": ["I.A.3.a"]}
UNKNOWN_PART = {"cumulative_doxorubicin_known_mg_m2": 250.0, "cumulative_doxorubicin_unknown_parts": 1}
APPROVE_300 = expect(
    "approve",
    criteria={"I.A.3.a": M},
    approval=(START, LAST_DOX),
    facts={"cumulative_doxorubicin_mg_m2": 300.0},
)
DENY_250 = expect(
    "deny",
    criteria={"I.A.3.a": N},
    facts={"cumulative_doxorubicin_mg_m2": 250.0},
    off_label_policies=["CP.CPA.09"],
)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOCAL = "urn:oid:1.2.840.114350.1.13.99.2.7.2.698288"  # an EHR's own medication codes
MAR = "urn:oid:1.2.840.114350.1.13.99.2.7.2.798268"  # an EHR's MAR event ids
ONDANSETRON = {
    "coding": [{"system": RXNORM, "code": "26225", "display": "ondansetron"}],
    "text": "Ondansetron 16 mg IV",
}


def _doses(body: Json) -> list[Json]:
    return sorted(resources(body, "medicationAdministrations"), key=lambda a: a["effectiveDateTime"])


def _completed_order(rid: str, medication: Json, authored: str) -> Json:
    """A completed order of the day of the last dose (the cycle's own order, or its premedication)."""
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": medication,
        "subject": subject(),
        "authoredOn": authored,
    }


def last_dose_under(medication: Json, *, dose_drug: Json | None = None) -> Callable[[Json], None]:
    """The last dose charted under an order of that day written ``medication`` (completed); its own drug
    written ``dose_drug`` when given."""

    def tweak(body: Json) -> None:
        last = _last_dose(body)
        _append(
            body,
            "medicationRequestHistory",
            _completed_order("cycle-6", medication, last["effectiveDateTime"][:10]),
        )
        last["request"] = {"reference": "MedicationRequest/cycle-6"}
        if dose_drug is not None:
            last["medicationCodeableConcept"] = dose_drug

    return tweak


def last_written(updated: str, note: str | None = None) -> Callable[[Json], None]:
    """Every dose stored an hour after it was given, the last one stored at ``updated``."""

    def tweak(body: Json) -> None:
        for dose in _doses(body):
            hour = int(dose["effectiveDateTime"][11:13]) + 1
            dose["meta"] = {
                "versionId": "2",
                "lastUpdated": f"{dose['effectiveDateTime'][:11]}{hour:02d}:20:00Z",
            }
        last = _last_dose(body)
        last["meta"] = {"versionId": "1", "lastUpdated": updated}
        if note:
            last["note"] = [{"text": note}]

    return tweak


def mar_identifiers(
    *, fifth_as_sixth: bool = False, sixth_sent_again: bool = False
) -> Callable[[Json], None]:
    """Every dose carries its MAR event id; the sixth carries the fifth's (two dates, one event), or the
    sixth is sent again as a later version under another resource id (the same event, the same minute and
    dose)."""

    def tweak(body: Json) -> None:
        doses = _doses(body)
        for number, dose in enumerate(doses, 1):
            dose["identifier"] = [{"system": MAR, "value": f"MAR-88410{number}"}]
        if fifth_as_sixth:
            doses[-1]["identifier"] = [{"system": MAR, "value": "MAR-884105"}]
        if sixth_sent_again:
            again = {**doses[-1], "id": doses[-1]["id"] + "-v2", "meta": {"versionId": "2"}}
            _append(body, "medicationAdministrations", again)

    return tweak


CHEMOTHERAPY = {"text": "Chemotherapy infusion (see order)"}


def cases() -> list[RecordCase]:
    pend_dose = expect("pend", **PEND_DOSE)
    return [
        # The sixth dose coded doxorubicin but scanned against the day's ondansetron premedication order (a
        # drug the service does not identify, named by its RxNorm code and words): counted and approved at
        # 300 before; which drug was given is not known
        RecordCase(
            Case(
                "2.2-not-plausible-pend-doxorubicin-dose-under-the-ondansetron-premedication-order",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {
                        "I.A.3.a": ["an order of 'Ondansetron 16 mg IV', which names no doxorubicin"]
                    },
                },
            ),
            last_dose_under(ONDANSETRON),
        ),
        # ... or against a premedication order written in words beside a local code
        RecordCase(
            Case(
                "2.2-not-plausible-pend-doxorubicin-dose-under-a-premedication-order-in-words-and-a-local-code",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {
                        "I.A.3.a": ["'Dexamethasone 12 mg IV premedication', which names no doxorubicin"]
                    },
                },
            ),
            last_dose_under(
                {
                    "coding": [{"system": LOCAL, "code": "40211"}],
                    "text": "Dexamethasone 12 mg IV premedication",
                }
            ),
        ),
        # An order the service cannot read at all (a local code alone) says nothing against the dose: 300
        RecordCase(
            Case(
                "2.2-not-plausible-approve-doxorubicin-dose-under-an-order-in-a-local-code-alone", APPROVE_300
            ),
            last_dose_under({"coding": [{"system": LOCAL, "code": "40377"}]}),
        ),
        # An order whose words name doxorubicin within a regimen names the dose's drug: 300
        RecordCase(
            Case("2.2-not-plausible-approve-doxorubicin-dose-under-a-regimen-order-naming-it", APPROVE_300),
            last_dose_under(
                {
                    "coding": [{"system": LOCAL, "code": "51002"}],
                    "text": "AC cycle 6: cyclophosphamide 600 mg/m2 + doxorubicin 50 mg/m2",
                }
            ),
        ),
        # The sixth dose charted "completed" by a version stored three weeks before it was to be given (its
        # note says it was pre-charted): counted and approved at 300 before
        RecordCase(
            Case(
                "2.2-not-plausible-pend-completed-dose-last-written-three-weeks-before-it-was-given",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {
                        "I.A.3.a": ["last written 2026-10-17T16:05:00+00:00, before the dose it documents"]
                    },
                },
            ),
            last_written("2026-10-17T16:05:00Z", "pre-charted for cycle 6"),
        ),
        # The sixth dose's record stored eleven hours before the time it charts (a pump's clock, a time zone):
        # within a day, 300
        RecordCase(
            Case("2.2-not-plausible-approve-dose-written-hours-before-its-charted-time", APPROVE_300),
            last_written("2026-11-06T22:00:00Z"),
        ),
        # The sixth dose carries the fifth's MAR event id, three weeks after it: one event, two dates; the
        # pair is one unknown part (200 known), counted as two and approved at 300 before
        RecordCase(
            Case(
                "2.2-not-plausible-pend-two-doses-with-one-mar-identifier-three-weeks-apart",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 200.0,
                        "cumulative_doxorubicin_unknown_parts": 1,
                    },
                    "reasons": {"I.A.3.a": ["(the same identifier), but they chart different dates"]},
                },
            ),
            mar_identifiers(fifth_as_sixth=True),
        ),
        # The sixth dose sent again as a later version under another resource id, one identifier, the same
        # minute and dose: one dose, 300
        RecordCase(
            Case("2.2-not-plausible-approve-a-dose-sent-again-under-its-mar-identifier", APPROVE_300),
            mar_identifiers(sixth_sent_again=True),
        ),
        # The sixth dose charted only as "Chemotherapy infusion (see order)" under its completed doxorubicin
        # order: dropped and denied at 250 before; it could be doxorubicin
        RecordCase(
            Case(
                "2.2-not-read-pend-dose-charted-as-chemotherapy-under-its-doxorubicin-order",
                {
                    **pend_dose,
                    "facts": UNKNOWN_PART,
                    "reasons": {
                        "I.A.3.a": [
                            "charted under MedicationRequest/cycle-6, an order of doxorubicin: it could be"
                        ]
                    },
                },
            ),
            last_dose_under(DRUGS["doxorubicin"], dose_drug=CHEMOTHERAPY),
        ),
        # ... while a dose whose words name another drug, under that drug's order, is no dose of it: 250
        RecordCase(
            Case("2.2-not-read-deny-ondansetron-in-words-under-its-own-order", DENY_250),
            last_dose_under(ONDANSETRON, dose_drug={"text": "Ondansetron 16 mg IV push"}),
        ),
    ]


def main() -> None:
    write_record_cases(
        cases(), "2.2-", "cases of doses against their order, their record and their event (tenth set)"
    )


if __name__ == "__main__":
    main()
