"""Another patient's records sent as this patient's (clinical/other_patients.py, docs/facts.md "Another
patient's records"): never a fact of this patient's, never nothing either."""

from __future__ import annotations

from datetime import date

from cds_service.clinical import diagnoses as dx
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.other_patients import other_patients, patient_mismatch
from cds_service.fhir.pool import Resource, ResourcePool
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    administration,
    condition,
    height,
    medication_request,
    patient,
    pool_of,
    weight,
)

TODAY = date(2026, 11, 28)


def theirs(resource: Resource, key: str = "subject") -> tuple[str, Resource]:
    """``resource`` naming another patient, as the prefetch sent it (under its key)."""
    return "prefetch.some-key", {**resource, key: {"reference": "Patient/someone-else"}}


def _facts(*resources: Resource, others: tuple[tuple[str, Resource], ...] = ()) -> ClinicalFacts:
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored=TODAY.isoformat())
    pool = pool_of(patient(), *resources, drafts=[dex])
    pool.other_patients.extend(others)
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=TODAY, line_of_business_map={})


FIVE = [administration(f"d{i}", DOXORUBICIN, f"2026-0{i + 3}-01T09:00:00Z", (50, "mg/m2")) for i in range(5)]


def test_another_patients_dose_is_an_unknown_part_named_never_a_dose_nor_nothing() -> None:
    foreign = theirs(administration("x", DOXORUBICIN, "2026-11-07T09:00:00Z", (60, "mg/m2")))
    facts = _facts(*FIVE, others=(foreign,))
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (250, 1)
    assert total.unknown_reasons == (
        "MedicationAdministration/x: it names another patient, though sent as this patient's: not counted",
    )
    assert facts.set_aside == (
        "MedicationAdministration/x set aside: it names another patient, though sent as this patient's "
        "(under prefetch.some-key)",
    )
    # a known part that already reaches the threshold still meets it
    more = [
        administration(f"e{i}", DOXORUBICIN, f"2025-0{i + 1}-01T09:00:00Z", (50, "mg/m2")) for i in range(2)
    ]
    assert _facts(*FIVE, *more, others=(foreign,)).cumulative_doxorubicin.reaches(300) is True


def test_another_patients_order_condition_and_measures_are_not_nothing() -> None:
    order = theirs(medication_request("o", DOXORUBICIN, (75, "mg/m2"), status="active"))
    facts = _facts(*FIVE, others=(order,))
    assert facts.planned_doxorubicin.unknown_parts >= 1
    assert any("it names another patient" in why for why in facts.planned_doxorubicin.unknown_reasons)

    breast = theirs(condition("c", "C50.911"), key="subject")
    pool = ResourcePool(patient_id="p")
    pool.other_patients.append(breast)
    found = other_patients(pool, cutoff=TODAY)
    assert [c["id"] for c in found.conditions] == ["c"]

    measures = [theirs(height("h", "2026-11-27", 165)), theirs(weight("w", "2026-11-27", 60))]
    pool = ResourcePool(patient_id="p")
    pool.other_patients.extend(measures)
    assert other_patients(pool, cutoff=TODAY).measures == (
        ("Observation/h", date(2026, 11, 27)),
        ("Observation/w", date(2026, 11, 27)),
    )


def test_a_diagnosis_found_only_on_another_patients_condition_is_unread_beside_it() -> None:
    pool = pool_of(patient())
    pool.other_patients.append(theirs(condition("c", "C91.00")))
    found = dx.acute_lymphoblastic_leukemia(
        dx.recorded_diagnoses(pool, medication_request("dex", DEXRAZOXANE, None))
    )
    assert found.value is False and found.unread == ("Condition/c",)
    assert found.settled is None  # the policy reads it as unknown


def test_an_order_citing_another_patients_condition_says_so_not_that_a_search_was_partial() -> None:
    """The order's reason names a sibling's Hodgkin Condition the prefetch sent and the service set aside:
    it was received, so it is no sign that the Condition search was not read whole; it is read as another
    patient's, beside the indication it would meet, and leaves no other indication open."""
    pool = pool_of(patient())
    pool.other_patients.append(theirs(condition("c", "C81.12")))
    order = medication_request("dex", DEXRAZOXANE, None, reasonReference=[{"reference": "Condition/c"}])
    found = dx.recorded_diagnoses(pool, order)
    hodgkin = dx.hodgkin_lymphoma(found)
    assert hodgkin.unread == ("Condition/c",) and "recorded for another patient" in hodgkin.reason
    assert "not read whole" not in hodgkin.reason
    assert dx.wilms_tumor(found).unread == ()


def test_a_patient_sent_that_is_another_patient_is_a_mismatch_named_without_its_id() -> None:
    pool = ResourcePool(patient_id="p")
    pool.other_patients.append(("prefetch.patient", {"resourceType": "Patient", "id": "father"}))
    mismatch = patient_mismatch(pool)
    assert mismatch.value is True and "father" not in mismatch.reason
    assert "another patient" in mismatch.reason
    (note,) = other_patients(pool, cutoff=TODAY).notes
    assert "father" not in note
    # this patient's own Patient is there too: the record is this patient's
    pool.add(patient())
    assert patient_mismatch(pool).value is False


def test_a_dexrazoxane_order_whose_subject_is_another_patient_is_a_mismatch() -> None:
    dex = {
        **medication_request("dex", DEXRAZOXANE, (500, "mg/m2")),
        "subject": {"reference": "Patient/sibling"},
    }
    pool = pool_of(patient(), drafts=[dex])
    found = patient_mismatch(pool, dex)
    assert found.value is True and found.evidence == ("MedicationRequest/dex",)
    assert (
        patient_mismatch(pool_of(patient(), drafts=[medication_request("dex", DEXRAZOXANE, None)])).value
        is False
    )


def test_a_doxorubicin_order_signed_here_for_another_patient_is_no_therapy_nor_nothing() -> None:
    """Signed in this patient's hook, its subject another patient: not this patient's concurrent
    doxorubicin (it approved on it), its doses an unknown part of the planned totals, its reason only
    beside the indications it would meet."""
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored=TODAY.isoformat())
    dox = {
        **medication_request("dox", DOXORUBICIN, (50, "mg/m2"), authored=TODAY.isoformat()),
        "subject": {"reference": "Patient/sibling"},
        "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C64.1"}]}],
    }
    pool = pool_of(patient("2020-01-01"), *FIVE, drafts=[dex, dox])
    facts = extract_facts(pool, dexrazoxane_orders(pool)[0], today=TODAY, line_of_business_map={})
    assert facts.concurrent_doxorubicin.value is None
    assert "MedicationRequest/dox is signed for this patient but names another patient" in (
        facts.concurrent_doxorubicin.reason
    )
    assert (facts.planned_doxorubicin.known_mg_m2, facts.planned_doxorubicin.unknown_parts) == (250, 1)
    assert facts.wilms_tumor.value is False and facts.wilms_tumor.unread == ("MedicationRequest/dox",)
