"""Writes the eleventh set of "Not read is not absent" cases, for records a reader reads for other facts
(docs/facts.md "Records read for other facts", "A document's own words", "An order not read as one"): a
diagnosis only on the biopsy Procedure that made it or on an active order's reason, a histology only in a
Condition's evidence, doxorubicin
to come only on an infusion plan's ServiceRequest or in a RequestGroup, doxorubicin given elsewhere only in
a text DocumentReference. `2.2-not-read-<decision>-<what>.json` plus `.expect.json`, each worked by hand from
the rule and the policy; each pend has a control beside it that decides as before.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_read_cases_11.py`. Each case is a `make_cases.Case` then an
edit of the request JSON (`tweak`). Resources beyond make_cases', all FHIR R4: a completed Procedure with
``reasonCode`` and ``outcome``; a Condition's ``evidence`` (``code``, ``detail``); a ServiceRequest (status
active, intent order) whose ``orderDetail`` is RxNorm 3639 doxorubicin; a RequestGroup whose action names
doxorubicin; a DocumentReference whose ``content.attachment`` is text/plain ``data`` (base64), or a PDF.
Codes beyond make_cases': ICD-10-CM R22.2 (localized swelling, mass and lump, trunk), C81.12 (nodular
sclerosis Hodgkin lymphoma, intrathoracic lymph nodes), C22.2 (hepatoblastoma); SNOMED CT 178292004
(excision biopsy of lymph node), 367336001 (chemotherapy), 432328008 (neuroblastoma).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from make_cases import ICD10, SMALL_CHILD_COURSE, SNOMED, Case, Doses, days, expect, given, subject
from make_not_plausible_cases_3 import _append
from make_record_cases import RecordCase, both, resources, set_condition, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
HODGKIN_CHILD = {"birth_date": "2011-06-01", "diagnoses": ["Hodgkin lymphoma"], **SMALL_CHILD_COURSE}
MEDIASTINAL_MASS = (ICD10, "R22.2", "Localized swelling, mass and lump, trunk")
HEPATOBLASTOMA = (ICD10, "C22.2", "Hepatoblastoma")
NEUROBLASTOMA_CHILD = {"birth_date": "2022-08-01", "diagnoses": ["neuroblastoma"], **SMALL_CHILD_COURSE}
DENY_OFF_LABEL = {"off_label_policies": ["CP.CPA.09"]}


def biopsy(reason: tuple[str, str, str], outcome: str) -> Callable[[Json], None]:
    """The excisional biopsy that made the diagnosis, its reason and pathology on the Procedure alone."""

    def tweak(body: Json) -> None:
        system, code, display = reason
        _append(
            body,
            "procedures",
            {
                "resourceType": "Procedure",
                "id": "lymph-node-biopsy",
                "status": "completed",
                "subject": subject(),
                "code": {
                    "coding": [
                        {"system": SNOMED, "code": "178292004", "display": "Excision biopsy of lymph node"}
                    ],
                    "text": "Excisional biopsy, left supraclavicular lymph node",
                },
                "performedDateTime": days(-60).isoformat(),
                "reasonCode": [{"coding": [{"system": system, "code": code, "display": display}]}],
                "outcome": {"text": outcome},
            },
        )

    return tweak


def active_order_reason(body: Json) -> None:
    order = next(r for r in resources(body, "medicationRequests") if r["id"] == "doxorubicin-active")
    order["reasonCode"] = [
        {"coding": [{"system": ICD10, "code": "C81.12", "display": "Nodular sclerosis Hodgkin lymphoma"}]}
    ]


def evidence(histology: str) -> Callable[[Json], None]:
    """The first Condition's evidence: the tumour board's histology, the pathology report it cites."""

    def tweak(body: Json) -> None:
        condition = resources(body, "conditions")[0]
        condition["evidence"] = [
            {
                "code": [{"text": f"{histology} (tumor board)"}],
                "detail": [
                    {"reference": "DiagnosticReport/surgical-pathology", "display": "Surgical pathology"}
                ],
            }
        ]

    return tweak


def coded_evidence(body: Json) -> None:
    condition = resources(body, "conditions")[0]
    condition["evidence"] = [
        {
            "code": [
                {
                    "coding": [{"system": SNOMED, "code": "432328008", "display": "Neuroblastoma"}],
                    "text": "Neuroblastoma, MYCN amplified (tumor board)",
                }
            ]
        }
    ]


def infusion_plan(status: str) -> Callable[[Json], None]:
    """The next four cycles of doxorubicin on the infusion plan's ServiceRequest, no medication order yet."""

    def tweak(body: Json) -> None:
        _append(
            body,
            "serviceRequests",
            {
                "resourceType": "ServiceRequest",
                "id": "infusion-plan",
                "status": status,
                "intent": "order",
                "subject": subject(),
                "code": {
                    "coding": [{"system": SNOMED, "code": "367336001", "display": "Chemotherapy"}],
                    "text": "Infusion therapy plan",
                },
                "orderDetail": [
                    {
                        "coding": [{"system": RXNORM, "code": "3639", "display": "doxorubicin"}],
                        "text": "DOXOrubicin 50 mg/m2 IV day 1 every 21 days x 4 more cycles",
                    }
                ],
                "authoredOn": days(-7).isoformat(),
                "requester": {"reference": "Practitioner/prescriber"},
            },
        )

    return tweak


