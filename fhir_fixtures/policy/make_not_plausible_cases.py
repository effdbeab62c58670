"""Writes the second set of "Not plausible is not a fact" cases (docs/facts.md "Plausibility", "One dose is
counted once", "Another patient's records", "Drugs", "Units"; docs/decisions.md): records in which two facts
of the record conflict, so the fact is unknown, never the more convenient reading:
`2.2-not-plausible-<decision>-<what>.json` plus `.expect.json`, each worked by hand from the rule and the
policy, each a record on which the rule changes the decision (or, for a control, keeps it).

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases.py`. Each case is a `make_cases.Case` on
the same baseline patient (a woman of 54 with metastatic breast cancer, commercial coverage, an
oncologist prescribing, six doses of doxorubicin 50 mg/m2 given every 21 days, four more ordered with
dexrazoxane 500 mg/m2), then an edit of the request JSON (`tweak`) for what the compact description does
not say. Codes beyond make_cases': ATC L01CA04 vinorelbine (WHO ATC), SOPT 5 private health insurance.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from make_cases import (
    ATC,
    DRUGS,
    EXTRAVASATION,
    LOINC,
    PH_NEGATIVE_DFCI,
    RELAPSED_PH_POSITIVE,
    START,
    TODAY,
    UCUM,
    Case,
    Doses,
    days,
    expect,
    given,
    subject,
)
from make_record_cases import RecordCase, both, resources, set_condition, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
LAST_DOX = "2027-01-30"  # four doses every 21 days from today: the last on January 30
EXTRAVASATION_CODE = (
    "http://hl7.org/fhir/sid/icd-10-cm",
    "T80.810A",
    "Extravasation of vesicant antineoplastic chemotherapy, initial encounter",
)

# A sarcoma course: three doses of 50 mg/m2 given, two more ordered from today (dexrazoxane 500 mg/m2 each)
SARCOMA_COURSE_FIRST: dict[str, Any] = {
    "diagnoses": ["soft tissue sarcoma"],
    "administered": [given("doxorubicin", 3, 50)],
    "draft": [Doses("doxorubicin", 2, 50)],
    "dexrazoxane": [Doses("dexrazoxane", 2, 500)],
}

DRUGS["vinorelbine"] = {
    "coding": [{"system": ATC, "code": "L01CA04", "display": "vinorelbine"}],
    "text": "Vinorelbine tartrate",
}


def _administrations(body: Json) -> list[Json]:
    return resources(body, "medicationAdministrations")


def _by_id(body: Json, rid: str) -> Json:
    (found,) = [a for a in _administrations(body) if a["id"] == rid]
    return found


def _append(body: Json, key: str, *added: Json) -> None:
    bundle = body["prefetch"][key]
    bundle.setdefault("entry", []).extend(
        {"fullUrl": f"http://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
        for r in added
    )
    bundle["total"] = len(bundle["entry"])


def charted_again(
    rid: str, copy_id: str, *, minutes: int = 0, amount: float | None = None
) -> Callable[[Json], None]:
    """The administration ``rid`` charted a second time (another system, or a correction kept beside it)
    ``minutes`` later, with ``amount`` if given."""

    def tweak(body: Json) -> None:
        original = _by_id(body, rid)
        again = copy.deepcopy(original)
        again["id"] = copy_id
        when = original["effectiveDateTime"]
        again["effectiveDateTime"] = f"{when[:11]}{9 + (minutes // 60):02d}:{minutes % 60:02d}:00Z"
        if amount is not None:
            again["dosage"]["dose"]["value"] = amount
            again["note"] = [{"text": "Late entry / correction of the dose documented at this time"}]
        _append(body, "medicationAdministrations", again)

    return tweak


def unit_text(text: str) -> Callable[[Json], None]:
    """Every doxorubicin dose written with a unit text that says another unit than its UCUM code."""

    def tweak(body: Json) -> None:
        for administration in _administrations(body):
            administration["dosage"]["dose"]["unit"] = text

    return tweak


def measure(rid: str, code: str, when: str, value: float, unit: str) -> Json:
    names = {"8302-2": "Body height", "29463-7": "Body weight", "8277-6": "Body surface area"}
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code, "display": names[code]}], "text": names[code]},
        "subject": subject(),
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def at_every_dose(
    build: Callable[[str, str], list[Json]], *, dose_time: str = "09:00"
) -> Callable[[Json], None]:
    """Measures charted at each dose's visit (``build(visit_id, day)``), and the doses charted at
    ``dose_time`` (UTC); a visit today too, for the dexrazoxane order."""

    def tweak(body: Json) -> None:
        added: list[Json] = []
        for i, administration in enumerate(
            sorted(_administrations(body), key=lambda a: a["effectiveDateTime"])
        ):
            day = administration["effectiveDateTime"][:10]
            administration["effectiveDateTime"] = f"{day}T{dose_time}:00Z"
            added += build(str(i), day)
        added += build("today", TODAY.isoformat())
        _append(body, "observations", *added)

    return tweak


def coverage_plan(name: str) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        coverage = resources(body, "coverage")[0]
        coverage["class"] = [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan"}
                    ]
                },
                "value": "H5216-219",
                "name": name,
            }
        ]

    return tweak


def coverage_type(**changes: Any) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        resources(body, "coverage")[0].update(changes)

    return tweak


def legacy_epirubicin(body: Json) -> None:
    """Three 2024 doses of epirubicin 100 mg/m2 (FEC-100) converted by a legacy MAR to the doxorubicin
    codes, their text still saying epirubicin."""
    added = []
    for i in range(3):
        when = days(-700 + 21 * i).isoformat()
        added.append(
            {
                "resourceType": "MedicationAdministration",
                "id": f"legacy-fec-{i + 1}",
                "status": "completed",
                "medicationCodeableConcept": {
                    **DRUGS["doxorubicin"],
                    "text": f"EPIrubicin 100 mg/m2 IV (FEC-100 cycle {i + 1})",
                },
                "subject": subject(),
                "effectiveDateTime": f"{when}T09:00:00Z",
                "dosage": {"dose": {"value": 100, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"}},
            }
        )
    _append(body, "medicationAdministrations", *added)


def another_patients_dose(body: Json) -> None:
    """A doxorubicin dose in this patient's search whose subject is another patient."""
    other = copy.deepcopy(_administrations(body)[-1])
    other["id"] = "doxorubicin-other-patient"
    other["subject"] = {"reference": "Patient/someone-else"}
    other["effectiveDateTime"] = f"{days(-14).isoformat()}T09:00:00Z"
    _append(body, "medicationAdministrations", other)


