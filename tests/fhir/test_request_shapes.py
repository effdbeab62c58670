"""Every order-sign request example of the specifications (fhir_fixtures/spec/) and the sandbox's shapes are
processed without an error: gathered, decided, and answered 200 by the app (docs/api.md "Bad input")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
import respx

from cds_service.errors import MissingData
from cds_service.evaluation import decide_all, gather
from cds_service.fhir.required_keys import REQUIRED_KEYS
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.policy.determination import Decision
from cds_service.settings import Settings
from tests.conftest import SPEC_DIR
from tests.fhir.fake_fhir_server import FakeFhirServer
from tests.fhir.request_fixtures import REQUESTS, hook_request, load_json

TODAY = date(2026, 11, 28)


def _requests_in(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("hook") == "order-sign" and "context" in value:
            yield value
            return
        for item in value.values():
            yield from _requests_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _requests_in(item)


def spec_order_sign_requests() -> list[Any]:
    found = []
    for path in sorted(SPEC_DIR.rglob("*.json")):
        for index, body in enumerate(_requests_in(json.loads(path.read_text()))):
            found.append(pytest.param(body, id=f"{path.relative_to(SPEC_DIR)}#{index}"))
    return found


SPEC_REQUESTS = spec_order_sign_requests()
SANDBOX_SHAPES = sorted(p.name for p in REQUESTS.glob("sandbox-*.json"))


def test_the_spec_examples_are_found() -> None:
    # CRD 2.2.1 CRDServiceRequest(3); Inferno's fixture, prefetch example and presets (2).
    assert len(SPEC_REQUESTS) == 6


def open_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"allow_unauthenticated_fhir": True})


def empty_server(body: dict[str, Any]) -> FakeFhirServer:
    return FakeFhirServer(body.get("fhirServer") or "https://unused.example.org/fhir")


@pytest.mark.parametrize("body", SPEC_REQUESTS)
async def test_each_spec_example_is_gathered_and_decided(body: dict[str, Any], settings: Settings) -> None:
    fake = empty_server(body)
    with respx.mock(using=None, assert_all_called=False) as router:
        router.route().mock(side_effect=fake.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            gathered = await gather(hook_request(body).source(), settings=settings, http=http)
    assert gathered.pool.draft_orders
    assert decide_all(gathered, today=TODAY, settings=settings) == []  # none of them orders dexrazoxane


@pytest.mark.parametrize("name", SANDBOX_SHAPES)
async def test_each_sandbox_shape_is_gathered_and_decided(name: str, settings: Settings) -> None:
    body = load_json(name)
    fake = empty_server(body)
    with respx.mock(using=None, assert_all_called=False) as router:
        router.route().mock(side_effect=fake.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            gathered = await gather(hook_request(body).source(), settings=open_settings(settings), http=http)
    determinations = decide_all(gathered, today=TODAY, settings=settings)
    expected = 0 if "no-medication" in name else 1  # the sandbox orders carry dexrazoxane RxCUIs
    assert len(determinations) == expected
    assert all(d.decision in set(Decision) for d in determinations)


async def test_the_dstu2_sandbox_request_needs_the_open_server_setting(settings: Settings) -> None:
    # The sandbox cannot prefetch MedicationRequest from its DSTU2 server and sends no fhirAuthorization:
    # with open servers off, the orders the decision needs are in neither place.
    body = load_json("sandbox-dstu2-medicationorder.json")
    async with httpx.AsyncClient() as http:
        with pytest.raises(MissingData) as raised:
            await gather(hook_request(body).source(), settings=settings, http=http)
    assert raised.value.expression == ("prefetch.medicationRequests",)


ALL_BODIES = [*SPEC_REQUESTS, *(pytest.param(load_json(name), id=name) for name in SANDBOX_SHAPES)]


@pytest.mark.parametrize("body", ALL_BODIES)
async def test_the_app_answers_each_request_with_200(
    body: dict[str, Any], make_settings: Any, serve_app: Any
) -> None:
    fake = empty_server(body)
    settings = make_settings(allow_unauthenticated_fhir=True)
    with respx.mock(using=None, assert_all_called=False) as router:
        router.route(host=httpx.URL(fake.base).host).mock(side_effect=fake.handle)
        router.route(host="testserver").pass_through()
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as fhir_http,
            serve_app(settings, http_client=fhir_http) as client,
        ):
            response = await client.post(f"/cds-services/{SERVICE_ID}", json=body)
    assert response.status_code == 200, response.text
    assert "cards" in response.json()


async def test_the_app_answers_412_with_an_operation_outcome_when_required_data_is_unreachable(
    make_settings: Any, serve_app: Any
) -> None:
    body = load_json("sandbox-dstu2-medicationorder.json")
    async with serve_app(make_settings(allow_unauthenticated_fhir=False)) as client:
        response = await client.post(f"/cds-services/{SERVICE_ID}", json=body)
    assert response.status_code == 412
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "medicationRequests" in json.dumps(outcome)
    assert "smart-1288992" not in response.text


def looping_bundle(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "resourceType": "Bundle",
            "type": "searchset",
            "link": [{"relation": "next", "url": str(request.url)}],
        },
    )


async def hangs(request: httpx.Request) -> httpx.Response:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


FAULTS = {
    "http-500": lambda request: httpx.Response(500, text="Internal Server Error"),
    "http-401": lambda request: httpx.Response(401, json={"resourceType": "OperationOutcome", "issue": []}),
    "not-json": lambda request: httpx.Response(200, text="<html>maintenance</html>"),
    "not-fhir": lambda request: httpx.Response(200, json={"hello": "world"}),
    "connect-error": httpx.ConnectError("refused"),
    "looping-next": looping_bundle,
    "hangs": hangs,
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize(
    "required_prefetched", [True, False], ids=["required-prefetched", "nothing-prefetched"]
)
async def test_no_fault_of_the_fhir_server_makes_the_hook_hang_or_answer_500(
    make_settings: Any, serve_app: Any, fault: str, required_prefetched: bool
) -> None:
    body = load_json("dexrazoxane-full-prefetch.json")
    keep = REQUIRED_KEYS if required_prefetched else ()
    body["prefetch"] = {key: value for key, value in body["prefetch"].items() if key in keep}
    settings = make_settings(fhir_query_timeout_seconds=0.2, fhir_total_timeout_seconds=0.4)
    with respx.mock(using=None, assert_all_called=False) as router:
        router.route(host=httpx.URL(body["fhirServer"]).host).mock(side_effect=FAULTS[fault])
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as fhir_http,
            serve_app(settings, http_client=fhir_http) as client,
        ):
            response = await client.post(f"/cds-services/{SERVICE_ID}", json=body)
    # With the required data prefetched the hook decides on what it has; without it, a 412 says why.
    assert response.status_code == (200 if required_prefetched else 412), response.text
    assert "fixture-access-token-not-a-secret" not in response.text
