"""What the Inferno CRD server kit checks on an order-sign response (davinci-crd-test-kit, order-sign group),
as plain assertions over the response JSON. Profile validation is approximated by fhir.resources R4 validation
plus the CRD 2.0.1 MedicationRequest musts (status draft, authoredOn, requester)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from cds_service.response.coverage_invariants import invariant_violations
from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL, CrdVersion
from cds_service.response.fhir_validation import r4_problem

ORDER_TYPES = {"DeviceRequest", "MedicationRequest", "NutritionOrder", "ServiceRequest", "VisionPrescription"}


def check_response_shape(response: dict[str, Any]) -> None:
    """3.6.05: `cards` and (for order-sign) `systemActions` arrays; valid cards and actions."""
    assert isinstance(response["cards"], list)
    assert isinstance(response["systemActions"], list)
    for card in response["cards"]:
        assert isinstance(card["summary"], str) and len(card["summary"]) < 140
        assert card["indicator"] in {"info", "warning", "critical"}
        assert isinstance(card["source"]["label"], str)
        assert isinstance(card["source"]["topic"]["code"], str)
        assert isinstance(card["source"]["topic"]["system"], str)
    for action in response["systemActions"]:
        assert action["type"] in {"create", "update", "delete"}
        assert isinstance(action["description"], str) and action["description"]
        assert r4_problem(action["resource"]) is None


def check_optional_fields(response: dict[str, Any]) -> None:
    """3.6.06: uuid and detail strings; links, suggestions arrays; selectionBehavior with suggestions."""
    for card in response["cards"]:
        assert isinstance(card["uuid"], str)
        assert isinstance(card["detail"], str)
        for link in card.get("links", []):
            assert link["label"] and link["type"] in {"absolute", "smart"}
            url = urlparse(link["url"])
            assert url.scheme in {"http", "https"} and url.netloc
            assert "appContext" not in link or link["type"] == "smart"
        if "suggestions" in card:
            assert card["selectionBehavior"] in {"at-most-one", "any"}
            for suggestion in card["suggestions"]:
                assert suggestion["label"] and isinstance(suggestion["uuid"], str)
                assert isinstance(suggestion["actions"], list) and suggestion["actions"]


def external_reference_cards(response: dict[str, Any]) -> list[dict[str, Any]]:
    """3.6.07: cards whose links are all absolute."""
    return [
        c
        for c in response["cards"]
        if c.get("links") and all(link["type"] == "absolute" for link in c["links"])
    ]


def instructions_cards(response: dict[str, Any]) -> list[dict[str, Any]]:
    """3.6.09: valid cards with no links and no suggestions."""
    return [c for c in response["cards"] if not c.get("links") and not c.get("suggestions")]


def coverage_information_actions(response: dict[str, Any]) -> list[dict[str, Any]]:
    """3.6.10: system actions on an order resource carrying ext-coverage-information."""
    return [
        action
        for action in response["systemActions"]
        if action.get("resource", {}).get("resourceType") in ORDER_TYPES
        and any(e.get("url") == COVERAGE_INFORMATION_URL for e in action["resource"].get("extension", []))
    ]


def check_coverage_information(response: dict[str, Any], version: CrdVersion = CrdVersion.SAFE) -> None:
    """3.6.11 (coverage_information_system_action_validation_test.rb): `update`, a profile-valid resource
    and, within each resource, one assertion id and at most one PA id per coverage, distinct across
    coverages."""
    for action in coverage_information_actions(response):
        assert action["type"] == "update"
        resource = action["resource"]
        assert r4_problem(resource) is None
        assert resource["status"] == "draft" and resource["authoredOn"] and resource["requester"]
        by_coverage: dict[str, tuple[set[str], set[str]]] = {}
        for extension in resource["extension"]:
            if extension["url"] != COVERAGE_INFORMATION_URL:
                continue
            assert invariant_violations(extension, version=version) == []
            subs = {sub["url"]: sub for sub in extension["extension"]}
            coverage = subs["coverage"]["valueReference"]["reference"]
            assertion_ids, pa_ids = by_coverage.setdefault(coverage, (set(), set()))
            assertion_ids.add(subs["coverage-assertion-id"]["valueString"])
            if "satisfied-pa-id" in subs:
                pa_ids.add(subs["satisfied-pa-id"]["valueString"])
        across_assertions: list[str] = []
        across_pa: list[str] = []
        for assertion_ids, pa_ids in by_coverage.values():
            assert len(assertion_ids) == 1 and len(pa_ids) <= 1
            across_assertions.extend(assertion_ids)
            across_pa.extend(pa_ids)
        assert len(set(across_assertions)) == len(across_assertions)
        assert len(set(across_pa)) == len(across_pa)


def check_propose_alternate(
    response: dict[str, Any], draft_orders: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """3.6.12: suggestions with an `update` whose target is in draftOrders, the resource profile-valid."""
    drafts = {(o["resourceType"], o["id"]) for o in draft_orders}
    updates = []
    for card in response["cards"]:
        for suggestion in card.get("suggestions", []):
            for action in suggestion["actions"]:
                if action["type"] == "update":
                    resource = action["resource"]
                    assert (resource["resourceType"], resource["id"]) in drafts
                    assert r4_problem(resource) is None
                    updates.append(action)
    return updates