def another_patient_sent(body: Json) -> None:
    """The prefetched Patient is the subscriber, the patient's father: another id, born 1947."""
    body["prefetch"]["patient"] = {
        "resourceType": "Patient",
        "id": "subscriber",
        "gender": "male",
        "birthDate": "1947-02-11",
    }


def redrafted(*, anchored: bool) -> Callable[[Json], None]:
    """The active sarcoma order (five cycles from the first dose given) modified and sent back as a draft
    under its own id for the two cycles that remain, from today (``anchored``: its start stated), and the
    doses already given naming it."""

    def tweak(body: Json) -> None:
        draft = next(
            e["resource"]
            for e in body["context"]["draftOrders"]["entry"]
            if e["resource"]["id"] == "doxorubicin-draft"
        )
        repeat = draft["dosageInstruction"][0]["timing"]["repeat"]
        if not anchored:
            del repeat["boundsPeriod"]
        draft["note"] = [{"text": "Order modified: remaining cycles 4-5; pre-hydration added"}]
        active = copy.deepcopy(draft)
        active["status"] = "active"
        active.pop("note")
        first = min(a["effectiveDateTime"][:10] for a in _administrations(body))
        active["authoredOn"] = first
        active["dosageInstruction"][0]["timing"]["repeat"].update(count=5, boundsPeriod={"start": first})
        _append(body, "medicationRequests", active)
        for administration in _administrations(body):
            administration["request"] = {"reference": "MedicationRequest/doxorubicin-draft"}

    return tweak


