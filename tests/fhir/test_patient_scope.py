from __future__ import annotations

from cds_service.fhir.patient_scope import belongs_to_other_patient, only_this_patient


def test_resources_naming_another_patient_are_recognised_by_any_patient_element() -> None:
    assert belongs_to_other_patient({"resourceType": "Condition", "subject": {"reference": "Patient/b"}}, "a")
    assert belongs_to_other_patient({"resourceType": "Condition", "patient": {"reference": "Patient/b"}}, "a")
    assert belongs_to_other_patient(
        {"resourceType": "Coverage", "beneficiary": {"reference": "Patient/b"}}, "a"
    )
    assert belongs_to_other_patient(
        {"resourceType": "ResearchSubject", "individual": {"reference": "https://x/fhir/Patient/b"}}, "a"
    )
    assert belongs_to_other_patient({"resourceType": "Patient", "id": "b"}, "a")


def test_this_patient_and_unknowable_references_are_kept() -> None:
    assert not belongs_to_other_patient(
        {"resourceType": "Condition", "subject": {"reference": "Patient/a"}}, "a"
    )
    assert not belongs_to_other_patient(
        {"resourceType": "Condition", "subject": {"reference": "Patient/a/_history/2"}}, "a"
    )
    assert not belongs_to_other_patient(
        {"resourceType": "Condition", "subject": {"reference": "urn:uuid:1"}}, "a"
    )
    assert not belongs_to_other_patient(
        {"resourceType": "Observation", "subject": {"reference": "Group/g"}}, "a"
    )
    assert not belongs_to_other_patient({"resourceType": "ResearchStudy", "id": "s"}, "a")
    assert not belongs_to_other_patient({"resourceType": "Condition", "subject": "Patient/b"}, "a")


def test_a_bundle_loses_only_the_other_patients_entries() -> None:
    mine = {"resource": {"resourceType": "Condition", "id": "1", "subject": {"reference": "Patient/a"}}}
    theirs = {"resource": {"resourceType": "Condition", "id": "2", "subject": {"reference": "Patient/b"}}}
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [mine, theirs, "junk"]}
    kept, dropped = only_this_patient(bundle, "a")
    assert dropped == 1
    assert kept["entry"] == [mine, "junk"]
    assert bundle["entry"] == [mine, theirs, "junk"]  # the request is not modified
    assert only_this_patient({"resourceType": "Patient", "id": "b"}, "a")[1] == 1
