"""The third pass of "not read is not absent" (principle 1): records the service reads nowhere, and the
standard lab codes of a Ph status, as `2.2-not-read-<decision>-<what>.json` cases beside the others.

Each case is a record a payer's clinical pharmacist would meet: the fact is there, in a record of a type no
reader reads for it (a surgical pathology DiagnosticReport, an oncology Encounter, an oncology flowsheet
Observation under the EHR's own code, a CareTeam), or named by a reference to a Condition the search did not
return; or it is a Ph status reported under a standard LOINC code (qualitative BCR-ABL1 21821-4 in words, a
karyotype in ISCN with t(9;22)); or a response to therapy recorded as an mCODE Cancer Disease Status
(LOINC 97509-4). What the service cannot read makes the criterion unknown (pend, the reason naming the
record), what it reads decides, and a record naming something else (another cancer, no drug) changes
nothing. Codes beyond make_cases': ICD-10-CM C81.12, N28.89, Z95.828 (tables of cds_service/data/icd10.json);
LOINC 11529-5 surgical pathology study, 21821-4 t(9;22) fusion transcript [Presence], 62356-1 chromosome
analysis result in ISCN expression, 97509-4 cancer disease progression (mCODE CancerDiseaseStatus); SNOMED CT
302849000 nephroblastoma, 268910001 patient's condition improved, 359746009 patient's condition stable
(mCODE Condition Status Trend value set); NUCC 208M00000X hospitalist, 207RX0202X medical oncology. The
local code system `urn:oid:1.2.840.114350.1.13.0.1.7.2.707679` stands for an EHR vendor's flowsheet rows.

Written by `make_not_read_cases.py` (run it, not this file, so one run keeps every `2.2-not-read-*` case).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from make_cases import ICD10, LOINC, NUCC, SNOMED, TODAY, Case, Doses, days, expect, given
from make_not_read_cases import NotReadCase

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
FLOWSHEET = "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679"
START, LAST_DOX = TODAY.isoformat(), "2027-01-30"
LAST_OF_TWO = days(21).isoformat()
HODGKIN_CHILD: dict[str, Any] = {
    "birth_date": "2011-03-02",
    "specialty": "pediatric hematology-oncology",
    "administered": [given("doxorubicin", 2, 25)],
    "draft": [Doses("doxorubicin", 2, 25)],
    "dexrazoxane": [Doses("dexrazoxane", 2, 250)],
}
WILMS_CHILD: dict[str, Any] = {
    "birth_date": "2022-09-10",
    "specialty": "pediatric hematology-oncology",
    "administered": [given("doxorubicin", 3, 25)],
    "draft": [Doses("doxorubicin", 3, 25)],
    "dexrazoxane": [Doses("dexrazoxane", 3, 250)],
}
ALL_CHILD: dict[str, Any] = {
    "birth_date": "2017-05-02",
    "specialty": "pediatric hematology-oncology",
    "diagnoses": ["ALL"],
    "protocol": "DFCI 16-001",
}
RELAPSED_PH_POSITIVE: dict[str, Any] = {
    "birth_date": "2014-02-20",
    "specialty": "pediatric hematology-oncology",
    "diagnoses": ["ALL in relapse"],
    "protocol": "COG AALL1331",
    "tki_order": "dasatinib",
    "administered": [given("doxorubicin", 4, 25), given("idarubicin", 4, 5, last=days(-105))],
    "draft": [Doses("doxorubicin", 2, 25)],
    "dexrazoxane": [Doses("dexrazoxane", 2, 250)],
}
EXTRAVASATION: dict[str, Any] = {
    "birth_date": "1986-04-10",
    "diagnoses": ["extravasation"],
    "extravasation_onset": days(-1),
    "dexrazoxane_reason": "extravasation",
    "administered": [given("doxorubicin", 3, 60, last=days(-1))],
    "draft": [],
    "dexrazoxane": [
        Doses("dexrazoxane", 2, 2000, "mg", every=1),
        Doses("dexrazoxane", 1, 1000, "mg", first=days(2)),
    ],
}


def _entries(body: Json, key: str) -> list[Json]:
    return [entry["resource"] for entry in body["prefetch"][key].get("entry", [])]


def sent_under(key: str, *resources: Json) -> Callable[[Json], None]:
    """Resources sent under a prefetch key of their own (an EHR sends more than it was asked for)."""

    def edit(body: Json) -> None:
        body["prefetch"][key] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
            "entry": [{"resource": resource} for resource in resources],
        }

    return edit


def problem_list(*coded: tuple[str, str, str]) -> Callable[[Json], None]:
    """The Conditions replaced by problem-list entries that name no qualifying cancer."""

    def edit(body: Json) -> None:
        conditions = [
            {
                "resourceType": "Condition",
                "id": f"problem-{i + 1}",
                "clinicalStatus": {"coding": [{"code": "active"}]},
                "verificationStatus": {"coding": [{"code": "confirmed"}]},
                "code": {"coding": [{"system": ICD10, "code": code, "display": display}], "text": text},
                "subject": {"reference": "Patient/pat"},
            }
            for i, (code, display, text) in enumerate(coded)
        ]
        body["prefetch"]["conditions"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(conditions),
            "entry": [{"resource": condition} for condition in conditions],
        }

    return edit


PORT = ("Z95.828", "Presence of other vascular implants and grafts", "Port-a-cath in place")


def cumulative_dose_row(value: float, when: str) -> Json:
    return {
        "resourceType": "Observation",
        "id": "cumulative-dose",
        "status": "final",
        "category": [{"coding": [{"code": "therapy"}], "text": "Therapy"}],
        "code": {
            "coding": [
                {"system": FLOWSHEET, "code": "30401023", "display": "CUMULATIVE LIFETIME DOSE - DOXORUBICIN"}
            ],
            "text": "Cumulative lifetime anthracycline dose - DOXOrubicin (mg/m2)",
        },
        "subject": {"reference": "Patient/pat"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": "mg/m2"},
        "note": [{"text": "Includes AC x4 (doxorubicin 200 mg/m2) at an outside cancer center, 2025."}],
    }


def oncology_visit(**extra: Any) -> Json:
    return {
        "resourceType": "Encounter",
        "id": "oncology-visit",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [{"text": "Pediatric oncology clinic visit"}],
        "subject": {"reference": "Patient/pat"},
        "period": {"start": f"{days(-7).isoformat()}T09:00:00Z", "end": f"{days(-7).isoformat()}T09:40:00Z"},
        **extra,
    }


HODGKIN_REASON = [
    {
        "coding": [
            {
                "system": ICD10,
                "code": "C81.12",
                "display": "Nodular sclerosis Hodgkin lymphoma, intrathoracic lymph nodes",
            }
        ],
        "text": "Classical Hodgkin lymphoma, nodular sclerosis, stage IIB",
    }
]
PATHOLOGY_REPORT = {
    "resourceType": "DiagnosticReport",
    "id": "surgical-pathology",
    "status": "final",
    "category": [{"coding": [{"code": "SP", "display": "Surgical Pathology"}]}],
    "code": {"coding": [{"system": LOINC, "code": "11529-5", "display": "Surgical pathology study"}]},
    "subject": {"reference": "Patient/pat"},
    "effectiveDateTime": "2026-08-12",
    "conclusion": (
        "RIGHT KIDNEY, RADICAL NEPHRECTOMY: Wilms tumor (nephroblastoma), triphasic, favorable histology."
    ),
    "conclusionCode": [{"coding": [{"system": SNOMED, "code": "302849000", "display": "Nephroblastoma"}]}],
}
RENAL_MASS = ("N28.89", "Other specified disorders of kidney and ureter", "Right renal mass")


def ph_result(code: str, display: str, **value: Any) -> Callable[[Json], None]:
    """The Ph status reported under a standard LOINC code, in place of make_cases' ratio result."""

    def edit(body: Json) -> None:
        result = {
            "resourceType": "Observation",
            "id": "ph-status",
            "status": "final",
            "category": [{"coding": [{"code": "laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": {"reference": "Patient/pat"},
            "effectiveDateTime": "2026-06-01",
            **value,
        }
        body["prefetch"]["bcrAbl1Observations"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 1,
            "entry": [{"resource": result}],
        }

    return edit


QUALITATIVE = (
    "t(9;22)(q34.1;q11)(ABL1,BCR) fusion transcript [Presence] in Blood or Tissue by Molecular genetics "
    "method"
)
KARYOTYPE = "Chromosome analysis result in ISCN expression"


def hospitalist_prescribes(body: Json) -> None:
    role = _entries(body, "practitionerRoles")[0]
    role["specialty"] = [{"coding": [{"system": NUCC, "code": "208M00000X", "display": "Hospitalist"}]}]


CARE_TEAM = {
    "resourceType": "CareTeam",
    "id": "inpatient-team",
    "status": "active",
    "name": "Inpatient treatment team",
    "subject": {"reference": "Patient/pat"},
    "period": {"start": days(-1).isoformat()},
    "participant": [
        {
            "role": [{"coding": [{"system": NUCC, "code": "208M00000X", "display": "Hospitalist"}]}],
            "member": {"reference": "Practitioner/prescriber"},
        },
        {
            "role": [
                {
                    "coding": [
                        {"system": NUCC, "code": "207RX0202X", "display": "Medical Oncology Physician"}
                    ],
                    "text": "Consulting oncologist",
                }
            ],
            "member": {"reference": "Practitioner/consulting-oncologist", "display": "Consulting oncologist"},
            "period": {"start": TODAY.isoformat()},
        },
    ],
}


def disease_status(trend: str, display: str) -> Json:
    return {
        "resourceType": "Observation",
        "id": "cancer-disease-status",
        "status": "final",
        "meta": {"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-cancer-disease-status"]},
        "code": {"coding": [{"system": LOINC, "code": "97509-4", "display": "Cancer disease progression"}]},
        "subject": {"reference": "Patient/pat"},
        "effectiveDateTime": days(-10).isoformat(),
        "valueCodeableConcept": {
            "coding": [{"system": SNOMED, "code": trend, "display": display}],
            "text": "Restaging CT after cycle 4",
        },
    }


def elsewhere_cases() -> list[NotReadCase]:
    return [
        # An outside cumulative dose charted as an oncology flowsheet row under the EHR's own code.
        NotReadCase(
            Case(
                "2.2-not-read-pend-cumulative-doxorubicin-in-a-flowsheet-row",
                expect("pend", criteria={"I.A.3.a": U}, documentation=["I.A.3.a"]),
                administered=[given("doxorubicin", 2, 50)],
            ),
            [sent_under("anthracyclineHistory", cumulative_dose_row(300, days(-21).isoformat()))],
            {"I.A.3.a": ["Observation/cumulative-dose", "a record the service does not read doses from"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-approve-flowsheet-row-beside-a-total-already-300",
                expect("approve", criteria={"I.A.3.a": M}, approval=(START, LAST_DOX)),
            ),
            [sent_under("anthracyclineHistory", cumulative_dose_row(300, days(-21).isoformat()))],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-deny-an-oncology-visit-for-breast-cancer-adds-no-dose",
                expect("deny", criteria={"I.A.3.a": N}, off_label_policies=["CP.CPA.09"]),
                administered=[given("doxorubicin", 4, 50)],
            ),
            [
                sent_under(
                    "encounters",
                    oncology_visit(
                        type=[{"text": "Oncology clinic visit"}],
                        reasonCode=[
                            {
                                "coding": [
                                    {
                                        "system": ICD10,
                                        "code": "C50.911",
                                        "display": "Malignant neoplasm of right breast",
                                    }
                                ],
                                "text": "Breast cancer, right, ER+/HER2-",
                            }
                        ],
                    ),
                )
            ],
        ),
        # A Hodgkin lymphoma only on the oncology Encounter, its Condition named but not returned.
        NotReadCase(
            Case(
                "2.2-not-read-pend-hodgkin-only-on-an-oncology-encounter",
                expect("pend", criteria={"I.A.3.b.iii": U}, documentation=["I.A.3.b.iii"]),
                diagnoses=[],
                **HODGKIN_CHILD,
            ),
            [problem_list(PORT), sent_under("encounters", oncology_visit(reasonCode=HODGKIN_REASON))],
            {"I.A.3.b.iii": ["Encounter/oncology-visit", "C81.12", "not read for diagnoses"]},
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-hodgkin-condition-named-by-an-encounter-but-not-sent",
                expect("pend", criteria={"I.A.3.b.iii": U}, documentation=["I.A.3.b.iii"]),
                diagnoses=[],
                **HODGKIN_CHILD,
            ),
            [
                problem_list(PORT),
                sent_under(
                    "encounters",
                    oncology_visit(
                        diagnosis=[
                            {
                                "condition": {
                                    "reference": "Condition/hodgkin-not-sent",
                                    "display": "Classical Hodgkin lymphoma, nodular sclerosis",
                                },
                                "rank": 1,
                            }
                        ]
                    ),
                ),
            ],
            {"I.A.3.b.iii": ["Condition/hodgkin-not-sent", "not among the Conditions read"]},
        ),
        # The Wilms tumour only in the surgical pathology report; the problem list holds a renal mass.
        NotReadCase(
            Case(
                "2.2-not-read-pend-wilms-only-in-the-surgical-pathology-report",
                expect("pend", criteria={"I.A.3.b.iv": U}, documentation=["I.A.3.b.iv"]),
                diagnoses=[],
                **WILMS_CHILD,
            ),
            [problem_list(RENAL_MASS), sent_under("diagnosticReports", PATHOLOGY_REPORT)],
            {"I.A.3.b.iv": ["DiagnosticReport/surgical-pathology", "302849000", "it could be Wilms tumor"]},
        ),
        # Ph status under the standard LOINC codes: read, so a Ph-negative ALL approves.
        NotReadCase(
            Case(
                "2.2-not-read-approve-ph-negative-by-the-qualitative-bcr-abl1-code-in-words",
                expect("approve", criteria={"I.A.3.b.i": M, "I.A.3.b.i.1": M}, approval=(START, LAST_DOX)),
                **ALL_CHILD,
            ),
            [
                ph_result(
                    "21821-4",
                    QUALITATIVE,
                    valueString="Not detected",
                    interpretation=[{"coding": [{"code": "N", "display": "Normal"}]}],
                )
            ],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-approve-relapsed-ph-positive-by-t9-22-in-the-karyotype",
                expect("approve", criteria={"I.A.3.b.i": M, "I.A.3.b.i.2": M}, approval=(START, LAST_OF_TWO)),
                **RELAPSED_PH_POSITIVE,
            ),
            [ph_result("62356-1", KARYOTYPE, valueString="46,XX,t(9;22)(q34.1;q11.2)[18]/46,XX[2]")],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-a-karyotype-in-prose-is-not-a-ph-status",
                expect("pend", criteria={"I.A.3.b.i.1": U}),
                bcr_abl1=False,
                **ALL_CHILD,
            ),
            [
                lambda body: body["prefetch"]["bcrAbl1Observations"]["entry"].append(
                    {
                        "resource": {
                            "resourceType": "Observation",
                            "id": "karyotype",
                            "status": "final",
                            "code": {"coding": [{"system": LOINC, "code": "62356-1", "display": KARYOTYPE}]},
                            "subject": {"reference": "Patient/pat"},
                            "effectiveDateTime": "2026-06-01",
                            "valueString": "See scanned cytogenetics report",
                        }
                    }
                )
            ],
            {"I.A.3.b.i.1": ["Observation/karyotype", "karyotype whose value cannot be read"]},
        ),
        # The consulting oncologist is on the inpatient care team; the hospitalist prescribes.
        NotReadCase(
            Case(
                "2.2-not-read-pend-oncologist-on-the-care-team-named-beside-i-b-2",
                expect("pend", "I.B", criteria={"I.B.1": M, "I.B.2": U, "I.B.3": M, "I.B.4": M}),
                **EXTRAVASATION,
            ),
            [hospitalist_prescribes, sent_under("careTeams", CARE_TEAM)],
            {"I.B.2": ["CareTeam/inpatient-team", "207RX0202X"]},
        ),
        # Response to therapy as the treating team records it (mCODE Cancer Disease Status).
        NotReadCase(
            Case(
                "2.2-not-read-approve-ii-a-condition-improved-by-cancer-disease-status",
                expect("approve", "II.A", criteria={"II.A": M, "II.A.3": M}, approval=(START, LAST_DOX)),
                prior_dexrazoxane=True,
            ),
            [
                sent_under(
                    "diseaseStatusObservations", disease_status("268910001", "Patient's condition improved")
                )
            ],
        ),
        NotReadCase(
            Case(
                "2.2-not-read-pend-ii-a-condition-stable-is-not-a-positive-response",
                expect("pend", "II.A", criteria={"II.A.3": U}, documentation=["II.A.3"]),
                prior_dexrazoxane=True,
            ),
            [
                sent_under(
                    "diseaseStatusObservations", disease_status("359746009", "Patient's condition stable")
                )
            ],
            {"II.A.3": ["Observation/cancer-disease-status", "patient's condition stable"]},
        ),
    ]
