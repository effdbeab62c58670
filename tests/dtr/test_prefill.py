from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cds_service.clinical.facts import DoseTotal, Fact
from cds_service.dtr.prefill import prefill_answers, questionnaire_response
from cds_service.response.fhir_validation import r4_problem
from tests.response.determinations import approve, pend

CANONICAL = "https://payer.example.org/fhir/Questionnaire/cp-phar-418-dexrazoxane|2026.05.1"
NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def answers(response: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {item["linkId"]: item["answer"] for group in response.get("item", []) for item in group["item"]}


def test_the_response_is_prefilled_with_computed_values_and_met_criteria() -> None:
    response = questionnaire_response(
        canonical=CANONICAL,
        answers=prefill_answers(pend()),
        subject="Patient/pat-1",
        orders=["MedicationRequest/dex-1"],
        authored=NOW,
    )
    assert r4_problem(response) is None
    assert response["status"] == "in-progress"
    assert response["questionnaire"] == CANONICAL
    assert response["subject"] == {"reference": "Patient/pat-1"}
    found = answers(response)
    assert found["age-years"] == [{"valueInteger": 54}]
    assert found["cumulative-doxorubicin-mg-m2"] == [{"valueDecimal": 300.0}]
    assert found["dose-ratio"] == [{"valueDecimal": 10.0}]
    assert found["diagnoses"] == [{"valueString": "Metastatic breast cancer"}]
    assert found["I.A.1"] == [{"valueBoolean": True}]
    assert found["I.A.5.a"] == [{"valueBoolean": True}]
    assert "I.A.2" not in found  # unknown: the clinician answers it


def test_criteria_not_met_are_left_blank_and_partial_totals_are_not_shown() -> None:
    determination = approve(
        cumulative_doxorubicin=DoseTotal(300.0, unknown_parts=1),
        age_years=Fact(None),
        metastatic_breast_cancer=Fact(False),
    )
    found = answers(
        questionnaire_response(
            canonical=CANONICAL, answers=prefill_answers(determination), subject=None, orders=[], authored=NOW
        )
    )
    assert (
        "cumulative-doxorubicin-mg-m2" not in found and "age-years" not in found and "diagnoses" not in found
    )


def test_without_a_determination_the_response_is_unfilled() -> None:
    response = questionnaire_response(canonical=CANONICAL, answers={}, subject=None, orders=[], authored=NOW)
    assert r4_problem(response) is None
    assert "item" not in response


def test_the_members_coverage_is_asked_and_prefilled_only_when_known() -> None:
    """The documentation list asks for the member's coverage under 'coverage' when the line of business is
    unknown (docs/decisions.md); the template carries the question, answered here when it is known."""
    known = answers(
        questionnaire_response(
            canonical=CANONICAL, answers=prefill_answers(approve()), subject=None, orders=[], authored=NOW
        )
    )
    assert known["coverage"] == [{"valueString": "line of business: commercial"}]
    unknown = prefill_answers(pend(line_of_business=Fact(None)))
    assert "coverage" not in unknown
