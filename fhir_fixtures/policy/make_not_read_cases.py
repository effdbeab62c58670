"""Writes the "not read is not absent" cases (rulings of 2026-12-06, principle 1):
`2.2-not-read-<decision>-<what>.json` plus `.expect.json`, each a record of the kind real EHRs send
whose fact is there, in a form the service reads (an OID, WHO ICD-10, a SNOMED CT subtype, a unit in
words, the doxorubicin order's reason) or does not read (a local code system, an unspecific code whose
text names the histology, an outside MedicationStatement, an extravasation stated only in words, a drug
coded only by NDC).

Run from the repository root after `make_cases.py`: `.venv/bin/python
fhir_fixtures/policy/make_not_read_cases.py`. Each case is a `make_cases.Case` on the same baseline patient,
then an edit of the request JSON. The expected decision is the one a payer's clinical pharmacist reaches:
what the service reads decides as before; what it cannot read is never taken for absent (pend, the
criterion unknown), and the expectation's `reasons` names the resource and what was not read. Codes
beyond make_cases': the ICD-10-CM and RxNorm OIDs (2.16.840.1.113883.6.90, .6.88), WHO ICD-10 C91.0 and
ICD-10-CM C85.90 (both in the tables of cds_service/data/icd10.json), SNOMED CT 93514006 Hodgkin's disease,
nodular sclerosis of lymph nodes of axilla and upper limb (HL7 mCODE expansion), SNOMED CT 394593009
medical oncology (FHIR practice setting value set). The local code system `urn:oid:1.2.840.114350.1.13.0`
stands for an EHR vendor's own (any OID not published for a standard system), and the NDC code is a
well-formed one whose product the service has no table for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from make_cases import (
    EXTRAVASATION,
    HERE,
    ICD10,
    SMALL_CHILD_COURSE,
    SNOMED,
    TODAY,
    Case,
    Doses,
    days,
    expect,
    given,
)
from make_cases import request as build_request

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
LOCAL = "urn:oid:1.2.840.114350.1.13.0"  # an EHR's own code system: not read
ICD10CM_OID = "urn:oid:2.16.840.1.113883.6.90"
RXNORM_OID = "urn:oid:2.16.840.1.113883.6.88"
WHO_ICD10 = "http://hl7.org/fhir/sid/icd-10"
NDC = "http://hl7.org/fhir/sid/ndc"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CHILD = {"birth_date": "2016-02-14"}
LAST_OF_TWO = days(21).isoformat()
START, LAST_DOX = TODAY.isoformat(), "2027-01-30"  # four doses every 21 days from today


@dataclass
class NotReadCase:
    case: Case
    edits: list[Callable[[Json], None]] = field(default_factory=list)
    # criterion -> words its reason must hold (what was not read, and where)
    reasons: dict[str, list[str]] = field(default_factory=dict)


def _entries(body: Json, key: str) -> list[Json]:
    return [entry["resource"] for entry in body["prefetch"][key].get("entry", [])]


def _draft(body: Json, rid: str) -> Json:
    return next(e["resource"] for e in body["context"]["draftOrders"]["entry"] if e["resource"]["id"] == rid)


def condition_code(coding: list[Json] | None, text: str | None, index: int = 0) -> Callable[[Json], None]:
    def edit(body: Json) -> None:
        condition = _entries(body, "conditions")[index]
        condition["code"] = {}
        if coding is not None:
            condition["code"]["coding"] = coding
        if text is not None:
            condition["code"]["text"] = text

    return edit


def no_conditions(body: Json) -> None:
    body["prefetch"]["conditions"] = {"resourceType": "Bundle", "type": "searchset", "total": 0}


def doxorubicin_draft_reason(coding: list[Json], text: str) -> Callable[[Json], None]:
    def edit(body: Json) -> None:
        _draft(body, "doxorubicin-draft")["reasonCode"] = [{"coding": coding, "text": text}]

    return edit


def outside_statement(status: str) -> Callable[[Json], None]:
    def edit(body: Json) -> None:
        body["prefetch"]["medicationStatements"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 1,
            "entry": [
                {
                    "resource": {
                        "resourceType": "MedicationStatement",
                        "id": "outside-doxorubicin",
                        "status": status,
                        "medicationCodeableConcept": {
                            "coding": [
                                {
                                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                    "code": "3639",
                                    "display": "doxorubicin",
                                }
                            ],
                            "text": "Doxorubicin (outside records: AC x4, 2019, Regional Cancer Center)",
                        },
                        "subject": {"reference": "Patient/pat"},
                        "effectivePeriod": {"start": "2019-03-01", "end": "2019-05-10"},
                    }
                }
            ],
        }

    return edit


def dexrazoxane_reason_in_words(text: str) -> Callable[[Json], None]:
    def edit(body: Json) -> None:
        _draft(body, "dexrazoxane")["reasonCode"] = [{"text": text}]

    return edit


def units_in_words(body: Json) -> None:
    for administration in _entries(body, "medicationAdministrations"):
        dose = administration["dosage"]["dose"]
        administration["dosage"]["dose"] = {"value": dose["value"], "unit": "milligrams per square metre"}


def drug_by_oid(body: Json) -> None:
    for administration in _entries(body, "medicationAdministrations"):
        for coding in administration["medicationCodeableConcept"]["coding"]:
            coding["system"] = RXNORM_OID


def doxorubicin_order_by_ndc_only(body: Json) -> None:
    _draft(body, "doxorubicin-draft")["medicationCodeableConcept"] = {
        "coding": [{"system": NDC, "code": "0069-3030-20"}]
    }


def requester_an_organization(body: Json) -> None:
    _draft(body, "dexrazoxane")["requester"] = {"reference": "Organization/infusion-center"}
    body["prefetch"]["organization"] = {
        "resourceType": "Organization",
        "id": "infusion-center",
        "name": "Infusion Center",
    }


def specialty_in_snomed(body: Json) -> None:
    role = _entries(body, "practitionerRoles")[0]
    role["specialty"] = [{"coding": [{"system": SNOMED, "code": "394593009", "display": "Medical oncology"}]}]


def hydroxydaunorubicin_charted(body: Json) -> None:
    """R-CHOP charted in a legacy module: the H of CHOP under a local code."""
    for administration in _entries(body, "medicationAdministrations"):
        administration["medicationCodeableConcept"] = {
            "coding": [{"system": LOCAL, "code": "77110", "display": "HYDROXYDAUNORUBICIN (CHOP) INJ"}],
            "text": "HYDROXYDAUNORUBICIN (CHOP) 50 MG/M2 IV PUSH",
        }


def _claim(rid: str, **extra: Any) -> Json:
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": rid,
        "status": "active",
        "use": "claim",
        "patient": {"reference": "Patient/pat"},
        "outcome": "complete",
        **extra,
    }


def claims(*eobs: Json) -> Callable[[Json], None]:
    def edit(body: Json) -> None:
        body["prefetch"]["explanationOfBenefits"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(eobs),
            "entry": [{"resource": eob} for eob in eobs],
        }

    return edit


OUTSIDE_CLAIM = _claim(
    "outside-claim",
    billablePeriod={"start": "2019-03-01", "end": "2019-03-01"},
    provider={"display": "Regional Cancer Center"},
    item=[
        {
            "sequence": 1,
            "productOrService": {
                "coding": [
                    {
                        "system": HCPCS,
                        "code": "J9000",
                        "display": "Injection, doxorubicin hydrochloride, 10 mg",
                    }
                ]
            },
            "servicedDate": "2019-03-01",
            "quantity": {"value": 11, "unit": "UN"},
        }
    ],
)
BILLED_BURKITT = _claim(
    "billed-burkitt",
    billablePeriod={"start": "2026-10-01", "end": "2026-10-01"},
    diagnosis=[
        {
            "sequence": 1,
            "diagnosisCodeableConcept": {
                "coding": [
                    {"system": ICD10, "code": "C83.70", "display": "Burkitt lymphoma, unspecified site"}
                ]
            },
        }
    ],
    item=[{"sequence": 1, "productOrService": {"text": "Office visit"}, "servicedDate": "2026-10-01"}],
)


def bcr_abl1_positive_in_a_panel(body: Json) -> None:
    """A leukemia panel whose BCR-ABL1 fusion result (positive) is a component, beside the negative result
    reported on its own."""
    body["prefetch"]["observations"].setdefault("entry", []).append(
        {
            "resource": {
                "resourceType": "Observation",
                "id": "leukemia-panel",
                "status": "final",
                "code": {"text": "Leukemia molecular panel"},
                "subject": {"reference": "Patient/pat"},
                "effectiveDateTime": "2026-09-01",
                "component": [
                    {
                        "code": {
                            "coding": [{"system": "http://loinc.org", "code": "46434-7"}],
                            "text": "BCR-ABL1 fusion transcript",
                        },
                        "valueCodeableConcept": {
                            "coding": [{"system": SNOMED, "code": "10828004", "display": "Positive"}]
                        },
                    }
                ],
            }
        }
    )


HODGKIN_CHILD: dict[str, Any] = {**CHILD, "diagnoses": ["Hodgkin lymphoma"], **SMALL_CHILD_COURSE}
BURKITT_CHILD: dict[str, Any] = {**CHILD, "diagnoses": ["Burkitt lymphoma"], **SMALL_CHILD_COURSE}
ALL_CHILD: dict[str, Any] = {
    "birth_date": "2017-05-02",
    "specialty": "pediatric hematology-oncology",
    "diagnoses": ["ALL"],
    "bcr_abl1": False,
    "protocol": "DFCI 16-001",
}
SARCOMA_COURSE: dict[str, Any] = {
    "diagnoses": ["soft tissue sarcoma"],
    "administered": [given("doxorubicin", 3, 50)],
    "draft": [Doses("doxorubicin", 2, 50)],
    "dexrazoxane": [Doses("dexrazoxane", 2, 500)],
}


def cases() -> list[NotReadCase]:
    return [
        # Code systems by each published identifier: read as the canonical URI.
        NotReadCase(
            Case(
                "2.2-not-read-approve-hodgkin-coded-by-the-icd-10-cm-oid",
                expect("approve", criteria={"I.A.3.b.iii": M}, approval=(START, LAST_OF_TWO)),
                **HODGKIN_CHILD,
            ),
            [condition_code([{"system": ICD10CM_OID, "code": "C81.10"}], "Hodgkin lymphoma")],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-approve-all-coded-in-who-icd-10",
                expect("approve", criteria={"I.A.3.b.i": M, "I.A.3.b.i.1": M}, approval=(START, LAST_DOX)),
                **ALL_CHILD,
            ),
            [condition_code([{"system": WHO_ICD10, "code": "C91.0"}], "Acute lymphoblastic leukaemia")],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-approve-hodgkin-subtype-by-a-snomed-descendant",
                expect("approve", criteria={"I.A.3.b.iii": M}, approval=(START, LAST_OF_TWO)),
                **HODGKIN_CHILD,
            ),
            [
                condition_code(
                    [
                        {
                            "system": SNOMED,
                            "code": "93514006",
                            "display": "Hodgkin's disease, nodular sclerosis of lymph nodes of axilla AND/OR "
                            "upper limb",
                        }
                    ],
                    None,
                )
            ],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-approve-doxorubicin-coded-by-the-rxnorm-oid",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0},
                ),
            ),
            [drug_by_oid],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-approve-dose-units-in-words",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0},
                ),
            ),
            [units_in_words],
        ),
        # Not read: the criterion is unknown, never not met.
        NotReadCase(
            Case(
                "2.2-not-read-pend-hodgkin-coded-in-a-local-code-system",
                expect("pend", criteria={"I.A.3.b.iii": U}, documentation=["I.A.3.b.iii"]),
                **HODGKIN_CHILD,
            ),
            [condition_code([{"system": LOCAL, "code": "ONC-3317"}], "Classical Hodgkin lymphoma")],
            {"I.A.3.b.iii": ["Condition/dx-1", LOCAL, "Hodgkin"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-burkitt-named-only-in-the-text-of-c85.90",
                expect("pend", criteria={"I.A.3.b.ii": U}, documentation=["I.A.3.b.ii"]),
                **BURKITT_CHILD,
            ),
            [
                condition_code(
                    [
                        {
                            "system": ICD10,
                            "code": "C85.90",
                            "display": "Non-Hodgkin lymphoma, unspecified, unspecified site",
                        }
                    ],
                    "Burkitt lymphoma, abdominal",
                )
            ],
            {"I.A.3.b.ii": ["Condition/dx-1", "C85.90", "does not name a histology"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-leukemia-subtype-by-an-unlisted-snomed-concept",
                expect("pend", criteria={"I.A.3.b.i": U}),
                **ALL_CHILD,
            ),
            [
                condition_code(
                    [
                        {
                            "system": SNOMED,
                            "code": "999000001",  # any concept the service does not list
                            "display": "Precursor B-cell lymphoblastic leukemia",
                        }
                    ],
                    None,
                )
            ],
            {"I.A.3.b.i": ["Condition/dx-1", "SNOMED CT 999000001"]},
        ),
        # The draft orders are one request: the doxorubicin order's reason is a diagnosis too.
        NotReadCase(
            Case(
                "2.2-not-read-approve-sarcoma-on-the-doxorubicin-order-signed-together",
                expect("approve", criteria={"I.A.3.b.vi": M}, approval=(START, LAST_OF_TWO)),
                **SARCOMA_COURSE,
            ),
            [
                no_conditions,
                doxorubicin_draft_reason(
                    [
                        {
                            "system": ICD10,
                            "code": "C49.4",
                            "display": "Malignant neoplasm of connective and soft tissue of abdomen",
                        }
                    ],
                    "Retroperitoneal leiomyosarcoma",
                ),
            ],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-prior-doxorubicin-in-an-outside-medication-statement",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"cumulative_doxorubicin_mg_m2": None, "cumulative_doxorubicin_known_mg_m2": 250.0},
                    documentation=["I.A.3.a"],
                ),
                administered=[given("doxorubicin", 5, 50)],
            ),
            [outside_statement("completed")],
            {"I.A.3.a": ["MedicationStatement/outside-doxorubicin", "does not read doses from"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-deny-outside-doxorubicin-statement-not-taken",
                expect("deny", criteria={"I.A.3.a": N}, off_label_policies=["CP.CPA.09"]),
                administered=[given("doxorubicin", 5, 50)],
            ),
            [outside_statement("not-taken")],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-extravasation-stated-only-in-the-order-reason-text",
                expect("pend", "I.A", criteria={"I.A.1": U}),
                **{**EXTRAVASATION, "diagnoses": [], "dexrazoxane_reason": None},
            ),
            [dexrazoxane_reason_in_words("Doxorubicin extravasation, left forearm, yesterday 14:10")],
            {"I.A.1": ["MedicationRequest/dexrazoxane", "extravasation only in words"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-doxorubicin-order-coded-only-by-ndc",
                expect("pend", criteria={"I.A.3.a": M, "I.A.4": U}),
            ),
            [doxorubicin_order_by_ndc_only],
            {"I.A.4": ["MedicationRequest/doxorubicin-draft", NDC]},
        ),
        # An extravasation under a code that names no drug (WHO ICD-10 has none; ICD-10-CM T80.8- other than
        # T80.810), with words naming one: I.B for an extravasation course, I.B.1 unknown, I.B.4 read.
        NotReadCase(
            Case(
                "2.2-not-read-pend-extravasation-in-who-t80.8-whose-text-names-doxorubicin",
                expect(
                    "pend",
                    "I.B",
                    criteria={"I.B.1": U, "I.B.2": M, "I.B.3": M, "I.B.4": M},
                    documentation=["I.B.1"],
                ),
                **{**EXTRAVASATION, "dexrazoxane_reason": None},
            ),
            [
                condition_code(
                    [
                        {
                            "system": WHO_ICD10,
                            "code": "T80.8",
                            "display": "Other complications following infusion, transfusion and therapeutic "
                            "injection",
                        }
                    ],
                    "Extravasation of doxorubicin, left forearm (peripheral IV)",
                )
            ],
            {"I.B.1": ["Condition/dx-1", "T80.8", "extravasation of doxorubicin"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-extravasation-in-icd-10-cm-t80.818-whose-text-names-doxorubicin",
                expect("pend", "I.B", criteria={"I.B.1": U, "I.B.4": M}, documentation=["I.B.1"]),
                **{**EXTRAVASATION, "dexrazoxane_reason": None},
            ),
            [
                condition_code(
                    [
                        {
                            "system": ICD10,
                            "code": "T80.818A",
                            "display": "Extravasation of other vesicant agent, initial encounter",
                        }
                    ],
                    "Doxorubicin extravasation at the port site",
                )
            ],
            {"I.B.1": ["Condition/dx-1", "T80.818A"]},
        ),
        # The same unspecific code naming another complication is read as that complication.
        NotReadCase(
            Case(
                "2.2-not-read-deny-infusion-phlebitis-in-who-t80.8-is-not-an-extravasation",
                expect("deny", "I.A", criteria={"I.A.4": N}, off_label_policies=["CP.CPA.09"]),
                **{**EXTRAVASATION, "dexrazoxane_reason": None},
            ),
            [condition_code([{"system": WHO_ICD10, "code": "T80.8"}], "Phlebitis following infusion")],
        ),
        # Soft tissue sarcoma is coded by its tissue (C49.0-C49.9, and its SNOMED CT equivalents).
        NotReadCase(
            Case(
                "2.2-not-read-approve-soft-tissue-sarcoma-coded-c49-without-histology",
                expect("approve", criteria={"I.A.3.b.vi": M}, approval=(START, LAST_OF_TWO)),
                **SARCOMA_COURSE,
            ),
            [
                condition_code(
                    [
                        {
                            "system": ICD10,
                            "code": "C49.4",
                            "display": "Malignant neoplasm of connective and soft tissue of abdomen",
                        }
                    ],
                    None,
                )
            ],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-approve-soft-tissue-sarcoma-by-snomed-soft-tissues-of-lower-limb",
                expect("approve", criteria={"I.A.3.b.vi": M}, approval=(START, LAST_OF_TWO)),
                **SARCOMA_COURSE,
            ),
            [
                condition_code(
                    [
                        {
                            "system": SNOMED,
                            "code": "94057003",
                            "display": "Primary malignant neoplasm of soft tissues of lower limb",
                        }
                    ],
                    None,
                )
            ],
        ),
        # A child's bladder is a classic rhabdomyosarcoma site: a site code, not a histology.
        NotReadCase(
            Case(
                "2.2-not-read-pend-childs-bladder-c67-without-histology",
                expect("pend", criteria={"I.A.3.b.vi": U}, documentation=["I.A.3.b.vi"]),
                **{
                    **SARCOMA_COURSE,
                    "birth_date": "2023-06-02",
                    "specialty": "pediatric hematology-oncology",
                },
            ),
            [
                condition_code(
                    [
                        {
                            "system": ICD10,
                            "code": "C67.9",
                            "display": "Malignant neoplasm of bladder, unspecified",
                        }
                    ],
                    None,
                )
            ],
            {"I.A.3.b.vi": ["coded by site only", "send the pathology"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-deny-adults-bladder-c67-is-read-as-the-carcinoma-it-is",
                expect("deny", criteria={"I.A.3.b.vi": N}, off_label_policies=["CP.CPA.09"]),
                **SARCOMA_COURSE,
            ),
            [
                condition_code(
                    [
                        {
                            "system": ICD10,
                            "code": "C67.9",
                            "display": "Malignant neoplasm of bladder, unspecified",
                        }
                    ],
                    None,
                )
            ],
        ),
        # Drug names: the H of CHOP is doxorubicin.
        NotReadCase(
            Case(
                "2.2-not-read-approve-r-chop-doxorubicin-charted-as-hydroxydaunorubicin",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0},
                ),
            ),
            [hydroxydaunorubicin_charted],
        ),
        # Prior doxorubicin known only from claims: an outside record.
        NotReadCase(
            Case(
                "2.2-not-read-pend-prior-doxorubicin-billed-on-a-claim",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"cumulative_doxorubicin_mg_m2": None, "cumulative_doxorubicin_known_mg_m2": 250.0},
                    documentation=["I.A.3.a"],
                ),
                administered=[given("doxorubicin", 5, 50)],
            ),
            [claims(OUTSIDE_CLAIM)],
            {"I.A.3.a": ["ExplanationOfBenefit/outside-claim", "billed on a claim"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-burkitt-found-only-on-a-claim",
                expect("pend", criteria={"I.A.3.b.ii": U}, documentation=["I.A.3.b.ii"]),
                **BURKITT_CHILD,
            ),
            [no_conditions, claims(BILLED_BURKITT)],
            {"I.A.3.b.ii": ["ExplanationOfBenefit/billed-burkitt", "billed on a claim"]},
        ),
        # A BCR-ABL1 result in a panel's component is a result: Ph-positive, so not the Ph-negative protocol.
        NotReadCase(
            Case(
                "2.2-not-read-pend-ph-positive-reported-in-a-panel-component",
                expect("pend", criteria={"I.A.3.b.i.1": N, "I.A.3.b.i.2": U}),
                **ALL_CHILD,
            ),
            [bcr_abl1_positive_in_a_panel],
        ),
        # Who prescribes: the signing user when the requester is an Organization.
        NotReadCase(
            Case(
                "2.2-not-read-approve-requester-an-organization-the-signing-user-prescribes",
                expect("approve", criteria={"I.A.2": M}, approval=(START, LAST_DOX)),
            ),
            [requester_an_organization],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-approve-prescriber-specialty-in-snomed-ct",
                expect("approve", criteria={"I.A.2": M}, approval=(START, LAST_DOX)),
            ),
            [specialty_in_snomed],
        ),
    ]


def request(record: NotReadCase) -> Json:
    body = build_request(record.case)
    for edit in record.edits:
        edit(body)
    return body


def main() -> None:
    # The third pass's cases (records no reader reads, standard Ph status codes, disease status) live in
    # make_not_read_elsewhere_cases.py and are written here, so one run keeps every case it owns.
    from make_not_read_elsewhere_cases import elsewhere_cases

    for old in HERE.glob("2.2-not-read-*.json"):
        if "regimen" not in old.name:  # make_cases_2_2_timing.py's cases
            old.unlink()
    every = cases() + elsewhere_cases()
    for record in every:
        expected = dict(record.case.expect)
        if record.reasons:
            expected["reasons"] = record.reasons
        (HERE / f"{record.case.name}.json").write_text(
            json.dumps(request(record), indent=2, ensure_ascii=False) + "\n"
        )
        (HERE / f"{record.case.name}.expect.json").write_text(
            json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
        )
    print(f"wrote {len(every)} not-read cases to {HERE}")


if __name__ == "__main__":
    main()
