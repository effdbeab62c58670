"""Writes the fourth set of "Not plausible is not a fact" and "Not read is not absent" cases
(docs/facts.md "Plausibility": dates that cannot be, a code and its own text; "Diagnoses"; docs/decisions.md
"A record dated before the birth"): diagnoses and extravasations whose date or whose own words
contradict the rest of the record, so what they would decide is unknown, named (never met, never
absent); and the controls that must not be read as conflicts (text adding a site and metastases to the
code's kind).
`2.2-not-plausible-<decision>-<what>.json` and `2.2-not-read-<decision>-<what>.json` plus `.expect.json`,
each worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_4.py`. Each case is a `make_cases.Case` (a
pediatric Hodgkin lymphoma, an adult soft tissue sarcoma, a Wilms tumour course or an extravasation
treated with dexrazoxane, as in make_cases), then an edit of the request JSON (`tweak`). Codes beyond
make_cases': ICD-10-CM C49.22 malignant neoplasm of connective and soft tissue of left lower limb, C81.12
nodular sclerosis Hodgkin lymphoma of intrathoracic lymph nodes (CMS tabular); SNOMED CT 363346000
malignant neoplastic disease.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from make_cases import (
    EXTRAVASATION,
    SMALL_CHILD_COURSE,
    SNOMED,
    Case,
    Doses,
    days,
    expect,
    given,
)
from make_record_cases import WILMS_COURSE, RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
HODGKIN_CHILD: dict[str, Any] = {
    "birth_date": "2011-02-14",
    "diagnoses": ["Hodgkin lymphoma"],
    **SMALL_CHILD_COURSE,
}
SARCOMA_ADULT: dict[str, Any] = {
    "diagnoses": ["soft tissue sarcoma"],
    "administered": [given("doxorubicin", 3, 50)],
    "draft": [Doses("doxorubicin", 2, 50)],
    "dexrazoxane": [Doses("dexrazoxane", 2, 500)],
}
LOWER_LIMB = (
    ICD10CM,
    "C49.22",
    "Malignant neoplasm of connective and soft tissue of left lower limb, including hip",
)


def _condition(body: Json, index: int = 0) -> Json:
    found: Json = resources(body, "conditions")[index]
    return found


def dated(onset: str) -> Callable[[Json], None]:
    """The diagnosis's onset and recorded date."""

    def tweak(body: Json) -> None:
        condition = _condition(body)
        condition["onsetDateTime"] = onset
        condition["recordedDate"] = onset

    return tweak


def coded(code: tuple[str, str, str], text: str) -> Callable[[Json], None]:
    """The diagnosis coded by ``code`` alone, charted with ``text``."""

    def tweak(body: Json) -> None:
        system, value, display = code
        _condition(body)["code"] = {
            "coding": [{"system": system, "code": value, "display": display}],
            "text": text,
        }

    return tweak


def extravasation_cited(
    onset: str | None, onset_text: str | None = None, *, cited: bool = True
) -> Callable[[Json], None]:
    """The extravasation Condition names doxorubicin; the dexrazoxane order cites it as its reason (no bare
    reasonCode), unless not ``cited``; its onset is ``onset``, or only ``onset_text``."""

    def tweak(body: Json) -> None:
        condition = _condition(body)
        condition["code"]["text"] = "Extravasation of DOXOrubicin, left forearm peripheral IV"
        condition.pop("onsetDateTime", None)
        if onset is not None:
            condition["onsetDateTime"] = onset
            condition["recordedDate"] = onset
        if onset_text is not None:
            condition["onsetString"] = onset_text
        if not cited:
            return
        for entry in body["context"]["draftOrders"]["entry"]:
            order = entry["resource"]
            if order["id"] == "dexrazoxane":
                order.pop("reasonCode", None)
                order["reasonReference"] = [{"reference": f"Condition/{condition['id']}"}]

    return tweak


def staged(summary: str) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        _condition(body)["stage"] = [
            {"summary": {"text": summary}, "type": {"text": "COG renal tumor staging"}}
        ]

    return tweak


def referral_authored(on: str) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        resources(body, "serviceRequests")[0]["authoredOn"] = on

    return tweak


def both(*tweaks: Callable[[Json], None]) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        for each in tweaks:
            each(body)

    return tweak


