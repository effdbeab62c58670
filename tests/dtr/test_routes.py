"""The DTR endpoints through the service's app (`cds_service.app.create_app`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from cds_service.app import create_app
from cds_service.assertion_ids import assertion_key
from cds_service.dtr.store import record_determinations
from cds_service.response.fhir_validation import r4_problem
from cds_service.settings import Settings
from tests.conftest import ServeApp
from tests.response.determinations import PATIENT_ID, assessed, pend

BASE = "https://payer.example.org"
COVERAGE = {
    "resourceType": "Coverage",
    "id": "cov-1",
    "status": "active",
    "beneficiary": {"reference": "Patient/pat-1"},
    "payor": [{"display": "Plan"}],
}


@pytest.fixture
def app(make_settings: Callable[..., Settings]) -> FastAPI:
    return create_app(make_settings(public_base_url=BASE, health_plan_name="Example Health Plan"))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


def assert_outcome(response: httpx.Response, status: int) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert r4_problem(body) is None


async def test_the_questionnaire_is_served_as_fhir_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/fhir/Questionnaire/cp-phar-418-dexrazoxane")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    assert r4_problem(body) is None
    assert body["url"] == f"{BASE}/fhir/Questionnaire/cp-phar-418-dexrazoxane"
    assert body["publisher"] == "Example Health Plan"


async def test_an_unknown_questionnaire_is_a_404_operation_outcome(client: httpx.AsyncClient) -> None:
    assert_outcome(await client.get("/fhir/Questionnaire/something-else"), 404)


def package_body(*parameter: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "coverage", "resource": COVERAGE}, *parameter],
    }


@pytest.mark.parametrize(
    "path", ["/fhir/Questionnaire/$questionnaire-package", "/fhir/$questionnaire-package"]
)
async def test_the_package_for_a_recorded_order_sign_call_is_prefilled(
    app: FastAPI, client: httpx.AsyncClient, path: str
) -> None:
    (assertion_id,) = await record_determinations(
        app.state.runtime.store,
        assessed(pend(), key=assertion_key(app.state.runtime.settings)),
        patient_id=PATIENT_ID,
    )
    response = await client.post(path, json=package_body({"name": "context", "valueString": assertion_id}))
    assert response.status_code == 200
    body = response.json()
    assert r4_problem(body) is None
    bundle = body["parameter"][0]["resource"]
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == [
        "Questionnaire",
        "QuestionnaireResponse",
    ]
    assert bundle["entry"][1]["resource"]["item"]


async def test_without_a_known_context_the_response_is_unfilled(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/fhir/Questionnaire/$questionnaire-package",
        json=package_body({"name": "context", "valueString": "unknown"}),
    )
    assert response.status_code == 200
    assert "item" not in response.json()["parameter"][0]["resource"]["entry"][1]["resource"]


@pytest.mark.parametrize(
    "content",
    [b"not json", b'{"resourceType": "Parameters", "parameter": []}', b'{"resourceType": "Patient"}'],
)
async def test_bad_parameters_are_a_400_operation_outcome(client: httpx.AsyncClient, content: bytes) -> None:
    response = await client.post(
        "/fhir/Questionnaire/$questionnaire-package",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert_outcome(response, 400)


DTR_ROUTES = [
    ("GET", "/fhir/Questionnaire/cp-phar-418-dexrazoxane"),
    ("POST", "/fhir/Questionnaire/$questionnaire-package"),
    ("POST", "/fhir/$questionnaire-package"),
]


@pytest.fixture
def network() -> Iterator[respx.MockRouter]:
    """The issuer's JWKS endpoint, behind the service's HTTP client (no global patching of httpx)."""
    from tests.auth.tokens import JWKS_URL, ec_key, jwks

    with respx.mock(using=None, assert_all_called=False) as routes:
        routes.get(JWKS_URL).mock(return_value=httpx.Response(200, json=jwks(ec_key())))
        yield routes


@pytest.fixture
def auth_app(make_settings: Callable[..., Settings], network: respx.MockRouter) -> FastAPI:
    from tests.auth.tokens import BASE_URL, ISSUER, JWKS_URL

    return create_app(
        make_settings(auth_required=True, public_base_url=BASE_URL, trusted_issuers={ISSUER: JWKS_URL}),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(network.async_handler)),
    )


@pytest.mark.parametrize(("method", "path"), DTR_ROUTES, ids=["questionnaire", "package", "package-at-base"])
async def test_with_authentication_required_dtr_needs_the_client_jwt(
    auth_app: FastAPI, method: str, path: str
) -> None:
    # The pre-filled QuestionnaireResponse carries patient data: DTR is guarded like the CDS Hooks routes.
    from tests.auth.tokens import BASE_URL, ec_key, mint

    body = package_body({"name": "context", "valueString": "x"}) if method == "POST" else None
    transport = httpx.ASGITransport(app=auth_app, raise_app_exceptions=False)
    async with (
        auth_app.router.lifespan_context(auth_app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        refused = await client.request(method, path, json=body)
        wrong_aud = await client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {mint(ec_key(), BASE_URL)}"}
        )
        token = mint(ec_key(), BASE_URL + path)
        accepted = await client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert_outcome(refused, 401)
    assert_outcome(wrong_aud, 401)
    assert accepted.status_code == 200, accepted.text


async def test_get_on_the_package_operation_is_405_on_both_paths(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        for path in ("/fhir/Questionnaire/$questionnaire-package", "/fhir/$questionnaire-package"):
            answer = await client.get(path)
            assert answer.status_code == 405, path
            assert answer.headers["allow"] == "POST"