def lone_weight(body: Json) -> None:
    """A height of 190 cm and the one weight charted, 25 "kg" (75 typed wrong): each within its own range
    for an adult, a body-mass index of 6.9 together."""
    yesterday = f"{days(-1).isoformat()}T08:00:00Z"
    _append(
        body,
        "observations",
        measure("height", "8302-2", yesterday, 190, "cm"),
        measure("weight", "29463-7", yesterday, 25, "kg"),
    )


def vinorelbine_at_onset(body: Json) -> None:
    """The infusion running at the onset was vinorelbine, stopped for the extravasation."""
    onset = days(-1).isoformat()
    _append(
        body,
        "medicationAdministrations",
        {
            "resourceType": "MedicationAdministration",
            "id": "vinorelbine-at-onset",
            "status": "stopped",
            "medicationCodeableConcept": DRUGS["vinorelbine"],
            "subject": subject(),
            "effectiveDateTime": f"{onset}T10:00:00Z",
            "dosage": {"dose": {"value": 40, "unit": "mg", "system": UCUM, "code": "mg"}},
        },
    )


# What else could mislead the service into an approval (each an approval before its rule)


def interpretation_positive(body: Json) -> None:
    """The BCR-ABL1 result coded Negative, its interpretation POS: the result contradicts itself."""
    result = resources(body, "bcrAbl1Observations")[0]
    result["interpretation"] = [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                    "code": "POS",
                }
            ]
        }
    ]


def study_completed(body: Json) -> None:
    """The ResearchStudy the subject is 'on study' of is completed: it treats no one now."""
    (study,) = [r for r in resources(body, "researchSubjects") if r["resourceType"] == "ResearchStudy"]
    study["status"] = "completed"


def given_with_a_reason_not_given(body: Json) -> None:
    """A dose charted completed with a reason it was not given (patient refused)."""
    _by_id(body, "doxorubicin-given-1-6")["statusReason"] = [{"text": "Patient refused"}]


def part_of_the_last_dose(body: Json) -> None:
    """A second bag of the last infusion charted 90 minutes in as its own record, part of it."""
    last = _by_id(body, "doxorubicin-given-1-5")
    part = copy.deepcopy(last)
    part["id"] = "doxorubicin-given-1-5-bag-2"
    part["effectiveDateTime"] = last["effectiveDateTime"].replace("T09:00:00Z", "T10:30:00Z")
    part["partOf"] = [{"reference": "MedicationAdministration/doxorubicin-given-1-5"}]
    _append(body, "medicationAdministrations", part)


def order_for_another_patient(body: Json) -> None:
    """The dexrazoxane order being signed names another patient as its subject."""
    body["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {"reference": "Patient/sibling"}


def tki_only_in_a_lapsed_statement(body: Json) -> None:
    """Imatinib recorded only as an 'active' MedicationStatement whose period ended two years ago."""
    body["prefetch"]["medicationRequests"]["entry"] = [
        e for e in body["prefetch"]["medicationRequests"]["entry"] if e["resource"]["id"] != "imatinib-active"
    ]
    body["prefetch"]["medicationRequests"]["total"] = len(body["prefetch"]["medicationRequests"]["entry"])
    body["prefetch"]["medicationStatements"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationStatement",
                    "id": "imatinib-statement",
                    "status": "active",
                    "medicationCodeableConcept": DRUGS["imatinib"],
                    "subject": subject(),
                    "effectivePeriod": {"start": "2023-01-10", "end": days(-700).isoformat()},
                }
            }
        ],
    }


def lapsed_qualification_only(body: Json) -> None:
    """No role: the prescriber's oncology board certification ended in 2020."""
    body["prefetch"]["practitionerRoles"] = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    body["prefetch"]["practitioner"]["qualification"] = [
        {
            "code": {
                "coding": [
                    {
                        "system": "http://nucc.org/provider-taxonomy",
                        "code": "207RX0202X",
                        "display": "Internal Medicine, Medical Oncology",
                    }
                ]
            },
            "period": {"start": "2010-07-01", "end": "2020-06-30"},
        }
    ]


