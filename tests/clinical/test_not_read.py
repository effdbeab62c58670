"""Not read is not absent, reader by reader: each reports beside what it read the resources that could
bear on the fact but that it could not read (``Fact.unread``, a reason naming them), or an unknown part."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cds_service.clinical import diagnoses as dx
from cds_service.clinical.administrations import counted_administrations
from cds_service.clinical.body_measures_not_read import measures_not_read
from cds_service.clinical.codes import ICD10, ICD10CM, SNOMED, Agent
from cds_service.clinical.drugs import unidentified
from cds_service.clinical.facts import Fact
from cds_service.clinical.order_purpose import judged_as_extravasation, order_purpose
from cds_service.clinical.outside_doses import outside_doses, unidentified_orders
from cds_service.clinical.prescriber import prescriber_facts
from cds_service.clinical.regimen import THERAPY_STATUSES
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    EPIRUBICIN,
    administration,
    condition,
    medication_request,
    pool_of,
)

ON = date(2026, 10, 5)
LOCAL = "urn:oid:1.2.840.114350.1.13.0"


def coded(rid: str, codings: list[dict[str, Any]], text: str | None = None) -> dict[str, Any]:
    found = condition(rid, "x")
    found["code"] = {"coding": codings} | ({"text": text} if text else {})
    return found


def diagnoses_of(*conditions: dict[str, Any], reason: dict[str, Any] | None = None) -> list[dx.Diagnosis]:
    order = medication_request("dexrazoxane", DEXRAZOXANE, (500, "mg/m2"))
    if reason:
        order["reasonCode"] = [reason]
    return dx.recorded_diagnoses(pool_of(*conditions, drafts=[order]), order, ON)


def test_a_diagnosis_in_a_system_not_read_could_be_what_its_text_names() -> None:
    found = dx.hodgkin_lymphoma(
        diagnoses_of(coded("c", [{"system": LOCAL, "code": "H1"}], "Hodgkin lymphoma"))
    )
    assert found.value is False and found.settled is None
    assert found.unread == ("Condition/c",)
    assert LOCAL in found.reason and "it could be Hodgkin lymphoma" in found.reason


def test_a_diagnosis_with_nothing_to_read_could_be_any_cancer_and_another_named_cancer_none() -> None:
    nothing = diagnoses_of(coded("c", [{"system": LOCAL, "code": "H1"}]))
    assert dx.wilms_tumor(nothing).unread == ("Condition/c",)
    assert dx.acute_lymphoblastic_leukemia(nothing).unread == ("Condition/c",)
    other = diagnoses_of(coded("c", [{"system": LOCAL, "code": "H1"}], "Acute myeloid leukemia"))
    assert not dx.acute_lymphoblastic_leukemia(other).unread
    not_cancer = diagnoses_of(coded("c", [{"system": LOCAL, "code": "H1"}], "Essential hypertension"))
    assert not dx.soft_tissue_sarcoma(not_cancer).unread
    # "non-Hodgkin" is not Hodgkin; a valid non-neoplasm code is read
    assert not dx.hodgkin_lymphoma(
        diagnoses_of(coded("c", [{"system": LOCAL, "code": "1"}], "Non-Hodgkin lymphoma (follicular)"))
    ).unread
    assert not dx.hodgkin_lymphoma(diagnoses_of(condition("c", "I10"))).unread


@pytest.mark.parametrize(
    ("text", "could_be_wilms"),
    [
        # the label's words for why doxorubicin continues: a tumour, benign or malignant, of no named kind
        ("Cardioprotection; continuing DOXOrubicin to maintain tumor control", False),
        ("Malignant tumor of unknown primary", True),
        ("Wilms tumour, left kidney", True),
        ("Small round cell tumor, biopsy pending", True),
    ],
)
def test_the_bare_word_tumor_names_no_cancer_a_malignant_or_named_one_does(
    text: str, could_be_wilms: bool
) -> None:
    found = dx.wilms_tumor(diagnoses_of(reason={"text": text}), age=4)
    assert bool(found.unread) is could_be_wilms


def test_an_unspecific_code_whose_text_names_a_histology_leaves_it_unknown() -> None:
    c85 = coded("c", [{"system": ICD10CM, "code": "C85.90"}], "Burkitt lymphoma")
    found = dx.aggressive_mature_b_cell_lymphoma(diagnoses_of(c85))
    assert found.settled is None and "C85.90" in found.reason and "does not name a histology" in found.reason
    # the same code with no histology in its text is read as what it says
    assert not dx.aggressive_mature_b_cell_lymphoma(
        diagnoses_of(coded("c", [{"system": ICD10CM, "code": "C85.90"}]))
    ).unread
    snomed = coded("c", [{"system": SNOMED, "code": "363346000"}], "Hodgkin lymphoma, nodular sclerosis")
    assert dx.hodgkin_lymphoma(diagnoses_of(snomed)).unread == ("Condition/c",)


def test_an_invalid_code_in_a_known_system_is_not_read() -> None:
    found = dx.metastatic_breast_cancer(diagnoses_of(coded("c", [{"system": ICD10CM, "code": "C50.9999"}])))
    assert found.unread == ("Condition/c",) and "not a code of that classification" in found.reason


def test_read_by_any_identifier_who_icd_10_and_snomed_subtypes() -> None:
    oid = coded("c", [{"system": "urn:oid:2.16.840.1.113883.6.90", "code": "C91.00"}])
    assert dx.acute_lymphoblastic_leukemia(diagnoses_of(oid)).value is True
    assert dx.acute_lymphoblastic_leukemia(
        diagnoses_of(coded("c", [{"system": ICD10, "code": "C91.0"}]))
    ).value
    subtype = coded("c", [{"system": SNOMED, "code": "92516002"}])  # Burkitt's tumor, extranodal
    assert dx.aggressive_mature_b_cell_lymphoma(diagnoses_of(subtype)).value is True


def test_the_reasons_of_every_order_signed_together_are_diagnoses() -> None:
    order = medication_request("dexrazoxane", DEXRAZOXANE, (500, "mg/m2"))
    doxorubicin = medication_request("doxorubicin", DOXORUBICIN, (50, "mg/m2"))
    doxorubicin["reasonCode"] = [{"coding": [{"system": ICD10CM, "code": "C83.30"}]}]
    cancelled = medication_request("old", DOXORUBICIN, (50, "mg/m2"), status="cancelled")
    cancelled["reasonCode"] = [{"coding": [{"system": ICD10CM, "code": "C81.10"}]}]
    found = dx.recorded_diagnoses(pool_of(drafts=[order, doxorubicin, cancelled]), order, ON)
    assert dx.aggressive_mature_b_cell_lymphoma(found).value is True
    assert dx.hodgkin_lymphoma(found).value is False  # a cancelled draft is not part of the request


def test_an_extravasation_stated_only_in_words_leaves_the_purpose_unknown() -> None:
    order = medication_request("dexrazoxane", DEXRAZOXANE, (1000, "mg/m2"))
    order["reasonCode"] = [{"text": "doxorubicin extravasation, right hand"}]
    purpose = order_purpose(order, pool_of(drafts=[order]))
    assert purpose.value is None and purpose.unread == ("MedicationRequest/dexrazoxane",)
    order["reasonCode"] = [{"text": "cardioprotection"}]
    order["note"] = [{"text": "Totect protocol for the extravasation at the port"}]
    assert order_purpose(order, pool_of(drafts=[order])).unread == ("MedicationRequest/dexrazoxane",)
    # "infiltrating ductal carcinoma" is a cancer, not an infiltration of the drug
    order["note"] = []
    order["reasonCode"] = [{"text": "Infiltrating ductal carcinoma of the left breast"}]
    assert order_purpose(order, pool_of(drafts=[order])).unread == ()


def statement(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": f"outside-{status}",
        "status": status,
        "medicationCodeableConcept": DOXORUBICIN,
        "effectivePeriod": {"start": "2019-03-01", "end": "2019-05-10"},
        **extra,
    }


def test_outside_records_are_unknown_parts_named_after_their_resource() -> None:
    given = administration("a1", DOXORUBICIN, "2026-09-14T09:00:00Z", (50, "mg"))
    dispense = {
        "resourceType": "MedicationDispense",
        "id": "d1",
        "status": "completed",
        "medicationCodeableConcept": DOXORUBICIN,
        "whenHandedOver": "2026-09-14",
    }
    procedure = {
        "resourceType": "Procedure",
        "id": "p1",
        "status": "completed",
        "code": {"text": "Doxorubicin infusion (outside hospital)"},
        "performedDateTime": "2025-01-10",
    }
    pool = pool_of(
        statement("completed"),
        statement("not-taken"),
        statement("completed", id="later", effectivePeriod={"start": "2027-01-01"}),
        dispense,
        procedure,
        given,
    )
    from cds_service.clinical.administrations import counted_administrations

    doses = outside_doses(pool, counted_administrations(pool, frozenset({Agent.DOXORUBICIN})), cutoff=ON)
    assert sorted(d.reference for d in doses) == ["MedicationStatement/outside-completed", "Procedure/p1"]
    assert all(d.mg_m2 is None and "does not read doses from" in d.note for d in doses)


def test_a_drug_that_cannot_be_identified_could_be_an_anthracycline() -> None:
    ndc = medication_request(
        "ndc", {"coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "0069-3030-20"}]}, None
    )
    named = medication_request("named", {"text": "AC regimen: doxorubicin + cyclophosphamide"}, None)
    other = medication_request(
        "other", {"coding": [{"system": LOCAL, "code": "1"}], "text": "Ondansetron"}, None
    )
    pool = pool_of(drafts=[ndc, named, other])
    assert "could be an anthracycline" in unidentified(ndc, pool)
    assert unidentified(other, pool) == ""
    assert [ref for ref, _why in unidentified_orders(pool, THERAPY_STATUSES)] == [
        "MedicationRequest/named",
        "MedicationRequest/ndc",
    ]


def test_a_body_measure_not_read_is_found() -> None:
    measure = {
        "resourceType": "Observation",
        "id": "h",
        "status": "final",
        "code": {"coding": [{"system": LOCAL, "code": "HT"}], "text": "Height"},
        "effectiveDateTime": "2026-10-01",
        "valueQuantity": {"value": 160, "unit": "cm"},
    }
    assert measures_not_read(pool_of(measure)) == [("Observation/h", date(2026, 10, 1))]


def role(rid: str, specialty: list[dict[str, Any]] | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": rid,
        "practitioner": {"reference": f"Practitioner/{rid}-person"},
    }
    if specialty is not None:
        found["specialty"] = [{"coding": specialty}]
    return found


def test_who_prescribes_the_signing_user_for_an_organization_or_a_role_without_specialty() -> None:
    user = role("user", [{"system": SNOMED, "code": "394593009", "display": "Medical oncology"}])
    for requester in ({"reference": "Organization/o"}, {"reference": "PractitionerRole/bare"}):
        order = medication_request("dexrazoxane", DEXRAZOXANE, (500, "mg/m2"), requester=requester)
        pool = pool_of(
            {"resourceType": "Organization", "id": "o"},
            role("bare", None),
            user,
            user=("PractitionerRole/user"),
        )
        onc_or_hem, oncologist = prescriber_facts(order, pool, on=ON)
        assert onc_or_hem.value is True and oncologist.value is True


def test_a_specialty_not_read_that_could_be_oncology_is_unread() -> None:
    local = role("r", [{"system": LOCAL, "code": "ONC", "display": "Hematology/Oncology"}])
    order = medication_request(
        "dexrazoxane", DEXRAZOXANE, (500, "mg/m2"), requester={"reference": "PractitionerRole/r"}
    )
    onc_or_hem, _ = prescriber_facts(order, pool_of(local), on=ON)
    assert onc_or_hem.value is None and onc_or_hem.unread == ("PractitionerRole/r",)


def test_a_partial_read_of_outside_records_adds_an_unknown_part_and_keeps_the_known() -> None:
    from cds_service.clinical.facts import ClinicalFacts, DoseTotal
    from cds_service.clinical.partial_reads import unknown_where_partial

    facts = ClinicalFacts(
        order="MedicationRequest/d",
        approval_start=ON,
        cumulative_doxorubicin=DoseTotal(300.0, evidence=("MedicationAdministration/a",)),
    )
    read = unknown_where_partial(facts, {"medicationStatements": "medicationStatements: search failed"})
    total = read.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts, total.reaches(300.0), total.reaches(350.0)) == (
        300.0,
        1,
        True,
        None,
    )


def extravasation_in(code: str, system: str, text: str | None) -> dict[str, Any]:
    found = coded("x", [{"system": system, "code": code}], text)
    found["onsetDateTime"] = ON.isoformat()
    return found


def test_an_extravasation_under_a_code_that_names_no_drug_is_unread_beside_i_b_1() -> None:
    # WHO ICD-10 has no extravasation code; ICD-10-CM T80.8- other than T80.810 names no antineoplastic
    order = medication_request("dexrazoxane", DEXRAZOXANE, (1000, "mg/m2"))
    for code, system in (("T80.8", ICD10), ("T80.818A", ICD10CM), ("T80.89XA", ICD10CM), ("T80.9", ICD10)):
        record = extravasation_in(code, system, "Extravasation of doxorubicin, left forearm")
        found = dx.anthracycline_extravasation(pool_of(record, drafts=[order]), order, ON)
        assert (found.value, found.settled, found.unread) == (False, None, ("Condition/x",)), code
        assert code in found.reason and "extravasation of doxorubicin" in found.reason
    # the same codes with words of another complication are read as that complication
    record = extravasation_in("T80.8", ICD10, "Phlebitis following infusion")
    found = dx.anthracycline_extravasation(pool_of(record, drafts=[order]), order, ON)
    assert (found.value, found.unread) == (False, ())
    # the sequela of a T80.810 extravasation is a late effect, read as such whatever its words say
    record = extravasation_in("T80.810S", ICD10CM, "Extravasation of doxorubicin, scarring")
    found = dx.anthracycline_extravasation(pool_of(record, drafts=[order]), order, ON)
    assert (found.value, found.unread) == (False, ())


def test_a_recorded_extravasation_the_service_cannot_classify_still_selects_i_b_for_a_course() -> None:
    unread = Fact(False, (), "no anthracycline extravasation", ("Condition/x",))
    none: Fact[bool] = Fact(False, (), "no anthracycline extravasation in the 7 days before the order")
    course, repeating = Fact(True, ("MedicationRequest/d",)), Fact(False, ("MedicationRequest/d",))
    no_reason, in_words = Fact[str](None), Fact[str](None, (), "words", ("MedicationRequest/d",))
    assert judged_as_extravasation(no_reason, unread, course)
    assert judged_as_extravasation(in_words, unread, course)
    assert not judged_as_extravasation(no_reason, unread, repeating)  # a repeating order: cardioprotection
    assert not judged_as_extravasation(no_reason, none, course)  # nothing recorded
    assert not judged_as_extravasation(Fact("cardioprotection"), unread, course)
    assert judged_as_extravasation(Fact("extravasation"), none, repeating)  # the order's reason decides


def eob(rid: str, line: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": rid,
        "status": "active",
        "use": "claim",
        "billablePeriod": {"start": "2026-08-06", "end": "2026-08-06"},
        "item": [line],
        **extra,
    }


J9000 = {"coding": [{"system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "J9000"}]}


def test_doxorubicin_billed_on_claims_is_an_unknown_part_of_the_totals() -> None:
    from cds_service.clinical.administrations import counted_administrations

    given = administration("a1", DOXORUBICIN, "2026-09-14T09:00:00Z", (50, "mg"))
    ndc_detail = {
        "sequence": 1,
        "revenue": {"coding": [{"code": "0636"}]},
        "detail": [
            {
                "sequence": 1,
                "productOrService": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "0069-3030-20"}],
                    "text": "Doxorubicin HCl 2 mg/mL",
                },
            }
        ],
    }
    dstu2 = {
        "resourceType": "Claim",
        "id": "dstu2",
        "item": [{"service": {"system": "urn:oid:2.16.840.1.113883.6.285", "code": "J9000"}}],
    }
    pool = pool_of(
        eob("billed", {"sequence": 1, "productOrService": J9000, "servicedDate": "2026-08-06"}),
        eob("detail", ndc_detail),
        eob("cancelled", {"productOrService": J9000}, status="cancelled"),
        eob("preauthorization", {"productOrService": J9000}, use="preauthorization"),
        # billed for the dose charted here: that dose, not another
        eob("charted-here", {"productOrService": J9000, "servicedDate": "2026-09-14"}),
        eob("later", {"productOrService": J9000, "servicedDate": "2027-01-05"}),
        eob("ondansetron", {"productOrService": {"text": "Ondansetron 8 mg"}}),
        dstu2,
        given,
    )
    doses = outside_doses(pool, counted_administrations(pool, frozenset({Agent.DOXORUBICIN})), cutoff=ON)
    assert sorted(d.reference for d in doses) == [
        "Claim/dstu2",
        "ExplanationOfBenefit/billed",
        "ExplanationOfBenefit/detail",
    ]
    billed = next(d for d in doses if d.reference == "ExplanationOfBenefit/billed")
    assert billed.when == date(2026, 8, 6) and billed.mg_m2 is None and "billed on a claim" in billed.note


def test_a_chemotherapy_procedure_that_used_a_medication_names_its_drug() -> None:
    medication = {"resourceType": "Medication", "id": "m1", "code": DOXORUBICIN}
    procedure = {
        "resourceType": "Procedure",
        "id": "p1",
        "status": "completed",
        "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "96409"}]},
        "usedReference": [{"reference": "Medication/m1"}],
        "performedDateTime": "2025-01-10",
    }
    by_display = {**procedure, "id": "p2", "usedReference": [{"display": "Adriamycin 60 mg/m2"}]}
    doses = outside_doses(pool_of(medication, procedure, by_display), [], cutoff=ON)
    assert sorted(d.reference for d in doses) == ["Procedure/p1", "Procedure/p2"]


def test_a_diagnosis_found_only_on_a_claim_is_unread_beside_what_it_would_meet() -> None:
    claim = eob(
        "c1",
        {"productOrService": {"text": "office visit"}},
        diagnosis=[
            {"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": "C83.70"}]}},
            {"sequence": 2, "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": "C64.1"}]}},
            {"sequence": 3, "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": "I10"}]}},
        ],
    )
    found = diagnoses_of(claim)
    burkitt = dx.aggressive_mature_b_cell_lymphoma(found)
    assert (burkitt.value, burkitt.settled, burkitt.unread) == (False, None, ("ExplanationOfBenefit/c1",))
    assert "C837" in burkitt.reason and "billed on a claim" in burkitt.reason
    assert dx.wilms_tumor(found).unread == ("ExplanationOfBenefit/c1",)  # a kidney site, billed
    assert dx.hodgkin_lymphoma(found).unread == ()  # neither code could be Hodgkin
    cancelled = eob("c2", {}, status="cancelled", diagnosis=claim["diagnosis"])
    assert dx.aggressive_mature_b_cell_lymphoma(diagnoses_of(cancelled)).unread == ()
    # a billed bladder cancer is a rhabdomyosarcoma site in a child only, as a Condition would be
    bladder = eob(
        "c3",
        {},
        diagnosis=[{"diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": "C67.9"}]}}],
    )
    order = medication_request("dexrazoxane", DEXRAZOXANE, (500, "mg/m2"))
    for age, unread in ((4, ("ExplanationOfBenefit/c3",)), (60, ())):
        found = dx.recorded_diagnoses(pool_of(bladder, drafts=[order]), order, ON, age)
        assert dx.soft_tissue_sarcoma(found, age).unread == unread, age


def _unidentified_doses(*resources: dict[str, Any]) -> list[Any]:
    pool = pool_of(*resources)
    unidentified_: list[dict[str, Any]] = []
    given = counted_administrations(pool, frozenset({Agent.DOXORUBICIN}), unidentified_)
    return outside_doses(pool, given, cutoff=ON, unidentified=unidentified_)


CHEMOTHERAPY = {"text": "Chemotherapy infusion (see order)"}


def test_a_dose_whose_drug_is_not_identified_under_an_order_of_an_anthracycline_is_an_unknown_part() -> None:
    order = medication_request("c3", EPIRUBICIN, (50, "mg/m2"), status="completed")
    dose = administration("a3", CHEMOTHERAPY, "2026-08-17", (50, "mg/m2"), request="MedicationRequest/c3")
    (found,) = _unidentified_doses(order, dose)
    assert (found.reference, found.agent, found.mg_m2) == (
        "MedicationAdministration/a3",
        Agent.EPIRUBICIN,
        None,
    )
    assert found.note == (
        "its drug cannot be identified (text 'Chemotherapy infusion (see order)'), but it is charted under "
        "MedicationRequest/c3, an order of epirubicin: it could be epirubicin: an unknown part of the total "
        "until its drug is sent"
    )
    # an order whose own drug is not identified but could be an anthracycline (a code not read, no text)
    ndc = medication_request("c3", {"coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "1"}]}, None)
    (found,) = _unidentified_doses(ndc, dose)
    assert "an order whose drug could be an anthracycline" in found.note
    # a stopped dose that records what was given before the stop is looked at too
    stopped = {**dose, "status": "stopped"}
    assert len(_unidentified_doses(order, stopped)) == 1


def test_a_dose_whose_words_name_no_anthracycline_under_another_order_or_none_is_no_dose() -> None:
    ondansetron = medication_request(
        "premed", {"text": "Ondansetron 16 mg IV"}, (16, "mg"), status="completed"
    )
    under_premed = administration(
        "a3", CHEMOTHERAPY, "2026-08-17", (50, "mg/m2"), request="MedicationRequest/premed"
    )
    alone = administration("a4", CHEMOTHERAPY, "2026-09-07", (50, "mg/m2"))
    not_sent = administration("a5", CHEMOTHERAPY, "2026-09-28", (50, "mg/m2"), request="MedicationRequest/x")
    assert _unidentified_doses(ondansetron, under_premed, alone, not_sent) == []
