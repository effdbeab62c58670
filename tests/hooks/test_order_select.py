"""The order-select service over HTTP: provisional guidance on the selected dexrazoxane orders, one short
card, no system action; the request fixtures of fhir_fixtures/requests/ a client sends right and wrong."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from cds_service.hooks.discovery import SELECT_SERVICE_ID, SERVICE_ID
from cds_service.hooks.parse import MAX_ORDERS_NAMED
from tests.conftest import REPO_ROOT, SPEC_DIR, ServeApp
from tests.fhir.request_fixtures import load_json
from tests.hooks.test_routes import assert_outcome
from tests.hooks.workflow import as_select

SELECT = f"/cds-services/{SELECT_SERVICE_ID}"
SIGN = f"/cds-services/{SERVICE_ID}"
POLICY = REPO_ROOT / "fhir_fixtures" / "policy"


def policy_case(name: str) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads((POLICY / f"{name}.json").read_bytes())
    return body


async def test_the_selected_order_gets_one_provisional_card_and_no_system_action(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=load_json("order-select-dexrazoxane.json"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert "systemActions" not in body  # the order is not final: no coverage information
    (card,) = body["cards"]
    assert card["summary"].startswith("Provisional: dexrazoxane") and len(card["summary"]) < 140
    assert "links" not in card and "suggestions" not in card  # no DTR launch, nothing to apply
    assert card["detail"].startswith("**Provisional guidance** on MedicationRequest/mr-dxr-1")
    assert "Cumulative doxorubicin administered: **300 mg/m²**" in card["detail"]
    assert "**Pathway:** I.A" in card["detail"]
    assert card["extension"]["davinci-crd.associated-resource"] == [
        {"reference": "MedicationRequest/mr-dxr-1"}
    ]


@pytest.mark.parametrize(
    ("case", "likely"),
    [
        ("I.A.3.a-approve-adult-cumulative-300", "likely approved under CP.PHAR.418 (decided at signing)"),
        ("I.A.3.a-deny-cumulative-299", "likely not covered under CP.PHAR.418"),
        ("I.A.2-pend-internist-without-consultation", "will need prior authorization under CP.PHAR.418"),
    ],
)
async def test_a_complete_order_is_told_the_decision_order_sign_makes(
    serve_app: ServeApp, make_settings: Any, case: str, likely: str
) -> None:
    sign = policy_case(case)
    async with serve_app(make_settings()) as client:
        selected = await client.post(SELECT, json=as_select(sign))
        signed = await client.post(SIGN, json=sign)
    (card,) = selected.json()["cards"]
    assert likely in card["summary"]
    assert card["indicator"] == signed.json()["cards"][0]["indicator"]


def _without_dose(body: dict[str, Any], order_id: str) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    for entry in changed["context"]["draftOrders"]["entry"]:
        if entry["resource"]["id"] == order_id:
            for dosage in entry["resource"].get("dosageInstruction", []):
                dosage.pop("doseAndRate", None)
                dosage.pop("doseQuantity", None)
    return changed


async def test_an_order_without_a_dose_yet_is_checked_at_signing_instead_of_pended(
    serve_app: ServeApp, make_settings: Any
) -> None:
    """Everything else in the record meets I.A: the order is likely approved if its dose is within the
    ratio; signing the same order without a dose pends on I.A.5, which the select card does not ask for."""
    sign = _without_dose(policy_case("I.A.3.a-approve-adult-cumulative-300"), "dexrazoxane")
    async with serve_app(make_settings()) as client:
        selected = await client.post(SELECT, json=as_select(sign))
        signed = await client.post(SIGN, json=sign)
    (card,) = selected.json()["cards"]
    assert "likely approved under CP.PHAR.418 if the dose is within its limit" in card["summary"]
    assert "**Checked at signing:** I.A.5" in card["detail"]
    assert "Documentation that will be asked for" not in card["detail"]
    assert card["indicator"] == "info"
    assert "needs prior authorization" in signed.json()["cards"][0]["summary"]  # at signing it pends


async def test_an_order_without_a_dose_that_fails_elsewhere_is_still_likely_denied(
    serve_app: ServeApp, make_settings: Any
) -> None:
    sign = _without_dose(policy_case("I.A.3.a-deny-cumulative-299"), "dexrazoxane")
    async with serve_app(make_settings()) as client:
        selected = await client.post(SELECT, json=as_select(sign))
    (card,) = selected.json()["cards"]
    assert "likely not covered" in card["summary"] and card["indicator"] == "warning"
    assert "**Not met:** I.A.3.a" in card["detail"] and "**Checked at signing:** I.A.5" in card["detail"]


async def test_the_no_dose_fixture_says_what_signing_will_check(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=load_json("order-select-no-dose-yet.json"))
    (card,) = response.json()["cards"]
    assert "**Checked at signing:** I.A.5" in card["detail"]


async def test_only_the_selected_orders_are_decided(serve_app: ServeApp, make_settings: Any) -> None:
    """Selecting the doxorubicin draft of a session that also holds a dexrazoxane draft: no card (the
    dexrazoxane order is not the one being chosen)."""
    sign = policy_case("I.A.3.a-approve-adult-cumulative-300")
    others = [
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in sign["context"]["draftOrders"]["entry"]
        if e["resource"]["id"] != "dexrazoxane"
    ]
    assert others, "the case signs a doxorubicin order with the dexrazoxane order"
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=as_select(sign, selections=others))
    assert response.status_code == 200
    assert response.json() == {"cards": []}


@pytest.mark.parametrize(
    ("fixture", "field"),
    [
        ("order-select-missing-selections.json", "context.selections"),
        ("order-select-selection-not-in-draft-orders.json", "context.selections[0]"),
    ],
)
async def test_what_a_client_gets_wrong_is_400_naming_it(
    serve_app: ServeApp, make_settings: Any, fixture: str, field: str
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=load_json(fixture))
    assert assert_outcome(response, 400)["issue"][0]["expression"] == [field]


@pytest.mark.parametrize(
    ("selections", "words"),
    [([], "must not be empty"), (["MedicationRequest/mr-dxr-1"] * (MAX_ORDERS_NAMED + 1), "more than")],
)
async def test_empty_or_too_many_selections_are_400(
    serve_app: ServeApp, make_settings: Any, selections: list[str], words: str
) -> None:
    body = load_json("order-select-dexrazoxane.json")
    body["context"]["selections"] = selections
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=body)
    assert words in assert_outcome(response, 400)["issue"][0]["details"]["text"]


async def test_an_order_sign_body_sent_to_the_select_service_is_400(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=load_json("dexrazoxane-full-prefetch.json"))
    assert assert_outcome(response, 400)["issue"][0]["expression"] == ["context.selections"]
    body = {**load_json("order-select-dexrazoxane.json"), "hook": "order-sign"}  # selections, but signed
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=body)
    assert assert_outcome(response, 400)["issue"][0]["expression"] == ["hook"]


async def test_a_selection_may_name_its_order_by_full_url(serve_app: ServeApp, make_settings: Any) -> None:
    body = load_json("order-select-dexrazoxane.json")
    body["context"]["selections"] = ["https://ehr.example.org/fhir/MedicationRequest/mr-dxr-1"]
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=body)
    assert response.status_code == 200 and len(response.json()["cards"]) == 1


async def test_select_feedback_is_recorded(serve_app: ServeApp, make_settings: Any) -> None:
    item = {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-28T07:31:00Z"}
    async with serve_app(make_settings()) as client:
        response = await client.post(f"{SELECT}/feedback", json={"feedback": [item]})
    assert response.status_code == 200


async def test_the_published_order_select_example_is_answered(
    serve_app: ServeApp, make_settings: Any
) -> None:
    """The Inferno CRD kit's order-select request (a NutritionOrder and a non-dexrazoxane MedicationRequest
    selected): answered 200, with nothing to say about dexrazoxane."""
    body = orjson.loads((SPEC_DIR / "inferno-crd-test-kit" / "order_select_hook_request.json").read_bytes())
    async with serve_app(make_settings()) as client:
        response = await client.post(SELECT, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"cards": []}