def cases() -> list[RecordCase]:
    return [
        # A pediatric Hodgkin lymphoma dated 2005 in a patient born 2011: the date contradicts the birth
        # date or itself, so the diagnosis meets nothing (approved before); the age stays the birth date's
        RecordCase(
            Case(
                "2.2-not-plausible-pend-hodgkin-dated-before-the-birth",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iii": U},
                    facts={"age_years": 15},
                    documentation=["I.A.3.b.iii"],
                    reasons={"I.A.3.b.iii": ["dated 2005-10-02, before the birth date 2011-02-14"]},
                ),
                **HODGKIN_CHILD,
            ),
            dated("2005-10-02"),
        ),
        # The same diagnosis dated ten days after the order that rests on it (approved before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-hodgkin-dated-after-the-order",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iii": U},
                    documentation=["I.A.3.b.iii"],
                    reasons={"I.A.3.b.iii": ["after the order of"]},
                ),
                **HODGKIN_CHILD,
            ),
            dated(days(10).isoformat()),
        ),
        # A date between the birth and the order is read as before: still approved
        RecordCase(
            Case(
                "2.2-not-plausible-approve-hodgkin-dated-after-the-birth-before-the-order",
                expect(
                    "approve",
                    criteria={"I.A.3.b.iii": M},
                    approval=(days(0).isoformat(), days(21).isoformat()),
                ),
                **HODGKIN_CHILD,
            ),
            dated("2026-09-20"),
        ),
        # C49.22 (soft tissue of the lower limb) whose own text says osteosarcoma of the femur, a bone
        # sarcoma: the code and its text conflict (approved before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-sarcoma-code-whose-text-says-osteosarcoma",
                expect(
                    "pend",
                    criteria={"I.A.3.b.vi": U},
                    documentation=["I.A.3.b.vi"],
                    reasons={"I.A.3.b.vi": ["C49.22", "name different cancers"]},
                ),
                **SARCOMA_ADULT,
            ),
            coded(LOWER_LIMB, "Osteosarcoma of left distal femur, conventional osteoblastic"),
        ),
        # The same code whose text names a soft tissue sarcoma, its site and its metastases: no conflict
        RecordCase(
            Case(
                "2.2-not-plausible-approve-sarcoma-code-whose-text-adds-site-and-metastases",
                expect(
                    "approve",
                    criteria={"I.A.3.b.vi": M},
                    approval=(days(0).isoformat(), days(21).isoformat()),
                ),
                **SARCOMA_ADULT,
            ),
            coded(LOWER_LIMB, "Leiomyosarcoma of left thigh, stage III, metastatic to lung"),
        ),
        # A Hodgkin code whose text names a diffuse large B-cell lymphoma: each indication is unknown,
        # neither met on the other's word
        RecordCase(
            Case(
                "2.2-not-plausible-pend-hodgkin-code-whose-text-says-dlbcl",
                expect(
                    "pend",
                    criteria={"I.A.3.b.ii": U, "I.A.3.b.iii": U},
                    documentation=["I.A.3.b.ii", "I.A.3.b.iii"],
                ),
                **HODGKIN_CHILD,
            ),
            coded(
                (ICD10CM, "C81.12", "Nodular sclerosis Hodgkin lymphoma, intrathoracic lymph nodes"),
                "Diffuse large B-cell lymphoma, mediastinal mass",
            ),
        ),
        # The extravasation the order cites is dated ten days after it, doxorubicin given the day before the
        # order: a date that cannot be, so I.B.1 is unknown (denied 'no extravasation recorded' before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-extravasation-dated-after-the-order-citing-it",
                expect(
                    "pend",
                    "I.B",
                    criteria={"I.B.1": U},
                    documentation=["I.B.1"],
                    reasons={"I.B.1": ["after the order of", "its onset is not known"]},
                ),
                **EXTRAVASATION,
            ),
            extravasation_cited(days(9).isoformat()),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-extravasation-dated-before-the-birth",
                expect(
                    "pend",
                    "I.B",
                    criteria={"I.B.1": U},
                    documentation=["I.B.1"],
                    reasons={"I.B.1": ["before the birth date"]},
                ),
                **EXTRAVASATION,
            ),
            extravasation_cited("1985-11-27"),
        ),
        # An onset given only in words: there, not read as a date (pend, as before; now said)
        RecordCase(
            Case(
                "2.2-not-read-pend-extravasation-onset-only-as-text",
                expect(
                    "pend",
                    "I.B",
                    criteria={"I.B.1": U},
                    documentation=["I.B.1"],
                    reasons={"I.B.1": ["onset given only as text", "not read as a date"]},
                ),
                **EXTRAVASATION,
            ),
            extravasation_cited(None, f"{days(-1).strftime('%m/%d/%Y')} 10:40 AM", cited=False),
        ),
        # Cited by the order, an onset given only in words is not dated by the order (a Condition cited
        # with no onset at all is): the words give a day a month before (approved before)
        RecordCase(
            Case(
                "2.2-not-read-pend-extravasation-cited-onset-only-as-text",
                expect(
                    "pend",
                    "I.B",
                    criteria={"I.B.1": U},
                    documentation=["I.B.1"],
                    reasons={"I.B.1": ["onset given only as text", "not read as a date"]},
                ),
                **EXTRAVASATION,
            ),
            extravasation_cited(None, days(-30).strftime("%m/%d/%Y")),
        ),
        # An internist prescribing, the oncology referral authored ten days after the order: a date that
        # cannot be, so no consultation the order rests on (approved before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-oncology-referral-dated-after-the-order",
                expect(
                    "pend",
                    criteria={"I.A.2": U},
                    documentation=["I.A.2"],
                    reasons={"I.A.2": ["after the order of", "a date that cannot be"]},
                ),
                specialty="internal medicine",
                oncology_referral=True,
            ),
            referral_authored(days(10).isoformat()),
        ),
        # A cancer coded as malignant neoplastic disease, Wilms tumour named only in its stage summary: no
        # site code; the reason names what is not read (pend, as before)
        RecordCase(
            Case(
                "2.2-not-read-pend-no-site-code-stage-summary-names-wilms",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iv": U},
                    documentation=["I.A.3.b.iv", "I.A.3.b.v"],
                    reasons={"I.A.3.b.iv": ["no stated site or kind", "stage summary is not read"]},
                ),
                **WILMS_COURSE,
            ),
            both(
                coded((SNOMED, "363346000", "Malignant neoplastic disease (disorder)"), "Malignant neoplasm"),
                staged("Wilms tumor (nephroblastoma), favorable histology - COG stage III"),
            ),
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of 'Not plausible is not a fact' (fourth set)")


if __name__ == "__main__":
    main()
