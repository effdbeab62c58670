"""Writes the CP.PHAR.418 policy cases: one order-sign request per case plus `<name>.expect.json`.

Run from the repository root: `.venv/bin/python fhir_fixtures/policy/make_cases.py`. The JSON is
committed; tests read the JSON, never this script. Each case is a compact description (age, coverage,
prescriber, diagnoses, doses given and ordered, documentation) on top of a baseline patient; the
expected outcome is worked by hand from the policy (policy/CP.PHAR.418-dexrazoxane.md) and docs/decisions.md,
docs/facts.md and docs/determination.md.

Codes are those cds_service/clinical/codes.py marks [V]: ICD-10-CM, SNOMED CT, RxNorm ingredients
(doxorubicin 3639, epirubicin 3995, idarubicin 5650, imatinib 282388, dasatinib 475342), dexrazoxane by
ATC V03AF02 with its name, NUCC taxonomy, LOINC body measures and BCR-ABL1, SOPT coverage types. The one
exception is the non-oncology prescriber, NUCC 207R00000X Internal Medicine (the parent of the [V]
internal medicine subspecialties), needed to show a prescriber who is neither oncologist nor hematologist.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TODAY = date(2026, 11, 28)
PATIENT = "pat"

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
NUCC = "http://nucc.org/provider-taxonomy"
SOPT = "https://nahdo.org/sopt"
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
QUESTIONNAIRE = "http://127.0.0.1:8080/fhir/Questionnaire/cp-phar-418-dexrazoxane|2026.05.1"

Json = dict[str, Any]


def concept(system: str, code: str, display: str, text: str | None = None) -> Json:
    found: Json = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        found["text"] = text
    return found


DRUGS: dict[str, Json] = {
    "doxorubicin": concept(RXNORM, "3639", "doxorubicin", "Doxorubicin"),
    "epirubicin": concept(RXNORM, "3995", "epirubicin", "Epirubicin"),
    "idarubicin": concept(RXNORM, "5650", "idarubicin", "Idarubicin"),
    "dasatinib": concept(RXNORM, "475342", "dasatinib", "Dasatinib"),
    "imatinib": concept(RXNORM, "282388", "imatinib", "Imatinib"),
    "dexrazoxane": concept(ATC, "V03AF02", "dexrazoxane", "Dexrazoxane"),
}

DIAGNOSES: dict[str, list[tuple[str, str, str]]] = {
    "metastatic breast cancer": [
        (ICD10, "C50.911", "Malignant neoplasm of unspecified site of right female breast"),
        (ICD10, "C79.51", "Secondary malignant neoplasm of bone"),
    ],
    "ALL": [(ICD10, "C91.00", "Acute lymphoblastic leukemia not having achieved remission")],
    "ALL in relapse": [(ICD10, "C91.02", "Acute lymphoblastic leukemia, in relapse")],
    "Ph-positive ALL": [
        (SNOMED, "426955004", "Philadelphia chromosome-positive acute lymphoblastic leukemia")
    ],
    "Burkitt lymphoma": [(ICD10, "C83.70", "Burkitt lymphoma, unspecified site")],
    "Hodgkin lymphoma": [(ICD10, "C81.10", "Nodular sclerosis Hodgkin lymphoma, unspecified site")],
    "Wilms tumor": [
        (SNOMED, "302849000", "Nephroblastoma"),
        (ICD10, "C64.1", "Malignant neoplasm of right kidney"),
    ],
    "neuroblastoma": [(SNOMED, "432328008", "Neuroblastoma")],
    "soft tissue sarcoma": [(ICD10, "C49.4", "Malignant neoplasm of connective and soft tissue of abdomen")],
    "extravasation": [
        (ICD10, "T80.810A", "Extravasation of vesicant antineoplastic chemotherapy, initial encounter")
    ],
}

SPECIALTIES = {
    "medical oncology": ("207RX0202X", "Internal Medicine, Medical Oncology"),
    "hematology": ("207RH0000X", "Internal Medicine, Hematology"),
    "pediatric hematology-oncology": ("2080P0207X", "Pediatrics, Pediatric Hematology-Oncology"),
    "internal medicine": ("207R00000X", "Internal Medicine"),
}

SOPT_TYPES = {
    "commercial": ("5", "PRIVATE HEALTH INSURANCE"),
    "medicaid": ("2", "MEDICAID"),
    "medicare": ("1", "MEDICARE"),
}


@dataclass(frozen=True)
class Doses:
    """``count`` doses of ``amount`` ``unit``, one every ``every`` days from ``first``."""

    drug: str
    count: int
    amount: float
    unit: str = "mg/m2"
    first: date = TODAY
    every: int = 21

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=self.every * i) for i in range(self.count)]


def given(
    drug: str, count: int, amount: float, unit: str = "mg/m2", *, last: date = TODAY - timedelta(days=21)
) -> Doses:
    """Doses already administered every 21 days, the last three weeks before today."""
    return Doses(drug, count, amount, unit, first=last - timedelta(days=21 * (count - 1)))


@dataclass
class Case:
    name: str
    expect: Json
    birth_date: str | None = "1972-03-15"
    coverage: str | None = "commercial"
    specialty: str | None = "medical oncology"
    diagnoses: list[str] = field(default_factory=lambda: ["metastatic breast cancer"])
    administered: list[Doses] = field(default_factory=lambda: [given("doxorubicin", 6, 50)])
    draft: list[Doses] = field(default_factory=lambda: [Doses("doxorubicin", 4, 50)])
    active: list[Doses] = field(default_factory=list)
    dexrazoxane: list[Doses] = field(default_factory=lambda: [Doses("dexrazoxane", 4, 500)])
    dexrazoxane_reason: str | None = None
    body: dict[str, float] = field(default_factory=dict)  # "bsa" m2, "height" cm, "weight" kg
    bcr_abl1: bool | None = None  # True positive, False negative, None no result
    protocol: str | None = None  # "DFCI 16-001" | "COG AALL1331"
    chest_radiation: bool = False
    oncology_referral: bool = False
    documented: dict[str, bool] = field(default_factory=dict)
    extravasation_onset: date | None = None
    prior_dexrazoxane: bool = False
    tki_order: str | None = None  # "dasatinib" | "imatinib": an active order
    # prefetch keys whose Bundle reports a total above the entries it holds (docs/facts.md "Record integrity")
    short_of_total: tuple[str, ...] = ()


def bundle(resources: list[Json]) -> Json:
    found: Json = {"resourceType": "Bundle", "type": "searchset", "total": len(resources)}
    if resources:
        found["entry"] = [
            {"fullUrl": f"http://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ]
    return found


def subject() -> Json:
    return {"reference": f"Patient/{PATIENT}"}


def quantity(value: float, unit: str) -> Json:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def administrations(doses: Doses, prefix: str) -> list[Json]:
    return [
        {
            "resourceType": "MedicationAdministration",
            "id": f"{prefix}-{i + 1}",
            "status": "completed",
            "medicationCodeableConcept": DRUGS[doses.drug],
            "subject": subject(),
            "effectiveDateTime": f"{when.isoformat()}T09:00:00Z",
            "dosage": {"dose": quantity(doses.amount, doses.unit)},
        }
        for i, when in enumerate(doses.dates())
    ]


def dosage(doses: Doses, sequence: int) -> Json:
    return {
        "sequence": sequence,
        "text": f"{doses.amount:g} {doses.unit} IV every {doses.every} days, {doses.count} doses",
        "timing": {
            "repeat": {
                "boundsPeriod": {"start": doses.first.isoformat()},
                "count": doses.count,
                "frequency": 1,
                "period": doses.every,
                "periodUnit": "d",
            }
        },
        "route": concept(SNOMED, "47625008", "Intravenous route"),
        "doseAndRate": [{"doseQuantity": quantity(doses.amount, doses.unit)}],
    }


def medication_request(rid: str, series: list[Doses], status: str, reason: str | None = None) -> Json:
    order: Json = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": DRUGS[series[0].drug],
        "subject": subject(),
        "authoredOn": TODAY.isoformat(),
        "requester": {"reference": "Practitioner/prescriber"},
        "dosageInstruction": [dosage(doses, i + 1) for i, doses in enumerate(series)],
    }
    if reason:
        order["reasonCode"] = [concept(*DIAGNOSES[reason][0])]
    return order


def conditions(case: Case) -> list[Json]:
    found: list[Json] = []
    for i, name in enumerate(case.diagnoses):
        condition: Json = {
            "resourceType": "Condition",
            "id": f"dx-{i + 1}",
            "clinicalStatus": concept(CLINICAL_STATUS, "active", "Active"),
            "verificationStatus": concept(
                "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"
            ),
            "code": {
                "coding": [{"system": s, "code": c, "display": d} for s, c, d in DIAGNOSES[name]],
                "text": name,
            },
            "subject": subject(),
        }
        if name == "extravasation" and case.extravasation_onset:
            condition["onsetDateTime"] = case.extravasation_onset.isoformat()
        found.append(condition)
    return found


def observations(case: Case) -> list[Json]:
    codes = {
        "bsa": ("8277-6", "Body surface area", "m2"),
        "height": ("8302-2", "Body height", "cm"),
        "weight": ("29463-7", "Body weight", "kg"),
    }
    return [
        {
            "resourceType": "Observation",
            "id": f"obs-{key}",
            "status": "final",
            "category": [
                concept(
                    "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs"
                )
            ],
            "code": concept(LOINC, codes[key][0], codes[key][1]),
            "subject": subject(),
            "effectiveDateTime": f"{(TODAY - timedelta(days=1)).isoformat()}T08:00:00Z",
            "valueQuantity": quantity(value, codes[key][2]),
        }
        for key, value in case.body.items()
    ]


def bcr_abl1(case: Case) -> list[Json]:
    if case.bcr_abl1 is None:
        return []
    interpretation = ("POS", "Positive") if case.bcr_abl1 else ("NEG", "Negative")
    answer = ("10828004", "Positive") if case.bcr_abl1 else ("260385009", "Negative")
    return [
        {
            "resourceType": "Observation",
            "id": "bcr-abl1",
            "status": "final",
            "code": concept(
                LOINC,
                "46434-7",
                "t(9;22)(q34.1;q11)(ABL1,BCR) fusion transcript/control transcript [# Ratio] in Blood or "
                "Tissue by Molecular genetics method",
            ),
            "subject": subject(),
            "effectiveDateTime": "2026-06-01",
            "valueCodeableConcept": concept(SNOMED, answer[0], answer[1], answer[1]),
            "interpretation": [concept(INTERPRETATION, *interpretation)],
        }
    ]


def research(case: Case) -> list[Json]:
    if case.protocol is None:
        return []
    nct, title = {
        "DFCI 16-001": (
            "NCT03020030",
            "DFCI ALL Consortium Protocol 16-001: Treatment of Newly Diagnosed ALL in Children and "
            "Adolescents",
        ),
        "COG AALL1331": (
            "NCT02101853",
            "COG AALL1331: Risk-Stratified Randomized Phase III Testing of Blinatumomab in First Relapse "
            "of Childhood B-ALL",
        ),
    }[case.protocol]
    return [
        {
            "resourceType": "ResearchSubject",
            "id": "enrollment",
            "status": "on-study",
            "study": {"reference": "ResearchStudy/study"},
            "individual": subject(),
        },
        {
            "resourceType": "ResearchStudy",
            "id": "study",
            "status": "active",
            "identifier": [{"system": "https://clinicaltrials.gov", "value": nct}, {"value": case.protocol}],
            "title": title,
        },
    ]


def procedures(case: Case) -> list[Json]:
    if not case.chest_radiation:
        return []
    return [
        {
            "resourceType": "Procedure",
            "id": "chest-radiation",
            "status": "completed",
            "category": concept(SNOMED, "108290001", "Radiation oncology AND/OR radiotherapy"),
            "code": concept(SNOMED, "1217123003", "Radiotherapy course of treatment"),
            "subject": subject(),
            "performedPeriod": {"start": "2026-08-03", "end": "2026-08-21"},
            "bodySite": [concept(SNOMED, "78904004", "Chest wall structure")],
        }
    ]


def service_requests(case: Case) -> list[Json]:
    if not case.oncology_referral:
        return []
    code, display = SPECIALTIES["medical oncology"]
    return [
        {
            "resourceType": "ServiceRequest",
            "id": "oncology-referral",
            "status": "completed",
            "intent": "order",
            "category": [concept(SNOMED, "3457005", "Patient referral")],
            "code": concept(SNOMED, "3457005", "Patient referral"),
            "subject": subject(),
            "authoredOn": "2026-05-20",
            "performerType": concept(NUCC, code, display),
        }
    ]


def questionnaire_responses(case: Case) -> list[Json]:
    if not case.documented:
        return []
    return [
        {
            "resourceType": "QuestionnaireResponse",
            "id": "documentation",
            "questionnaire": QUESTIONNAIRE,
            "status": "completed",
            "subject": subject(),
            "authored": f"{(TODAY - timedelta(days=1)).isoformat()}T16:00:00Z",
            "item": [
                {
                    "linkId": "pathway-" + (criterion.split(".")[0] + "." + criterion.split(".")[1]),
                    "item": [{"linkId": criterion, "answer": [{"valueBoolean": value}]}],
                }
                for criterion, value in case.documented.items()
            ],
        }
    ]


def request(case: Case) -> Json:
    dexrazoxane = medication_request("dexrazoxane", case.dexrazoxane, "draft", case.dexrazoxane_reason)
    drafts = [dexrazoxane] + [medication_request(f"{d.drug}-draft", [d], "draft") for d in case.draft]
    active = [medication_request(f"{d.drug}-active", [d], "active") for d in case.active]
    if case.tki_order:
        active.append(
            medication_request(
                f"{case.tki_order}-active", [Doses(case.tki_order, 60, 60, "mg", every=1)], "active"
            )
        )
    given_doses = [
        a for i, d in enumerate(case.administered) for a in administrations(d, f"{d.drug}-given-{i + 1}")
    ]
    if case.prior_dexrazoxane:
        given_doses += administrations(given("dexrazoxane", 1, 500), "dexrazoxane-given")
    patient: Json = {
        "resourceType": "Patient",
        "id": PATIENT,
        "gender": "female",
        "name": [{"family": "Case", "given": [case.name]}],
    }
    if case.birth_date:
        patient["birthDate"] = case.birth_date
    role: Json = {
        "resourceType": "PractitionerRole",
        "id": "prescriber-role",
        "active": True,
        "practitioner": {"reference": "Practitioner/prescriber"},
    }
    if case.specialty:
        role["specialty"] = [concept(NUCC, *SPECIALTIES[case.specialty])]
    coverage = None
    if case.coverage:
        code, display = SOPT_TYPES[case.coverage]
        coverage = bundle(
            [
                {
                    "resourceType": "Coverage",
                    "id": "coverage",
                    "status": "active",
                    "type": concept(SOPT, code, display),
                    "beneficiary": subject(),
                    "payor": [{"display": "Example Health Plan"}],
                }
            ]
        )
    found: Json = {
        "hook": "order-sign",
        "hookInstance": str(uuid.uuid5(uuid.NAMESPACE_URL, f"cp-phar-418/{case.name}")),
        "context": {
            "userId": "Practitioner/prescriber",
            "patientId": PATIENT,
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": r} for r in drafts],
            },
        },
        "prefetch": {
            "patient": patient,
            "coverage": coverage,
            "practitioner": {
                "resourceType": "Practitioner",
                "id": "prescriber",
                "name": [{"family": "Prescriber"}],
            },
            "practitionerRoles": bundle([role]),
            "medicationAdministrations": bundle(given_doses),
            "medicationRequests": bundle(active),
            "conditions": bundle(conditions(case)),
            "observations": bundle(observations(case)),
            "procedures": bundle(procedures(case)),
            "serviceRequests": bundle(service_requests(case)),
            "researchSubjects": bundle(research(case)),
            "carePlans": bundle([]),
            "bcrAbl1Observations": bundle(bcr_abl1(case)),
            "questionnaireResponses": bundle(questionnaire_responses(case)),
        },
    }
    for key in case.short_of_total:
        found["prefetch"][key]["total"] += 1
    return found


def expect(
    decision: str,
    pathway: str | None = "I.A",
    criteria: dict[str, str] | None = None,
    approval: tuple[str, str] | None = None,
    facts: Json | None = None,
    **more: Any,
) -> Json:
    found: Json = {
        "today": TODAY.isoformat(),
        "decision": decision,
        "pathway": pathway,
        "criteria": criteria or {},
        "approval": {"start": approval[0], "end": approval[1]} if approval else None,
    }
    if facts:
        found["facts"] = facts
    found.update(more)
    return found


M, N, U = "met", "not_met", "unknown"
START, LAST_DOX = TODAY.isoformat(), "2027-01-30"  # four doses every 21 days from today: the last on Jan 30


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


ADULT_FACTS = {
    "age_years": 54,
    "line_of_business": "commercial",
    "cumulative_doxorubicin_mg_m2": 300.0,
    "planned_doxorubicin_mg_m2": 500.0,
    "dexrazoxane_dose_mg_m2": 500.0,
    "doxorubicin_dose_mg_m2": 50.0,
    "dose_ratio": 10.0,
}
CHILD_ALL = {"birth_date": "2017-05-02", "specialty": "pediatric hematology-oncology"}
PH_NEGATIVE_DFCI = {**CHILD_ALL, "diagnoses": ["ALL"], "bcr_abl1": False, "protocol": "DFCI 16-001"}
RELAPSED_PH_POSITIVE = {
    "birth_date": "2014-02-20",
    "specialty": "pediatric hematology-oncology",
    "diagnoses": ["ALL in relapse", "Ph-positive ALL"],
    "protocol": "COG AALL1331",
    "tki_order": "dasatinib",
    # 100 mg/m² doxorubicin + 20 mg/m² idarubicin (x5 = 100) given, 50 mg/m² doxorubicin to come: 250
    "administered": [given("doxorubicin", 4, 25), given("idarubicin", 4, 5, last=days(-105))],
    "draft": [Doses("doxorubicin", 2, 25)],
    "dexrazoxane": [Doses("dexrazoxane", 2, 250)],
}
SMALL_CHILD_COURSE = {
    "administered": [given("doxorubicin", 2, 25)],
    "draft": [Doses("doxorubicin", 2, 25)],
    "dexrazoxane": [Doses("dexrazoxane", 2, 250)],
    "specialty": "pediatric hematology-oncology",
}
LAST_OF_TWO = days(21).isoformat()
EXTRAVASATION = {
    "birth_date": "1986-04-10",
    "diagnoses": ["extravasation"],
    "extravasation_onset": days(-1),
    "dexrazoxane_reason": "extravasation",
    # the third doxorubicin dose is the infusion that extravasated: T80.810 alone names no anthracycline
    "administered": [given("doxorubicin", 3, 60, last=days(-1))],
    "draft": [],
    "dexrazoxane": [
        Doses("dexrazoxane", 2, 2000, "mg", every=1),
        Doses("dexrazoxane", 1, 1000, "mg", first=days(2)),
    ],
}
EXTRAVASATION_MET = {"I.B": M, "I.B.1": M, "I.B.2": M, "I.B.3": M, "I.B.4": M, "II.B": M}
ALL_THREE = ["CP.CPA.09", "HIM.PA.154", "CP.PMN.53"]


def cases() -> list[Case]:
    return [
        # I.A.3.a: adult with a cumulative doxorubicin dose of at least 300 mg/m²
        Case(
            "I.A.3.a-approve-adult-cumulative-300",
            expect(
                "approve",
                criteria={
                    "I.A": M,
                    "I.A.1": M,
                    "I.A.2": M,
                    "I.A.3": M,
                    "I.A.3.a": M,
                    "I.A.3.b": N,
                    "I.A.4": M,
                    "I.A.5": M,
                    "I.A.5.a": M,
                },
                approval=(START, LAST_DOX),
                facts=ADULT_FACTS,
                documentation=[],
            ),
        ),
        Case(
            "I.A.3.a-deny-cumulative-299",
            expect(
                "deny",
                criteria={"I.A": N, "I.A.3": N, "I.A.3.a": N, "I.A.3.b": N, "I.C.2": M},
                facts={"cumulative_doxorubicin_mg_m2": 299.0},
                off_label_policies=["CP.CPA.09"],
            ),
            administered=[given("doxorubicin", 5, 50), given("doxorubicin", 1, 49, last=days(-7))],
        ),
        Case(
            # "A partial read is not a record", docs/prefetch.md "Partial reads": the client's Coverage Bundle
            # says 2 and holds 1, and there is no fhirServer to read the rest; the one not read could be
            # Medicare.
            "partial-read-pend-coverage-bundle-total-above-entries",
            expect(
                "pend",
                criteria={"I.A": M},
                facts={"line_of_business": None, "cumulative_doxorubicin_mg_m2": 300.0},
                documentation=["coverage"],
                if_policy_applies="approve",
            ),
            short_of_total=("coverage",),
        ),
        Case(
            "I.A.3.a-pend-mg-doses-without-body-measures",
            expect(
                "pend",
                criteria={"I.A": U, "I.A.3.a": U},
                facts={"cumulative_doxorubicin_mg_m2": None},
                documentation=["I.A.3.a"],
            ),
            administered=[given("doxorubicin", 4, 50), given("doxorubicin", 2, 90, "mg", last=days(-120))],
        ),
        Case(
            "I.A.3.a-approve-age-18-on-the-day",
            expect("approve", criteria={"I.A.3.a": M}, approval=(START, LAST_DOX), facts={"age_years": 18}),
            birth_date="2008-11-28",
        ),
        Case(
            "I.A.3.a-deny-age-17-the-day-before-turning-18",
            expect(
                "deny",
                criteria={"I.A.3.a": N, "I.A.3.b": N},
                facts={"age_years": 17},
                off_label_policies=["CP.CPA.09"],
            ),
            birth_date="2008-11-29",
        ),
        Case(
            "I.A.3.a-approve-mg-doses-converted-by-mosteller",
            expect("approve", criteria={"I.A.3.a": M}, approval=(START, LAST_DOX)),
            # 100 mg / 1.79 m² (170 cm, 68 kg) = 55.8 mg/m² a dose, six doses: 334.8 mg/m²
            administered=[given("doxorubicin", 6, 100, "mg")],
            body={"height": 170, "weight": 68},
        ),
        # I.A.3.b.i.1: pediatric Ph-negative ALL on DFCI 11-001/16-001
        Case(
            "I.A.3.b.i.1-approve-ph-negative-dfci-anthracycline-250",
            expect(
                "approve",
                criteria={"I.A.3.a": N, "I.A.3.b": M, "I.A.3.b.i": M, "I.A.3.b.i.1": M, "I.A.3.b.i.2": N},
                approval=(START, LAST_DOX),
                facts={
                    "age_years": 9,
                    "cumulative_anthracycline_mg_m2": 150.0,
                    "planned_anthracycline_mg_m2": 250.0,
                },
            ),
            administered=[given("doxorubicin", 5, 30)],
            draft=[Doses("doxorubicin", 4, 25)],
            dexrazoxane=[Doses("dexrazoxane", 4, 250)],
            **PH_NEGATIVE_DFCI,
        ),
        Case(
            "I.A.3.b.i.1-approve-epirubicin-counts-0.8-toward-250",
            expect(
                "approve",
                criteria={"I.A.3.b.i.1": M},
                approval=(START, LAST_DOX),
                facts={"planned_anthracycline_mg_m2": 250.0, "planned_doxorubicin_mg_m2": 170.0},
            ),
            # 90 doxorubicin + 100 epirubicin (x0.8 = 80) given + 80 doxorubicin to come = 250
            administered=[given("doxorubicin", 3, 30), given("epirubicin", 2, 50, last=days(-84))],
            draft=[Doses("doxorubicin", 4, 20)],
            dexrazoxane=[Doses("dexrazoxane", 4, 200)],
            **PH_NEGATIVE_DFCI,
        ),
        Case(
            "I.A.3.b.i.1-pend-anthracycline-240-radiation-not-recorded",
            expect(
                "pend",
                criteria={"I.A.3.b.i.1": U},
                facts={"planned_anthracycline_mg_m2": 240.0},
                documentation=["I.A.3.b.i.1"],
            ),
            administered=[given("doxorubicin", 5, 30)],
            draft=[Doses("doxorubicin", 4, 22.5)],
            dexrazoxane=[Doses("dexrazoxane", 4, 225)],
            **PH_NEGATIVE_DFCI,
        ),
        Case(
            "I.A.3.b.i.1-approve-anthracycline-240-with-chest-radiation",
            expect("approve", criteria={"I.A.3.b.i.1": M}, approval=(START, LAST_DOX)),
            administered=[given("doxorubicin", 5, 30)],
            draft=[Doses("doxorubicin", 4, 22.5)],
            dexrazoxane=[Doses("dexrazoxane", 4, 225)],
            chest_radiation=True,
            **PH_NEGATIVE_DFCI,
        ),
        Case(
            "I.A.3.b.i.1-pend-protocol-enrollment-not-recorded",
            expect("pend", criteria={"I.A.3.b.i.1": U, "I.A.3.b.i.2": N}, documentation=["I.A.3.b.i.1"]),
            administered=[given("doxorubicin", 5, 30)],
            draft=[Doses("doxorubicin", 4, 25)],
            dexrazoxane=[Doses("dexrazoxane", 4, 250)],
            **{**PH_NEGATIVE_DFCI, "protocol": None},
        ),
        Case(
            "I.A.3.b.i-deny-age-18-on-the-day",
            expect(
                "deny",
                criteria={"I.A.3.a": N, "I.A.3.b.i": N, "I.A.3.b.i.1": M},
                facts={"age_years": 18},
                off_label_policies=["CP.CPA.09"],
            ),
            administered=[given("doxorubicin", 5, 30)],
            draft=[Doses("doxorubicin", 4, 25)],
            dexrazoxane=[Doses("dexrazoxane", 4, 250)],
            **{**PH_NEGATIVE_DFCI, "birth_date": "2008-11-28"},
        ),
        Case(
            # Relapse is seldom structured (docs/decisions.md): C91.00 alone leaves "relapsed or refractory"
            # unknown
            "I.A.3.b.i.2-pend-ph-positive-relapse-not-recorded",
            expect(
                "pend",
                criteria={"I.A.3.b.i": U, "I.A.3.b.i.1": N, "I.A.3.b.i.2": U},
                documentation=["I.A.3.b.i.2"],
            ),
            **{**RELAPSED_PH_POSITIVE, "diagnoses": ["ALL", "Ph-positive ALL"]},
        ),
        # I.A.3.b.i.2: pediatric relapsed/refractory Ph-positive ALL, TKI, COG AALL1331
        Case(
            "I.A.3.b.i.2-approve-relapsed-ph-positive-cog-dasatinib-250",
            expect(
                "approve",
                criteria={"I.A.3.b.i": M, "I.A.3.b.i.1": N, "I.A.3.b.i.2": M},
                approval=(START, LAST_OF_TWO),
                facts={"age_years": 12, "planned_anthracycline_mg_m2": 250.0},
            ),
            **RELAPSED_PH_POSITIVE,
        ),
        Case(
            "I.A.3.b.i.2-pend-tki-not-recorded",
            expect("pend", criteria={"I.A.3.b.i.2": U}, documentation=["I.A.3.b.i.2"]),
            **{**RELAPSED_PH_POSITIVE, "tki_order": None},
        ),
        Case(
            "I.A.3.b.i.2-approve-imatinib-bcr-abl1-positive",
            expect("approve", criteria={"I.A.3.b.i.2": M}, approval=(START, LAST_OF_TWO)),
            **{
                **RELAPSED_PH_POSITIVE,
                "tki_order": "imatinib",
                "diagnoses": ["ALL in relapse"],
                "bcr_abl1": True,
            },
        ),
        Case(
            "I.A.3.b.i.2-deny-relapsed-ph-positive-age-18-on-the-day",
            expect("deny", criteria={"I.A.3.b.i": N}, off_label_policies=["CP.CPA.09"]),
            **{**RELAPSED_PH_POSITIVE, "birth_date": "2008-11-28"},
        ),
        # I.A.3.b.ii: pediatric aggressive mature B-cell lymphoma
        Case(
            "I.A.3.b.ii-approve-pediatric-burkitt",
            expect(
                "approve", criteria={"I.A.3.b.ii": M}, approval=(START, LAST_OF_TWO), facts={"age_years": 8}
            ),
            birth_date="2018-08-08",
            diagnoses=["Burkitt lymphoma"],
            **SMALL_CHILD_COURSE,
        ),
        Case(
            "I.A.3.b.ii-deny-burkitt-age-18-on-the-day",
            expect("deny", criteria={"I.A.3.b.ii": N}, off_label_policies=["CP.CPA.09"]),
            birth_date="2008-11-28",
            diagnoses=["Burkitt lymphoma"],
            **SMALL_CHILD_COURSE,
        ),
        Case(
            "I.A.3.b.ii-pend-no-birth-date",
            expect(
                "pend",
                criteria={"I.A.3.a": N, "I.A.3.b.ii": U},
                facts={"age_years": None},
                documentation=["I.A.3.b.ii"],
            ),
            birth_date=None,
            diagnoses=["Burkitt lymphoma"],
            **SMALL_CHILD_COURSE,
        ),
        # I.A.3.b.iii: pediatric Hodgkin lymphoma
        Case(
            "I.A.3.b.iii-approve-pediatric-hodgkin",
            expect(
                "approve", criteria={"I.A.3.b.iii": M}, approval=(START, LAST_OF_TWO), facts={"age_years": 15}
            ),
            birth_date="2011-06-01",
            diagnoses=["Hodgkin lymphoma"],
            **SMALL_CHILD_COURSE,
        ),
        Case(
            "I.A.3.b.iii-deny-hodgkin-age-19",
            expect("deny", criteria={"I.A.3.b.iii": N}, off_label_policies=["CP.CPA.09"]),
            birth_date="2007-06-01",
            diagnoses=["Hodgkin lymphoma"],
            **SMALL_CHILD_COURSE,
        ),
        Case(
            "I.A.3.b.iii-pend-no-birth-date",
            expect("pend", criteria={"I.A.3.b.iii": U}, documentation=["I.A.3.b.iii"]),
            birth_date=None,
            diagnoses=["Hodgkin lymphoma"],
            **SMALL_CHILD_COURSE,
        ),
        # I.A.3.b.iv: Wilms tumor with a planned cumulative doxorubicin dose of at least 150 mg/m²
        Case(
            "I.A.3.b.iv-approve-wilms-planned-150",
            expect(
                "approve",
                criteria={"I.A.3.b.iv": M},
                approval=(START, days(42).isoformat()),
                facts={"planned_doxorubicin_mg_m2": 150.0},
            ),
            birth_date="2022-09-10",
            diagnoses=["Wilms tumor"],
            specialty="pediatric hematology-oncology",
            administered=[given("doxorubicin", 3, 25)],
            draft=[Doses("doxorubicin", 3, 25)],
            dexrazoxane=[Doses("dexrazoxane", 3, 250)],
        ),
        Case(
            "I.A.3.b.iv-deny-wilms-planned-149",
            expect(
                "deny",
                criteria={"I.A.3.b.iv": N},
                facts={"planned_doxorubicin_mg_m2": 149.0},
                off_label_policies=["CP.CPA.09"],
            ),
            birth_date="2022-09-10",
            diagnoses=["Wilms tumor"],
            specialty="pediatric hematology-oncology",
            administered=[given("doxorubicin", 3, 25), given("doxorubicin", 1, 24, last=days(-7))],
            draft=[Doses("doxorubicin", 2, 25)],
            dexrazoxane=[Doses("dexrazoxane", 2, 250)],
        ),
        Case(
            "I.A.3.b.iv-pend-wilms-mg-doses-without-body-measures",
            expect(
                "pend",
                criteria={"I.A.3.b.iv": U},
                facts={"planned_doxorubicin_mg_m2": None},
                documentation=["I.A.3.b.iv"],
            ),
            birth_date="2022-09-10",
            diagnoses=["Wilms tumor"],
            specialty="pediatric hematology-oncology",
            administered=[given("doxorubicin", 2, 25), given("doxorubicin", 2, 20, "mg", last=days(-70))],
            draft=[Doses("doxorubicin", 2, 25)],
            dexrazoxane=[Doses("dexrazoxane", 2, 250)],
        ),
        # I.A.3.b.v: neuroblastoma
        Case(
            "I.A.3.b.v-approve-neuroblastoma",
            expect("approve", criteria={"I.A.3.b.v": M}, approval=(START, LAST_OF_TWO)),
            birth_date="2023-04-04",
            diagnoses=["neuroblastoma"],
            **SMALL_CHILD_COURSE,
        ),
        Case(
            "I.A.3.b.v-deny-neuroblastoma-without-doxorubicin",
            expect(
                "deny", criteria={"I.A.1": N, "I.A.3.b.v": M, "I.A.4": N}, off_label_policies=["CP.CPA.09"]
            ),
            birth_date="2023-04-04",
            diagnoses=["neuroblastoma"],
            specialty="pediatric hematology-oncology",
            administered=[],
            draft=[],
            dexrazoxane=[Doses("dexrazoxane", 2, 300)],
        ),
        Case(
            "I.A.3.b.v-pend-prescriber-specialty-not-recorded",
            expect("pend", criteria={"I.A.2": U, "I.A.3.b.v": M}, documentation=["I.A.2"]),
            birth_date="2023-04-04",
            diagnoses=["neuroblastoma"],
            **{**SMALL_CHILD_COURSE, "specialty": None},
        ),
        # I.A.3.b.vi: soft tissue sarcoma with a planned cumulative doxorubicin dose of at least 250 mg/m²
        Case(
            "I.A.3.b.vi-approve-sarcoma-planned-250",
            expect(
                "approve",
                criteria={"I.A.3.a": N, "I.A.3.b.vi": M},
                approval=(START, LAST_OF_TWO),
                facts={"planned_doxorubicin_mg_m2": 250.0},
            ),
            diagnoses=["soft tissue sarcoma"],
            administered=[given("doxorubicin", 3, 50)],
            draft=[Doses("doxorubicin", 2, 50)],
            dexrazoxane=[Doses("dexrazoxane", 2, 500)],
        ),
        Case(
            "I.A.3.b.vi-deny-sarcoma-planned-249",
            expect(
                "deny",
                criteria={"I.A.3.b.vi": N},
                facts={"planned_doxorubicin_mg_m2": 249.0},
                off_label_policies=["CP.CPA.09"],
            ),
            diagnoses=["soft tissue sarcoma"],
            administered=[given("doxorubicin", 2, 50), given("doxorubicin", 1, 49, last=days(-7))],
            draft=[Doses("doxorubicin", 2, 50)],
            dexrazoxane=[Doses("dexrazoxane", 2, 500)],
        ),
        Case(
            "I.A.3.b.vi-pend-sarcoma-mg-dose-without-body-measures",
            expect("pend", criteria={"I.A.3.a": U, "I.A.3.b.vi": U}, documentation=["I.A.3.a", "I.A.3.b.vi"]),
            diagnoses=["soft tissue sarcoma"],
            administered=[given("doxorubicin", 2, 50), given("doxorubicin", 1, 90, "mg", last=days(-7))],
            draft=[Doses("doxorubicin", 2, 50)],
            dexrazoxane=[Doses("dexrazoxane", 2, 500)],
        ),
        # I.A.2: prescribed by or in consultation with an oncologist or hematologist
        Case(
            "I.A.2-approve-hematologist",
            expect("approve", criteria={"I.A.2": M}, approval=(START, LAST_DOX)),
            specialty="hematology",
        ),
        Case(
            "I.A.2-approve-internist-with-oncology-referral",
            expect("approve", criteria={"I.A.2": M}, approval=(START, LAST_DOX)),
            specialty="internal medicine",
            oncology_referral=True,
        ),
        Case(
            "I.A.2-pend-internist-without-consultation",
            expect("pend", criteria={"I.A.2": U}, documentation=["I.A.2"]),
            specialty="internal medicine",
        ),
        Case(
            "I.A.2-deny-documented-no-oncology-involvement",
            expect("deny", criteria={"I.A.2": N}, off_label_policies=["CP.CPA.09"]),
            specialty="internal medicine",
            documented={"I.A.2": False},
        ),
        # I.A.4: used concurrently with doxorubicin
        Case(
            "I.A.4-deny-no-doxorubicin-ordered",
            expect("deny", criteria={"I.A.1": M, "I.A.4": N}, off_label_policies=["CP.CPA.09"]),
            draft=[],
        ),
        Case(
            "I.A.4-approve-active-doxorubicin-order",
            expect(
                "approve",
                criteria={"I.A.4": M},
                approval=(START, LAST_DOX),
                facts={"planned_doxorubicin_mg_m2": 500.0},
            ),
            draft=[],
            active=[Doses("doxorubicin", 4, 50)],
        ),
        Case(
            # a clinician's answer settles only what the data left unknown
            "I.A.4-deny-documented-answer-never-overturns-the-data",
            expect("deny", criteria={"I.A.4": N}, off_label_policies=["CP.CPA.09"]),
            draft=[],
            documented={"I.A.4": True},
        ),
        # I.A.5: dexrazoxane at most 10 times the doxorubicin dose, or supported by literature
        Case(
            "I.A.5-pend-ratio-10.2",
            expect(
                "pend",
                criteria={"I.A.5": U, "I.A.5.a": N, "I.A.5.b": U},
                facts={"dose_ratio": 10.2},
                documentation=["I.A.5.b"],
            ),
            dexrazoxane=[Doses("dexrazoxane", 4, 510)],
        ),
        Case(
            "I.A.5-approve-ratio-exactly-10-doses-in-mg",
            expect(
                "approve",
                criteria={"I.A.5.a": M},
                approval=(START, LAST_DOX),
                facts={"dexrazoxane_dose_mg_m2": 500.0, "doxorubicin_dose_mg_m2": 50.0, "dose_ratio": 10.0},
            ),
            draft=[Doses("doxorubicin", 4, 100, "mg")],
            dexrazoxane=[Doses("dexrazoxane", 4, 1000, "mg")],
            body={"bsa": 2.0},
        ),
        Case(
            # docs/facts.md "Record integrity": a ticked "literature supports the dose" with nothing attached
            # is no evidence
            "I.A.5-pend-ratio-10.2-literature-ticked-nothing-attached",
            expect("pend", criteria={"I.A.5.a": N, "I.A.5.b": U}, documentation=["I.A.5.b"]),
            dexrazoxane=[Doses("dexrazoxane", 4, 510)],
            documented={"I.A.5.b": True},
        ),
        Case(
            "I.A.5-deny-ratio-10.2-literature-not-supported",
            expect("deny", criteria={"I.A.5": N, "I.A.5.b": N}, off_label_policies=["CP.CPA.09"]),
            dexrazoxane=[Doses("dexrazoxane", 4, 510)],
            documented={"I.A.5.b": False},
        ),
        # I.B: anthracycline extravasation (II.B: never re-authorized, judged on I.B)
        Case(
            "I.B-approve-extravasation-2000-2000-1000",
            expect(
                "approve",
                "I.B",
                criteria=EXTRAVASATION_MET,
                approval=(START, days(2).isoformat()),
                facts={"age_years": 40},
            ),
            **EXTRAVASATION,
        ),
        Case(
            "I.B.4-deny-day-1-2010-mg",
            expect("deny", "I.B", criteria={"I.B.4": N, "II.B": N}, off_label_policies=["CP.CPA.09"]),
            **{
                **EXTRAVASATION,
                "dexrazoxane": [
                    Doses("dexrazoxane", 2, 2010, "mg", every=1),
                    Doses("dexrazoxane", 1, 1000, "mg", first=days(2)),
                ],
            },
        ),
        Case(
            "I.B.4-deny-day-3-1001-mg",
            expect("deny", "I.B", criteria={"I.B.4": N}, off_label_policies=["CP.CPA.09"]),
            **{
                **EXTRAVASATION,
                "dexrazoxane": [
                    Doses("dexrazoxane", 2, 2000, "mg", every=1),
                    Doses("dexrazoxane", 1, 1001, "mg", first=days(2)),
                ],
            },
        ),
        Case(
            "I.B.4-deny-fourth-day",
            expect("deny", "I.B", criteria={"I.B.4": N}, off_label_policies=["CP.CPA.09"]),
            **{
                **EXTRAVASATION,
                "dexrazoxane": [
                    Doses("dexrazoxane", 2, 2000, "mg", every=1),
                    Doses("dexrazoxane", 2, 1000, "mg", first=days(2), every=1),
                ],
            },
        ),
        Case(
            "I.B.2-pend-hematologist-is-not-an-oncologist",
            expect("pend", "I.B", criteria={"I.B.2": U}, documentation=["I.B.2"]),
            **{**EXTRAVASATION, "specialty": "hematology"},
        ),
        Case(
            "I.B.2-approve-internist-with-oncology-referral",
            expect("approve", "I.B", criteria={"I.B.2": M}, approval=(START, days(2).isoformat())),
            **{**EXTRAVASATION, "specialty": "internal medicine", "oncology_referral": True},
        ),
        Case(
            "I.B.3-approve-age-18-on-the-day",
            expect("approve", "I.B", criteria={"I.B.3": M}, approval=(START, days(2).isoformat())),
            **{**EXTRAVASATION, "birth_date": "2008-11-28"},
        ),
        Case(
            "I.B.3-deny-age-17",
            expect("deny", "I.B", criteria={"I.B.3": N}, off_label_policies=["CP.CPA.09"]),
            **{**EXTRAVASATION, "birth_date": "2008-11-29"},
        ),
        Case(
            "I.B.3-pend-no-birth-date",
            expect("pend", "I.B", criteria={"I.B.3": U}, documentation=["I.B.3"]),
            **{**EXTRAVASATION, "birth_date": None},
        ),
        Case(
            "I.B.1-approve-extravasation-condition-2-days-before-no-order-reason",
            expect("approve", "I.B", criteria={"I.B.1": M}, approval=(START, days(2).isoformat())),
            **{
                **EXTRAVASATION,
                "dexrazoxane_reason": None,
                "extravasation_onset": days(-2),
                "administered": [given("doxorubicin", 3, 60, last=days(-2))],
            },
        ),
        Case(
            "I.B.1-pend-extravasation-with-no-anthracycline-in-the-week-before",
            # T80.810 is any vesicant antineoplastic; the last doxorubicin was three weeks before it
            expect("pend", "I.B", criteria={"I.B": U, "I.B.1": U, "I.B.2": M, "I.B.3": M}),
            **{**EXTRAVASATION, "administered": [given("doxorubicin", 3, 60)]},
        ),
        # II.A: continued cardioprotection after dexrazoxane in the last 12 months
        Case(
            "II.A-pend-response-to-therapy-not-documented",
            expect(
                "pend",
                "II.A",
                criteria={"II.A.1": M, "II.A.1.a": M, "II.A.2": M, "II.A.3": U, "II.A.4": M},
                documentation=["II.A.3"],
            ),
            prior_dexrazoxane=True,
        ),
        Case(
            "II.A-approve-response-documented",
            expect("approve", "II.A", criteria={"II.A": M, "II.A.3": M}, approval=(START, LAST_DOX)),
            prior_dexrazoxane=True,
            documented={"II.A.3": True},
        ),
        Case(
            "II.A-deny-doxorubicin-not-continued",
            expect("deny", "II.A", criteria={"II.A.2": N}, off_label_policies=["CP.CPA.09"]),
            prior_dexrazoxane=True,
            draft=[],
        ),
        Case(
            "II.A-deny-not-responding",
            expect("deny", "II.A", criteria={"II.A.3": N}, off_label_policies=["CP.CPA.09"]),
            prior_dexrazoxane=True,
            documented={"II.A.3": False},
        ),
        Case(
            "II.A-pend-initial-criteria-not-shown-and-response-undocumented",
            expect(
                "pend",
                "II.A",
                criteria={"II.A.1": U, "II.A.1.a": U, "II.A.1.b": U, "II.A.3": U},
                documentation=["II.A.1.a", "II.A.1.b", "II.A.3"],
            ),
            prior_dexrazoxane=True,
            administered=[given("doxorubicin", 5, 50)],
        ),
        Case(
            # II.A.1 is the plan's own record (benefit history, continuity of care): a clinician's "yes"
            # cannot settle it, so the plan's pharmacist checks it.
            "II.A-pend-benefit-attested-by-the-clinician-is-checked-by-the-plan",
            expect(
                "pend",
                "II.A",
                criteria={"II.A.1": U, "II.A.1.a": U, "II.A.3": M},
                documentation=["II.A.1.a", "II.A.1.b"],
            ),
            prior_dexrazoxane=True,
            administered=[given("doxorubicin", 5, 50)],
            documented={"II.A.1.a": True, "II.A.3": True},
        ),
        Case(
            "II.A.4-pend-ratio-10.2",
            expect(
                "pend",
                "II.A",
                # I.A itself pends on the ratio, so the data no longer shows the initial criteria met
                criteria={"II.A.1.a": U, "II.A.4.a": N, "II.A.4": U},
                documentation=["II.A.1.a", "II.A.1.b", "II.A.3", "II.A.4.b"],
            ),
            prior_dexrazoxane=True,
            dexrazoxane=[Doses("dexrazoxane", 4, 510)],
        ),
        # Line of business: Medicare is outside the policy; a deny names the off-label policy (I.C.2)
        Case(
            "not-applicable-medicare",
            expect("not-applicable", None, facts={"line_of_business": "medicare"}),
            coverage="medicare",
        ),
        # No Coverage: whether the policy applies is not known (Medicare and self-pay are outside it), so
        # the order pends for the member's coverage, naming what the policy would decide if it applies
        # and, for a deny, every off-label policy (docs/decisions.md "Line of business unknown never
        # approves or denies")
        Case(
            "I.C.2-pend-no-coverage-would-deny-names-every-off-label-policy",
            expect(
                "pend",
                criteria={"I.A.3.a": N, "I.C": M, "I.C.1": N, "I.C.2": M},
                facts={"line_of_business": None},
                off_label_policies=ALL_THREE,
                documentation=["coverage"],
                if_policy_applies="deny",
            ),
            coverage=None,
            administered=[given("doxorubicin", 5, 50)],
        ),
        Case(
            "I.C.2-deny-medicaid-refers-to-cp-pmn-53",
            expect(
                "deny",
                criteria={"I.A.3.a": N},
                facts={"line_of_business": "medicaid"},
                off_label_policies=["CP.PMN.53"],
            ),
            coverage="medicaid",
            administered=[given("doxorubicin", 5, 50)],
        ),
    ]


def main() -> None:
    for old in HERE.glob("*.json"):
        # the 2.1-* and 2.2-* cases are written by make_cases_2_1_*.py, make_record_cases.py,
        # make_not_read_cases.py, make_cases_2_2_*.py and make_cases_2_2.py
        if not old.name.startswith(("2.1-", "2.2-")):
            old.unlink()
    for case in cases():
        (HERE / f"{case.name}.json").write_text(
            json.dumps(request(case), indent=2, ensure_ascii=False) + "\n"
        )
        (HERE / f"{case.name}.expect.json").write_text(
            json.dumps(case.expect, indent=2, ensure_ascii=False) + "\n"
        )
    print(f"wrote {len(cases())} cases to {HERE}")


if __name__ == "__main__":
    main()
