"""Writes the docs/facts.md "Record integrity" record cases (diagnoses, extravasation, evidence, consultation,
line of business) and the pathway / I.B approval-period cases: `2.1-<ruling>-<decision>-<what>.json` plus
`.expect.json`, each a record of the kind real EHRs send on which the ruling changes the decision.

Run from the repository root after `make_cases.py` (which keeps `2.1-*` files):
`.venv/bin/python fhir_fixtures/policy/make_record_cases.py`. Each case is a `make_cases.Case` on the same
baseline patient, then an edit of the request JSON (`tweak`) for what the compact description does not
say (a Condition's text, a Coverage's text, an attachment). The expected outcome is worked by hand from
docs/decisions.md, docs/facts.md "Record integrity" and the policy. Codes beyond make_cases': ATC L01CA02
vincristine and L01DB07 mitoxantrone (WHO ATC lists L01DB07), SNOMED CT 363518003 malignant tumor of kidney
(a site-only code; see cds_service/clinical/codes.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from make_cases import (
    ATC,
    DRUGS,
    EXTRAVASATION,
    HERE,
    ICD10,
    SMALL_CHILD_COURSE,
    SNOMED,
    START,
    Case,
    Doses,
    days,
    expect,
    given,
    request,
)

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"

DRUGS["vincristine"] = {
    "coding": [{"system": ATC, "code": "L01CA02", "display": "vincristine"}],
    "text": "Vincristine sulfate",
}
DRUGS["mitoxantrone"] = {
    "coding": [{"system": ATC, "code": "L01DB07", "display": "mitoxantrone"}],
    "text": "Mitoxantrone",
}


@dataclass
class RecordCase:
    case: Case
    tweak: Callable[[Json], None] = lambda body: None


def resources(body: Json, key: str) -> list[Json]:
    return [entry["resource"] for entry in body["prefetch"][key].get("entry", [])]


def set_condition(
    code: tuple[str, str, str], text: str | None = None, index: int = 0
) -> Callable[[Json], None]:
    """The Condition as an EHR codes it: one coding, and the text it was charted with (if any)."""

    def tweak(body: Json) -> None:
        condition = resources(body, "conditions")[index]
        system, value, display = code
        condition["code"] = {"coding": [{"system": system, "code": value, "display": display}]}
        if text:
            condition["code"]["text"] = text

    return tweak


def both(*tweaks: Callable[[Json], None]) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        for each in tweaks:
            each(body)

    return tweak


WILMS_COURSE: dict[str, Any] = {
    "birth_date": "2022-09-10",
    "diagnoses": ["Wilms tumor"],
    "specialty": "pediatric hematology-oncology",
    "administered": [given("doxorubicin", 3, 25)],
    "draft": [Doses("doxorubicin", 3, 25)],
    "dexrazoxane": [Doses("dexrazoxane", 3, 250)],
}
KIDNEY = (ICD10, "C64.1", "Malignant neoplasm of right kidney, except renal pelvis")
SARCOMA_COURSE: dict[str, Any] = {
    "diagnoses": ["soft tissue sarcoma"],
    "administered": [given("doxorubicin", 3, 50)],
    "draft": [Doses("doxorubicin", 2, 50)],
    "dexrazoxane": [Doses("dexrazoxane", 2, 500)],
}
LAST_OF_TWO = days(21).isoformat()


def extravasation_given(*series: Doses) -> dict[str, Any]:
    return {**EXTRAVASATION, "administered": list(series)}


def attach_evidence(criterion: str, answer: Json) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        response = resources(body, "questionnaireResponses")[0]
        for group in response["item"]:
            for item in group["item"]:
                if item["linkId"] == criterion:
                    item["answer"].append(answer)

    return tweak


def referral(**dates: Any) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        request_ = resources(body, "serviceRequests")[0]
        request_.pop("authoredOn", None)
        request_.update(dates)

    return tweak


def coverage_text(**changes: Any) -> Callable[[Json], None]:
    """A Coverage whose type carries no SOPT code: only its own text says the line of business."""

    def tweak(body: Json) -> None:
        coverage = resources(body, "coverage")[0]
        coverage["type"] = {"text": "Health plan"}
        coverage.update(changes)

    return tweak


def no_order_reason_repeating(body: Json) -> None:
    """A routine cardioprotection order: no reason, one dose every 21 days beside doxorubicin."""
    order = body["context"]["draftOrders"]["entry"][0]["resource"]
    order.pop("reasonCode", None)


def course_from_tomorrow(body: Json) -> None:
    """Signed today, the 3-day course starts tomorrow."""
    order = body["context"]["draftOrders"]["entry"][0]["resource"]
    for dosage in order["dosageInstruction"]:
        bounds = dosage["timing"]["repeat"]["boundsPeriod"]
        bounds["start"] = (date.fromisoformat(bounds["start"]) + timedelta(days=1)).isoformat()


def cases() -> list[RecordCase]:
    return [
        # Site codes are not histology
        RecordCase(
            Case(
                "2.1-site-codes-pend-kidney-c64-in-a-child-without-histology",
                expect("pend", criteria={"I.A.3.b.iv": U}, documentation=["I.A.3.b.iv"]),
                **WILMS_COURSE,
            ),
            set_condition(KIDNEY),
        ),
        RecordCase(
            Case(
                "2.1-site-codes-pend-snomed-malignant-tumor-of-kidney",
                expect("pend", criteria={"I.A.3.b.iv": U}, documentation=["I.A.3.b.iv"]),
                **WILMS_COURSE,
            ),
            set_condition((SNOMED, "363518003", "Malignant tumor of kidney")),
        ),
        RecordCase(
            Case(
                "2.1-site-codes-approve-kidney-c64-charted-as-nephroblastoma",
                expect("approve", criteria={"I.A.3.b.iv": M}, approval=(START, days(42).isoformat())),
                **WILMS_COURSE,
            ),
            set_condition(KIDNEY, "Nephroblastoma (Wilms tumor), right kidney"),
        ),
        RecordCase(
            Case(
                "2.1-site-codes-pend-adrenal-c74.9-in-a-child",
                expect("pend", criteria={"I.A.3.b.v": U}, documentation=["I.A.3.b.v"]),
                birth_date="2023-04-04",
                diagnoses=["neuroblastoma"],
                **SMALL_CHILD_COURSE,
            ),
            set_condition(
                (ICD10, "C74.90", "Malignant neoplasm of unspecified part of unspecified adrenal gland")
            ),
        ),
        RecordCase(
            Case(
                "2.1-site-codes-pend-orbit-c69.6-soft-tissue-sarcoma",
                expect("pend", criteria={"I.A.3.a": N, "I.A.3.b.vi": U}, documentation=["I.A.3.b.vi"]),
                **SARCOMA_COURSE,
            ),
            set_condition((ICD10, "C69.61", "Malignant neoplasm of right orbit")),
        ),
        RecordCase(
            Case(
                "2.1-site-codes-deny-kidney-c64-charted-as-renal-cell-carcinoma",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N, "I.A.3.b.iv": N, "I.A.3.b.vi": N},
                    off_label_policies=["CP.CPA.09"],
                ),
                **SARCOMA_COURSE,
            ),
            set_condition(KIDNEY, "Clear cell renal cell carcinoma, right kidney"),
        ),
        # Anthracycline-induced means the anthracycline extravasated
        RecordCase(
            Case(
                "2.1-anthracycline-extravasation-deny-vincristine-given-at-onset",
                # every child is evaluated: the course's daily doses are read though I.B.1 is not met
                expect(
                    "deny",
                    "I.B",
                    criteria={"I.B.1": N, "I.B.4": M, "II.B": N},
                    off_label_policies=["CP.CPA.09"],
                ),
                **extravasation_given(
                    given("doxorubicin", 3, 60, last=days(-5)), Doses("vincristine", 1, 1.4, first=days(-1))
                ),
            ),
        ),
        RecordCase(
            Case(
                "2.1-anthracycline-extravasation-deny-mitoxantrone-given-at-onset",
                expect("deny", "I.B", criteria={"I.B.1": N, "I.B.4": M}, off_label_policies=["CP.CPA.09"]),
                **extravasation_given(Doses("mitoxantrone", 1, 12, first=days(-2))),
            ),
        ),
        RecordCase(
            Case(
                "2.1-anthracycline-extravasation-pend-doxorubicin-and-vincristine-at-onset",
                expect("pend", "I.B", criteria={"I.B.1": U}, documentation=["I.B.1"]),
                **extravasation_given(
                    given("doxorubicin", 3, 60, last=days(-1)), Doses("vincristine", 1, 1.4, first=days(-1))
                ),
            ),
        ),
        # The Condition decides where the administrations at the onset say nothing against it (the last
        # doxorubicin five days before); where they record only doxorubicin then, the two conflict (pend:
        # make_not_plausible_cases.py)
        RecordCase(
            Case(
                "2.1-anthracycline-extravasation-deny-condition-names-vincristine",
                expect("deny", "I.B", criteria={"I.B.1": N, "I.B.4": M}, off_label_policies=["CP.CPA.09"]),
                **{**EXTRAVASATION, "administered": [given("doxorubicin", 3, 60, last=days(-5))]},
            ),
            set_condition(
                (
                    ICD10,
                    "T80.810A",
                    "Extravasation of vesicant antineoplastic chemotherapy, initial encounter",
                ),
                "Vincristine extravasation, left antecubital fossa",
            ),
        ),
        # Evidence the payer must review is never settled by a tick
        RecordCase(
            Case(
                "2.1-evidence-pend-literature-attached-awaits-the-payers-review",
                expect(
                    "pend",
                    criteria={"I.A.5.a": N, "I.A.5.b": U},
                    documentation=[],
                    facts={
                        "submitted_evidence": {
                            "I.A.5.b": ["QuestionnaireResponse/documentation (Dexrazoxane dosing review)"]
                        }
                    },
                ),
                dexrazoxane=[Doses("dexrazoxane", 4, 510)],
                documented={"I.A.5.b": True},
            ),
            attach_evidence(
                "I.A.5.b",
                {"valueAttachment": {"contentType": "application/pdf", "title": "Dexrazoxane dosing review"}},
            ),
        ),
        RecordCase(
            Case(
                "2.1-evidence-pend-continued-therapy-document-reference-awaits-review",
                # nothing to send for II.A.4.b; II.A.1 still asks, as the data cannot show I.A met (its
                # I.A.5 is the same dose under review)
                expect(
                    "pend",
                    "II.A",
                    criteria={"II.A.3": M, "II.A.4.a": N, "II.A.4.b": U},
                    documentation=["II.A.1.a", "II.A.1.b"],
                ),
                prior_dexrazoxane=True,
                dexrazoxane=[Doses("dexrazoxane", 4, 510)],
                documented={"II.A.3": True, "II.A.4.b": True},
            ),
            attach_evidence("II.A.4.b", {"valueReference": {"reference": "DocumentReference/literature"}}),
        ),
        # A consultation is about this therapy
        RecordCase(
            Case(
                "2.1-consultation-pend-oncology-referral-authored-2023",
                expect("pend", criteria={"I.A.2": U}, documentation=["I.A.2"]),
                specialty="internal medicine",
                oncology_referral=True,
            ),
            referral(authoredOn="2023-01-05"),
        ),
        RecordCase(
            Case(
                "2.1-consultation-approve-old-referral-whose-period-covers-the-order",
                expect("approve", criteria={"I.A.2": M}, approval=(START, "2027-01-30")),
                specialty="internal medicine",
                oncology_referral=True,
            ),
            referral(authoredOn="2023-01-05", occurrencePeriod={"start": "2023-01-05", "end": "2027-12-31"}),
        ),
        # Line of business, last resort: the Coverage's own text
        RecordCase(
            Case(
                "2.1-line-of-business-not-applicable-medicare-advantage-in-payor-display",
                expect(
                    "not-applicable",
                    None,
                    facts={
                        "line_of_business": "medicare",
                        "line_of_business_reason": (
                            "line of business read from Coverage text: payor "
                            "'Sunshine Health Medicare Advantage PPO'"
                        ),
                    },
                ),
            ),
            coverage_text(payor=[{"display": "Sunshine Health Medicare Advantage PPO"}]),
        ),
        RecordCase(
            Case(
                "2.1-line-of-business-deny-medicaid-in-class-value-names-cp-pmn-53",
                expect("deny", criteria={"I.A.4": N}, off_label_policies=["CP.PMN.53"]),
                draft=[],
            ),
            coverage_text(
                **{"class": [{"type": {"text": "plan"}, "value": "MEDICAID", "name": "State plan"}]}
            ),
        ),
        # docs/decisions.md "Pathways": without a reason, I.B only for an extravasation course
        RecordCase(
            Case(
                "2.1-pathway-approve-repeating-cardioprotection-after-an-extravasation-4-days-ago",
                expect(
                    "approve",
                    "I.A",
                    criteria={"I.A": M},
                    approval=(START, "2027-01-30"),
                    facts={"order_purpose": None, "extravasation_course_order": False},
                ),
                diagnoses=["metastatic breast cancer", "extravasation"],
                extravasation_onset=days(-4),
            ),
        ),
        RecordCase(
            Case(
                "2.1-pathway-approve-3-day-course-starting-the-day-after-signing",
                expect(
                    "approve",
                    "I.B",
                    criteria={"I.B": M},
                    approval=(days(1).isoformat(), days(3).isoformat()),
                    facts={"order_purpose": "extravasation", "course_first_day": days(1).isoformat()},
                ),
                **EXTRAVASATION,
            ),
            course_from_tomorrow,
        ),
    ]


def write_record_cases(records: list[RecordCase], prefix: str, what: str) -> None:
    """Writes each case's request (its tweak applied) and its expectation beside it, after removing the
    earlier files of these cases only: several generators write files under the same ``prefix``."""
    names = [record.case.name for record in records]
    for old in HERE.glob(f"{prefix}*.json"):
        if any(old.name.startswith(name + ".") for name in names):
            old.unlink()
    for record in records:
        body = request(record.case)
        record.tweak(body)
        (HERE / f"{record.case.name}.json").write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        (HERE / f"{record.case.name}.expect.json").write_text(
            json.dumps(record.case.expect, indent=2, ensure_ascii=False) + "\n"
        )
    print(f"wrote {len(records)} {what} to {HERE}")


def main() -> None:
    write_record_cases(cases(), "2.1-", "record-integrity cases")


if __name__ == "__main__":
    main()