def request_group(body: Json) -> None:
    """Cycles 7 and 8 released as a RequestGroup (the regimen's order set), no MedicationRequest in it."""
    body["prefetch"]["requestGroups"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [
            {
                "resource": {
                    "resourceType": "RequestGroup",
                    "id": "ac-cycles-7-8",
                    "status": "active",
                    "intent": "order",
                    "subject": subject(),
                    "authoredOn": days(-2).isoformat(),
                    "action": [{"title": "Cycles 7-8: DOXOrubicin 50 mg/m2 IV day 1 every 21 days"}],
                }
            }
        ],
    }


def document(text: str, content_type: str = "text/plain") -> Callable[[Json], None]:
    """An outside treatment summary sent as a DocumentReference: its words only in its attachment."""

    def tweak(body: Json) -> None:
        body["prefetch"]["documentReferences"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 1,
            "entry": [
                {
                    "resource": {
                        "resourceType": "DocumentReference",
                        "id": "outside-treatment-summary",
                        "status": "current",
                        "subject": subject(),
                        "type": {"text": "Outside records"},
                        "date": days(-90).isoformat(),
                        "content": [
                            {
                                "attachment": {
                                    "contentType": content_type,
                                    "data": base64.b64encode(text.encode()).decode(),
                                    "title": "Treatment summary",
                                }
                            }
                        ],
                    }
                }
            ],
        }

    return tweak


OUTSIDE_AC = (
    "Outside oncology records, treatment summary: AC x4 cycles 2025-02-03 to 2025-04-07, DOXOrubicin 60 mg/m2 "
    "per cycle, cumulative doxorubicin 240 mg/m2."
)
OUTSIDE_TRASTUZUMAB = "Outside oncology records, treatment summary: trastuzumab every 21 days for 12 months."


