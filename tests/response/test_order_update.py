from __future__ import annotations

import copy
from typing import Any

import pytest

from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL
from cds_service.response.fhir_validation import r4_problem
from cds_service.response.order_update import NO_ID_PROBLEM, coverage_update, with_coverage_information
from tests.response.determinations import draft_order


def info(assertion_id: str) -> dict[str, Any]:
    return {
        "url": COVERAGE_INFORMATION_URL,
        "extension": [
            {"url": "coverage", "valueReference": {"reference": "Coverage/c"}},
            {"url": "covered", "valueCode": "covered"},
            {"url": "pa-needed", "valueCode": "auth-needed"},
            {"url": "date", "valueDate": "2026-11-28"},
            {"url": "coverage-assertion-id", "valueString": assertion_id},
        ],
    }


def test_the_update_is_the_draft_unchanged_but_for_the_appended_extension() -> None:
    draft = draft_order()
    received = copy.deepcopy(draft)
    update = coverage_update(draft, info("a"), description="Record coverage information")
    assert update.action is not None and update.problem is None
    assert update.action["type"] == "update"
    assert update.action["description"]
    resource = update.action["resource"]
    assert {k: v for k, v in resource.items() if k != "extension"} == received
    assert resource["extension"] == [info("a")]
    assert draft == received  # the draft itself is not mutated
    assert r4_problem(resource) is None


def test_other_extensions_stay_and_our_earlier_assertion_is_replaced() -> None:
    other = {"url": "http://example.org/ehr-flag", "valueBoolean": True}
    draft = {**draft_order(), "extension": [other, info("a"), info("from-another-coverage")]}
    updated = with_coverage_information(draft, info("a"))
    assert updated["extension"] == [other, info("from-another-coverage"), info("a")]


@pytest.mark.parametrize(
    "odd",
    [{"unknownThing": 1}, {"category": {"text": "sandbox sends an object"}}],
    ids=["unknown-element", "sandbox-category-object"],
)
def test_a_draft_that_is_not_valid_r4_still_gets_its_update_echoed_exactly(
    odd: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # CRD §resp-29/§hook-16: one coverage-information per in-scope order; §found-33: ignore the unexpected.
    draft = {**draft_order(), **odd}
    received = copy.deepcopy(draft)
    update = coverage_update(draft, info("a"), description="x")
    assert update.action is not None and update.problem is None
    resource = update.action["resource"]
    assert {k: v for k, v in resource.items() if k != "extension"} == received
    assert resource["extension"] == [info("a")]
    logged = capsys.readouterr().out
    assert "draft_order_not_r4" in logged
    assert "sandbox sends an object" not in logged


def test_a_draft_without_an_id_gets_no_action() -> None:
    draft = {k: v for k, v in draft_order().items() if k != "id"}
    update = coverage_update(draft, info("a"), description="x")
    assert update.action is None and update.problem == NO_ID_PROBLEM


def test_an_invalid_extension_is_never_sent() -> None:
    bad = {**info("a"), "extension": [{"url": "covered", "valueCode": 3}]}
    update = coverage_update(draft_order(), bad, description="x")
    assert update.action is None and update.problem is not None


def test_a_dstu2_medication_order_gets_no_action() -> None:
    draft = {**draft_order(), "resourceType": "MedicationOrder"}
    update = coverage_update(draft, info("a"), description="x")
    assert update.action is None
    assert update.problem == "MedicationOrder is not an R4 resource type"


def test_a_draft_whose_replaced_assertion_was_not_valid_is_still_said_to_be_invalid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The update drops the earlier assertion of the same id: an update valid as a whole then says nothing
    of the draft as received, which is validated on its own."""
    earlier = {**info("a"), "extension": [*info("a")["extension"], {"url": "covered", "valueCode": 3}]}
    draft = {**draft_order(), "extension": [earlier]}
    update = coverage_update(draft, info("a"), description="x")
    assert update.action is not None and update.action["resource"]["extension"] == [info("a")]
    assert r4_problem(update.action["resource"]) is None
    assert "draft_order_not_r4" in capsys.readouterr().out
