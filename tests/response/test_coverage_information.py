from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cds_service.policy.determination import Decision, Determination
from cds_service.response.coverage_information import coverage_information
from cds_service.response.coverage_invariants import invariant_violations
from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL, CrdVersion
from tests.response.determinations import (
    COVERAGE,
    TODAY,
    approve,
    coverage_unknown,
    deceased,
    deny,
    medicare,
    pend,
)

CANONICAL = "http://127.0.0.1:8080/fhir/Questionnaire/cp-phar-418-dexrazoxane|2026.05.1"


def build(determination: Determination, version: CrdVersion = CrdVersion.SAFE) -> dict[str, Any]:
    extension = coverage_information(
        determination,
        coverage=COVERAGE,
        assertion_id="assert-1",
        pa_id="CP418-PA",
        questionnaire=CANONICAL,
        today=TODAY,
        version=version,
    )
    assert extension is not None
    return extension


def values(extension: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for sub in extension["extension"]:
        value = next((v for k, v in sub.items() if k.startswith("value")), sub.get("extension"))
        found.setdefault(sub["url"], []).append(value)
    return found


@pytest.mark.parametrize("version", list(CrdVersion))
@pytest.mark.parametrize("make", [approve, deny, pend])
def test_every_decision_obeys_the_invariants_in_both_versions(make: Any, version: CrdVersion) -> None:
    extension = build(make(), version)
    assert extension["url"] == COVERAGE_INFORMATION_URL
    assert invariant_violations(extension, version=version) == []


def test_approve_is_covered_with_pa_satisfied_and_a_pa_id() -> None:
    found = values(build(approve()))
    assert found["coverage"] == [{"reference": COVERAGE}]
    assert found["covered"] == ["covered"]
    assert found["pa-needed"] == ["satisfied"]
    assert found["satisfied-pa-id"] == ["CP418-PA"]
    assert "doc-needed" not in found and "doc-purpose" not in found and "questionnaire" not in found
    assert found["date"] == ["2026-11-28"]
    assert found["coverage-assertion-id"] == ["assert-1"]
    assert found["billingCode"] == [
        {
            "system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
            "code": "J1190",
            "display": "Injection, dexrazoxane hydrochloride, per 250 mg",
        }
    ]
    assert "2027-01-30" in found["reason"][0]["text"]


def test_approve_under_2_2_asks_to_retain_the_chart_notes_and_shares_the_expiry() -> None:
    found = values(build(approve(), CrdVersion.V2_2))
    assert found["doc-needed"] == ["clinical"]
    assert found["doc-purpose"] == ["retain-doc"]
    assert found["expiry-date"] == ["2027-01-30"]
    assert "detail" in found


def test_default_output_has_no_2_2_only_elements() -> None:
    for make in (approve, deny, pend):
        found = values(build(make()))
        assert not {"expiry-date", "detail", "contact"} & set(found)


def test_deny_is_not_covered_without_pa_needed_and_names_the_unmet_criterion() -> None:
    found = values(build(deny()))
    assert found["covered"] == ["not-covered"]
    assert "pa-needed" not in found and "satisfied-pa-id" not in found
    assert "I.A.4" in found["reason"][0]["text"]
    assert "CP.CPA.09" in found["reason"][0]["text"]


def test_pend_needs_clinical_documentation_with_the_pa_and_points_at_the_questionnaire() -> None:
    found = values(build(pend()))
    assert found["covered"] == ["covered"]
    assert found["pa-needed"] == ["auth-needed"]
    assert found["doc-needed"] == ["clinical"]
    assert found["doc-purpose"] == ["withpa"]
    assert found["questionnaire"] == [CANONICAL]
    assert "I.A.2" in found["reason"][0]["text"]
    assert "satisfied-pa-id" not in found


def test_not_applicable_has_no_coverage_information() -> None:
    extension = coverage_information(
        medicare(),
        coverage=COVERAGE,
        assertion_id="a",
        pa_id="p",
        questionnaire=CANONICAL,
        today=TODAY,
        version=CrdVersion.SAFE,
    )
    assert extension is None


@pytest.mark.parametrize("version", list(CrdVersion))
def test_evidence_awaiting_the_payers_review_is_auth_needed_without_doc_needed(version: CrdVersion) -> None:
    """docs/facts.md "Record integrity": the evidence was received; nothing more to send, so no doc-needed, no
    doc-purpose and no questionnaire (crd-ci-q1), and the reason says it awaits the payer's review."""
    under_review = replace(pend(), documentation=(), evidence_under_review=("I.A.5.b",))
    extension = build(under_review, version)
    found = values(extension)
    assert found["covered"] == ["covered"]
    assert found["pa-needed"] == ["auth-needed"]
    assert "doc-needed" not in found and "doc-purpose" not in found and "questionnaire" not in found
    assert "I.A.5.b was received and awaits the payer's review" in found["reason"][0]["text"]
    assert invariant_violations(extension, version=version) == []
    # with something else still to send, the documentation is asked for as usual
    still_open = replace(pend(), evidence_under_review=("I.A.5.b",))
    assert values(build(still_open, version))["doc-needed"] == ["clinical"]


def _unknown_approve() -> Determination:
    return coverage_unknown(Decision.APPROVE)


def _unknown_deny() -> Determination:
    return coverage_unknown(Decision.DENY)


def _unknown_pend() -> Determination:
    return coverage_unknown(Decision.PEND)


@pytest.mark.parametrize("version", list(CrdVersion))
@pytest.mark.parametrize("make", [_unknown_approve, _unknown_deny, _unknown_pend, deceased])
def test_an_unknown_line_of_business_and_a_deceased_patient_obey_the_invariants(
    make: Any, version: CrdVersion
) -> None:
    assert invariant_violations(build(make(), version), version=version) == []


@pytest.mark.parametrize("would", [Decision.APPROVE, Decision.DENY])
def test_an_unknown_line_of_business_is_conditional_and_asks_for_the_coverage(would: Decision) -> None:
    """crd-ci-q3: something conditional, so info-needed (OTH, with the reason saying what: q6)."""
    found = values(build(coverage_unknown(would)))
    assert found["covered"] == ["conditional"] and found["pa-needed"] == ["conditional"]
    assert found["info-needed"] == ["OTH"]
    assert "doc-needed" not in found and "questionnaire" not in found and "satisfied-pa-id" not in found
    (reason,) = found["reason"]
    assert "send the member's coverage" in reason["text"]
    assert ("criteria are met" if would is Decision.APPROVE else "criteria are not met") in reason["text"]


def test_an_unknown_line_of_business_with_open_criteria_also_asks_for_the_documentation() -> None:
    found = values(build(coverage_unknown(Decision.PEND), CrdVersion.V2_2))
    assert found["covered"] == ["conditional"] and found["info-needed"] == ["OTH"]
    assert found["doc-needed"] == ["clinical"] and found["doc-purpose"] == ["withpa"]
    assert found["questionnaire"] == [CANONICAL]
    details = [
        {sub["url"]: sub for sub in detail}["code"]["valueCodeableConcept"]["coding"][0]["code"]
        for detail in found["detail"]
    ]
    assert details == ["policy-link", "instructions"]