def cases() -> list[RecordCase]:
    return [
        # A girl of 15; the problem list still says "mediastinal mass"; the Hodgkin lymphoma (C81.12) is on
        # the excisional biopsy's reasonCode and its pathology in the outcome. Denied before ("no Hodgkin
        # lymphoma recorded"): a Procedure is read for radiation and doses, not for diagnoses, so the
        # indication is unknown, the Procedure named
        RecordCase(
            Case(
                "2.2-not-read-pend-pediatric-hodgkin-only-on-the-biopsy-procedure",
                expect(
                    "pend",
                    criteria={"I.A.3.a": N, "I.A.3.b.iii": U},
                    reasons={
                        "I.A.3.b.iii": ["Procedure/lymph-node-biopsy", "not read for diagnoses", "C81.12"]
                    },
                ),
                **HODGKIN_CHILD,
            ),
            both(
                set_condition(MEDIASTINAL_MASS, "Anterior mediastinal mass"),
                biopsy(
                    (ICD10, "C81.12", "Nodular sclerosis Hodgkin lymphoma, intrathoracic lymph nodes"),
                    "Pathology: nodular sclerosis classical Hodgkin lymphoma, CD30+/CD15+",
                ),
            ),
        ),
        # The same girl, the Hodgkin lymphoma only the reason of her active doxorubicin order (not signed in
        # this hook, so its reasons are not read as diagnoses): denied before, unknown now, the order named
        RecordCase(
            Case(
                "2.2-not-read-pend-pediatric-hodgkin-only-the-reason-of-the-active-doxorubicin-order",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iii": U},
                    reasons={"I.A.3.b.iii": ["MedicationRequest/doxorubicin-active", "the reasonCode of"]},
                ),
                **{**HODGKIN_CHILD, "active": [Doses("doxorubicin", 2, 25, first=days(-21))]},
            ),
            both(set_condition(MEDIASTINAL_MASS, "Anterior mediastinal mass"), active_order_reason),
        ),
        # The same biopsy finding a reactive node: it names no cancer, the child is denied as before
        RecordCase(
            Case(
                "2.2-not-read-deny-pediatric-mass-biopsy-naming-no-cancer",
                expect("deny", criteria={"I.A.3.a": N, "I.A.3.b.iii": N}, **DENY_OFF_LABEL),
                **HODGKIN_CHILD,
            ),
            both(
                set_condition(MEDIASTINAL_MASS, "Anterior mediastinal mass"),
                biopsy(MEDIASTINAL_MASS, "Pathology: reactive follicular hyperplasia, no malignancy"),
            ),
        ),
        # A child of 4 whose problem is coded hepatoblastoma (C22.2), never recoded; the tumour board's
        # neuroblastoma is only in the Condition's evidence. Denied before: the evidence is not read, so
        # neuroblastoma is unknown, the Condition's evidence named
        RecordCase(
            Case(
                "2.2-not-read-pend-neuroblastoma-only-in-a-condition-s-evidence",
                expect(
                    "pend",
                    criteria={"I.A.3.b.v": U},
                    reasons={"I.A.3.b.v": ["the evidence of a Condition", "neuroblastoma"]},
                ),
                **NEUROBLASTOMA_CHILD,
            ),
            both(
                set_condition(HEPATOBLASTOMA, "Hepatoblastoma"),
                evidence("Neuroblastoma, poorly differentiated"),
            ),
        ),
        # The same, the evidence coded (SNOMED CT 432328008 neuroblastoma)
        RecordCase(
            Case(
                "2.2-not-read-pend-neuroblastoma-coded-only-in-a-condition-s-evidence",
                expect("pend", criteria={"I.A.3.b.v": U}, reasons={"I.A.3.b.v": ["432328008"]}),
                **NEUROBLASTOMA_CHILD,
            ),
            both(set_condition(HEPATOBLASTOMA, "Hepatoblastoma"), coded_evidence),
        ),
        # The evidence names the hepatoblastoma itself: no indication, denied as before
        RecordCase(
            Case(
                "2.2-not-read-deny-hepatoblastoma-its-evidence-naming-it",
                expect("deny", criteria={"I.A.3.b.v": N}, **DENY_OFF_LABEL),
                **NEUROBLASTOMA_CHILD,
            ),
            both(set_condition(HEPATOBLASTOMA, "Hepatoblastoma"), evidence("Hepatoblastoma, fetal type")),
        ),
        # Continuation (II.A), the response documented: doxorubicin goes on only on the infusion plan's
        # active ServiceRequest, no medication order for it yet. Denied before on II.A.2 ("no draft
        # doxorubicin order"): an order the service does not read as one, so whether doxorubicin goes on is
        # unknown
        RecordCase(
            Case(
                "2.2-not-read-pend-continuation-doxorubicin-only-on-an-infusion-plan-request",
                expect(
                    "pend",
                    "II.A",
                    criteria={"II.A.2": U, "II.A.3": M},
                    reasons={
                        "II.A.2": [
                            "ServiceRequest/infusion-plan (active) names 3639",
                            "not read as a medication order",
                        ]
                    },
                ),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
                draft=[],
            ),
            infusion_plan("active"),
        ),
        # The same plan completed: nothing goes on, denied as before
        RecordCase(
            Case(
                "2.2-not-read-deny-continuation-infusion-plan-request-completed",
                expect("deny", "II.A", criteria={"II.A.2": N}, **DENY_OFF_LABEL),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
                draft=[],
            ),
            infusion_plan("completed"),
        ),
        # 300 mg/m2 given, the course's orders done, cycles 7-8 released as a RequestGroup: denied before on
        # I.A.4 ("no doxorubicin order"), unknown now, the RequestGroup named
        RecordCase(
            Case(
                "2.2-not-read-pend-doxorubicin-to-come-only-in-a-request-group",
                expect(
                    "pend",
                    criteria={"I.A.3.a": M, "I.A.4": U},
                    reasons={"I.A.4": ["RequestGroup/ac-cycles-7-8"]},
                ),
                draft=[],
            ),
            request_group,
        ),
        # An adult with metastatic breast cancer: 3 x 60 = 180 mg/m2 here, 240 more at an outside center in
        # 2025 said only in a text treatment summary. Denied before on 180 < 300: the document names
        # doxorubicin, an unknown part of the total
        RecordCase(
            Case(
                "2.2-not-read-pend-outside-doxorubicin-only-in-a-text-document",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={
                        "cumulative_doxorubicin_known_mg_m2": 180.0,
                        "cumulative_doxorubicin_unknown_parts": 1,
                    },
                    reasons={"I.A.3.a": ["DocumentReference/outside-treatment-summary"]},
                ),
                administered=[given("doxorubicin", 3, 60)],
                draft=[Doses("doxorubicin", 3, 60)],
                dexrazoxane=[Doses("dexrazoxane", 3, 600)],
            ),
            document(OUTSIDE_AC),
        ),
        # The summary names no anthracycline: 180 < 300, denied as before
        RecordCase(
            Case(
                "2.2-not-read-deny-outside-summary-naming-no-anthracycline",
                expect("deny", criteria={"I.A.3.a": N}, **DENY_OFF_LABEL),
                administered=[given("doxorubicin", 3, 60)],
                draft=[Doses("doxorubicin", 3, 60)],
                dexrazoxane=[Doses("dexrazoxane", 3, 600)],
            ),
            document(OUTSIDE_TRASTUZUMAB),
        ),
        # The summary as a PDF: its words are not read (docs/decisions.md "A document not read as words"),
        # denied as before
        RecordCase(
            Case(
                "2.2-not-read-deny-outside-summary-as-a-pdf",
                expect("deny", criteria={"I.A.3.a": N}, **DENY_OFF_LABEL),
                administered=[given("doxorubicin", 3, 60)],
                draft=[Doses("doxorubicin", 3, 60)],
                dexrazoxane=[Doses("dexrazoxane", 3, 600)],
            ),
            document(OUTSIDE_AC, "application/pdf"),
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of records read for other facts (eleventh set)")


if __name__ == "__main__":
    main()