def answers_at_one_moment(body: Json) -> None:
    """A second response authored at the same moment answering 'responding positively' no."""
    first = resources(body, "questionnaireResponses")[0]
    second = copy.deepcopy(first)
    second["id"] = "documentation-2"
    second["item"][0]["item"][0]["answer"] = [{"valueBoolean": False}]
    _append(body, "questionnaireResponses", second)


def cases() -> list[RecordCase]:
    pend_dose = expect("pend", criteria={"I.A.3.a": U}, documentation=["I.A.3.a"])
    return [
        # One dose counted once within the hour: the barcode MAR and the pump feed 4 minutes apart
        # (250 given, the repeat made it 300: a false approval)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-same-dose-charted-by-two-systems-minutes-apart",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 250.0,
                        "cumulative_doxorubicin_unknown_parts": 1,
                    },
                },
                administered=[given("doxorubicin", 5, 50)],
            ),
            charted_again("doxorubicin-given-1-5", "doxorubicin-pump-feed", minutes=4),
        ),
        # A correction kept beside the original, the same minute: 50 and 75 mg/m2 (200 + the sum made 325)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-one-dose-charted-with-two-amounts",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 200.0,
                        "cumulative_doxorubicin_unknown_parts": 1,
                    },
                },
                administered=[given("doxorubicin", 5, 50)],
            ),
            charted_again("doxorubicin-given-1-5", "doxorubicin-corrected", amount=75),
        ),
        # UCUM code mg/m2, unit text "mg": 90 per dose read as 90 mg/m2 made 540 (90 mg at 1.8 m2 is 50)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-unit-code-and-text-disagree",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 0.0,
                        "cumulative_doxorubicin_unknown_parts": 6,
                    },
                },
                administered=[given("doxorubicin", 6, 90)],
                body={"height": 162, "weight": 72},
            ),
            unit_text("mg"),
        ),
        # A charted BSA of 1.17 carried forward beside 165 cm and 68 kg (1.77) at every visit: 4 x 106 mg is
        # 240 at 1.77 (deny) or 362 at 1.17 (approve); which is wrong cannot be told: pend
        RecordCase(
            Case(
                "2.2-not-plausible-pend-charted-bsa-conflicts-with-height-and-weight",
                {**pend_dose, "facts": {"cumulative_doxorubicin_mg_m2": None}},
                administered=[given("doxorubicin", 4, 106, "mg")],
            ),
            both(
                lambda body: _append(
                    body, "observations", measure("height", "8302-2", "2026-06-01T08:00:00Z", 165, "cm")
                ),
                at_every_dose(
                    lambda i, day: [
                        measure(f"weight-{i}", "29463-7", f"{day}T08:40:00Z", 68, "kg"),
                        measure(f"bsa-{i}", "8277-6", f"{day}T08:40:00Z", 1.17, "m2"),
                    ]
                ),
            ),
        ),
        # Nearest in time on real times: a BSA charted 5 minutes before each 14:40 dose, the height and
        # weight 70 minutes before. Five doses of 108 mg at 1.80 m2 are 300 exactly (Mosteller's 1.80003
        # made 299.98 and a deny when the dose's date was read as noon)
        RecordCase(
            Case(
                "2.2-not-plausible-approve-bsa-charted-minutes-before-the-dose-is-nearest",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0},
                ),
                administered=[given("doxorubicin", 5, 108, "mg")],
            ),
            at_every_dose(
                lambda i, day: [
                    measure(f"height-{i}", "8302-2", f"{day}T13:30:00Z", 165, "cm"),
                    measure(f"weight-{i}", "29463-7", f"{day}T13:30:00Z", 70.7, "kg"),
                    measure(f"bsa-{i}", "8277-6", f"{day}T14:35:00Z", 1.8, "m2"),
                ],
                dose_time="14:40",
            ),
        ),
        # A lone weight no height allows: 25 kg beside 190 cm (BMI 6.9) sized 6 x 90 mg as 470 mg/m2
        RecordCase(
            Case(
                "2.2-not-plausible-pend-lone-weight-no-height-allows",
                {**pend_dose, "facts": {"bsa_m2": None, "cumulative_doxorubicin_mg_m2": None}},
                administered=[given("doxorubicin", 6, 90, "mg")],
            ),
            lone_weight,
        ),
        # A legacy conversion coded FEC-100 epirubicin as doxorubicin: 240 + 3 x 100 made 540
        RecordCase(
            Case(
                "2.2-not-plausible-pend-epirubicin-charted-under-doxorubicin-codes",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 240.0,
                        "cumulative_doxorubicin_unknown_parts": 3,
                    },
                },
                administered=[given("doxorubicin", 4, 60)],
            ),
            legacy_epirubicin,
        ),
        # Another patient's dose in this patient's search: neither a dose of hers nor nothing (250 known)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-another-patients-dose-in-this-patients-search",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 250.0,
                        "cumulative_doxorubicin_unknown_parts": 1,
                    },
                },
                administered=[given("doxorubicin", 5, 50)],
            ),
            another_patients_dose,
        ),
        # The prefetched Patient is another patient: no age, and no decision on a record not hers
        RecordCase(
            Case(
                "2.2-not-plausible-pend-prefetched-patient-is-another-patient",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"age_years": None, "patient_mismatch": True},
                    documentation=["I.A.3.a", "patient"],
                ),
            ),
            another_patient_sent,
        ),
        # SOPT 5 (private insurance) beside a plan named Medicare Advantage: two lines of business, none
        RecordCase(
            Case(
                "2.2-not-plausible-pend-coverage-type-code-and-plan-name-differ",
                expect(
                    "pend",
                    criteria={"I.A": M},
                    facts={"line_of_business": None},
                    documentation=["coverage"],
                    if_policy_applies="approve",
                ),
            ),
            coverage_plan("Humana Gold Plus H5216-219 (HMO) Medicare Advantage"),
        ),
        RecordCase(
            Case(
                "2.2-line-of-business-not-applicable-self-pay-written-in-words",
                expect("not-applicable", None, facts={"line_of_business": "self-pay"}),
            ),
            coverage_type(type={"text": "Self Pay"}),
        ),
        # The extravasation Condition says doxorubicin; the MAR shows vinorelbine running at the onset and
        # no anthracycline for over a year: the record and the MAR conflict (approved on the words before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-extravasation-named-doxorubicin-only-vinorelbine-at-onset",
                expect("pend", "I.B", criteria={"I.B.1": U, "I.B.4": M}, documentation=["I.B.1"]),
                **{**EXTRAVASATION, "administered": [given("doxorubicin", 6, 60, last=days(-400))]},
            ),
            both(
                set_condition(EXTRAVASATION_CODE, "Doxorubicin extravasation, right dorsal hand"),
                vinorelbine_at_onset,
            ),
        ),
        # The converse: it says vincristine, and only doxorubicin was given at the onset (denied before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-extravasation-named-vincristine-only-doxorubicin-at-onset",
                expect("pend", "I.B", criteria={"I.B.1": U, "I.B.4": M}, documentation=["I.B.1"]),
                **EXTRAVASATION,
            ),
            set_condition(EXTRAVASATION_CODE, "Vincristine extravasation, left antecubital fossa"),
        ),
        # An active sarcoma order modified and sent back under its own id for the two cycles that remain:
        # 150 given + 100 to come = 250 (its count less the three given made 150: a false deny)
        RecordCase(
            Case(
                "2.2-not-plausible-approve-sarcoma-redrafted-order-counts-its-remaining-cycles",
                expect(
                    "approve",
                    criteria={"I.A.3.b.vi": M},
                    approval=(START, days(21).isoformat()),
                    facts={"planned_doxorubicin_mg_m2": 250.0},
                ),
                **SARCOMA_COURSE_FIRST,
            ),
            redrafted(anchored=True),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-sarcoma-redrafted-order-dated-from-its-signing",
                expect(
                    "pend",
                    criteria={"I.A.3.b.vi": U},
                    facts={"planned_doxorubicin_known_mg_m2": 150.0, "planned_doxorubicin_unknown_parts": 2},
                    documentation=["I.A.3.b.vi"],
                ),
                **SARCOMA_COURSE_FIRST,
            ),
            redrafted(anchored=False),
        ),
        # Two unlinked doxorubicin orders, the same 50 mg/m2 today: one order written twice, or a second dose
        # no regimen gives (200 + the other made 250: a false approval)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-two-unlinked-orders-plan-the-same-dose-the-same-day",
                expect(
                    "pend",
                    criteria={"I.A.3.b.vi": U},
                    facts={"planned_doxorubicin_known_mg_m2": 200.0, "planned_doxorubicin_unknown_parts": 1},
                    documentation=["I.A.3.b.vi"],
                ),
                diagnoses=["soft tissue sarcoma"],
                administered=[given("doxorubicin", 3, 50)],
                draft=[Doses("doxorubicin", 1, 50)],
                active=[Doses("doxorubicin", 1, 50)],
                dexrazoxane=[Doses("dexrazoxane", 1, 500)],
            ),
        ),
        # The hunt: facts an approval rested on that the rest of the record contradicts
        RecordCase(
            Case(
                "2.2-not-plausible-pend-bcr-abl1-coded-negative-interpreted-positive",
                # the Ph status is unknown: neither the Ph-negative nor the Ph-positive protocol is ruled out
                expect(
                    "pend",
                    criteria={"I.A.3.b.i.1": U, "I.A.3.b.i.2": U},
                    documentation=["I.A.3.b.i.1", "I.A.3.b.i.2"],
                ),
                administered=[given("doxorubicin", 5, 30)],
                draft=[Doses("doxorubicin", 4, 25)],
                dexrazoxane=[Doses("dexrazoxane", 4, 250)],
                **PH_NEGATIVE_DFCI,
            ),
            interpretation_positive,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dfci-enrollment-in-a-completed-study",
                expect("pend", criteria={"I.A.3.b.i.1": U}, documentation=["I.A.3.b.i.1"]),
                administered=[given("doxorubicin", 5, 30)],
                draft=[Doses("doxorubicin", 4, 25)],
                dexrazoxane=[Doses("dexrazoxane", 4, 250)],
                **PH_NEGATIVE_DFCI,
            ),
            study_completed,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-charted-given-with-a-reason-not-given",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 250.0,
                        "cumulative_doxorubicin_unknown_parts": 1,
                    },
                },
            ),
            given_with_a_reason_not_given,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-deny-an-infusions-second-bag-counted-within-it",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    facts={"cumulative_doxorubicin_mg_m2": 250.0},
                    off_label_policies=["CP.CPA.09"],
                ),
                administered=[given("doxorubicin", 5, 50)],
            ),
            part_of_the_last_dose,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dexrazoxane-order-names-another-patient",
                expect(
                    "pend", criteria={"I.A": M}, facts={"patient_mismatch": True}, documentation=["patient"]
                ),
            ),
            order_for_another_patient,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-tki-only-in-an-active-statement-that-ended",
                expect("pend", criteria={"I.A.3.b.i.2": U}, documentation=["I.A.3.b.i.2"]),
                **{
                    **RELAPSED_PH_POSITIVE,
                    "tki_order": "imatinib",
                    "diagnoses": ["ALL in relapse"],
                    "bcr_abl1": True,
                },
            ),
            tki_only_in_a_lapsed_statement,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-oncology-qualification-that-lapsed",
                expect("pend", criteria={"I.A.2": U}, documentation=["I.A.2"]),
            ),
            lapsed_qualification_only,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-response-answered-yes-and-no-at-one-moment",
                expect("pend", "II.A", criteria={"II.A.3": U}, documentation=["II.A.3"]),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
            ),
            answers_at_one_moment,
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of 'Not plausible is not a fact' (second set)")


if __name__ == "__main__":
    main()
