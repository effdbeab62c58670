from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cds_service.dtr.package import parse_package_request, questionnaire_package
from cds_service.dtr.questionnaire import questionnaire
from cds_service.dtr.store import determination_records
from cds_service.errors import InvalidRequest, NotFound
from cds_service.response.fhir_validation import r4_problem
from cds_service.store.records import DeterminationRecord
from tests.response.determinations import PATIENT_ID, assessed, draft_order, pend

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
QUESTIONNAIRE = questionnaire(public_base_url="https://payer.example.org", publisher="Example Health Plan")
COVERAGE = {
    "resourceType": "Coverage",
    "id": "cov-1",
    "status": "active",
    "beneficiary": {"reference": "Patient/pat-1"},
    "payor": [{"display": "Plan"}],
}


def parameters(*parameter: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": list(parameter)}


def coverage(resource: dict[str, Any] = COVERAGE) -> dict[str, Any]:
    return {"name": "coverage", "resource": resource}


def context(value: str) -> dict[str, Any]:
    return {"name": "context", "valueString": value}


def stored(client: str = "") -> DeterminationRecord:
    """What the store holds for pend() after an order-sign call by ``client``."""
    (record,) = determination_records(
        assessed(pend(), key=b"k", client=client),
        patient_id=PATIENT_ID,
        client=client,
        now=NOW,
        retention_days=1,
    )
    return record


def package(
    body: dict[str, Any], record: DeterminationRecord | None = None, client: str = ""
) -> dict[str, Any]:
    return questionnaire_package(
        parse_package_request(body), questionnaire=QUESTIONNAIRE, stored=record, now=NOW, client=client
    )


def response_of(result: dict[str, Any]) -> dict[str, Any]:
    (parameter,) = result["parameter"]
    assert parameter["name"] == "packagebundle"
    bundle = parameter["resource"]
    questionnaire_entry, response_entry = bundle["entry"]
    assert questionnaire_entry["resource"] == QUESTIONNAIRE
    return dict(response_entry["resource"])


def test_a_known_context_for_the_same_coverage_is_prefilled() -> None:
    result = package(parameters(coverage(), context("assert-1")), stored())
    assert r4_problem(result) is None
    response = response_of(result)
    assert response["subject"] == {"reference": "Patient/pat-1"}
    assert response["extension"][0]["valueReference"] == {"reference": "MedicationRequest/dex-1"}
    assert "item" in response


def test_a_context_for_another_coverage_is_not_prefilled() -> None:
    result = package(parameters(coverage({**COVERAGE, "id": "someone-else"}), context("assert-1")), stored())
    assert "item" not in response_of(result)


def test_a_context_recorded_for_another_client_is_not_prefilled() -> None:
    """Bound to the caller's verified JWT issuer: one EHR cannot read what another was told."""
    record = stored("https://ehr-one.example")
    body = parameters(coverage(), context("assert-1"))
    assert "item" in response_of(package(body, record, "https://ehr-one.example"))
    assert "item" not in response_of(package(body, record, "https://ehr-two.example"))
    assert "item" not in response_of(package(body, record))


def test_an_order_without_context_gets_an_unfilled_response() -> None:
    result = package(parameters(coverage(), {"name": "order", "resource": draft_order()}))
    response = response_of(result)
    assert "item" not in response
    assert response["extension"][0]["valueReference"] == {"reference": "MedicationRequest/dex-1"}


def test_asking_for_our_questionnaire_by_canonical_works_and_another_is_not_found() -> None:
    ours = {"name": "questionnaire", "valueCanonical": QUESTIONNAIRE["url"] + "|" + QUESTIONNAIRE["version"]}
    assert response_of(package(parameters(coverage(), ours)))
    other = {"name": "questionnaire", "valueCanonical": "https://elsewhere.example.org/Questionnaire/x"}
    with pytest.raises(NotFound):
        package(parameters(coverage(), other))


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"resourceType": "Bundle"},
        {"resourceType": "Parameters", "parameter": "coverage"},
        parameters(context("a")),
        parameters({"name": "coverage", "resource": {"resourceType": "Patient"}}, context("a")),
        parameters(coverage(), coverage(), context("a")),
        parameters(coverage()),
        parameters(coverage(), {"name": "context", "valueString": ""}),
        parameters(coverage(), context("a"), context("b")),
        parameters(coverage(), {"name": "order"}),
        parameters(coverage(), {"name": "questionnaire", "valueBoolean": True}),
    ],
)
def test_bad_parameters_are_invalid_requests(body: Any) -> None:
    with pytest.raises(InvalidRequest):
        parse_package_request(body)
