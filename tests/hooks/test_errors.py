from __future__ import annotations

from typing import Any

import httpx
import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from cds_service.app import create_app
from cds_service.errors import InvalidRequest, MissingData, ServiceError, Unauthorized, UnknownService
from cds_service.hooks.errors import AUTH_FAILED_TEXT, operation_outcome


def raising(error: Exception) -> Any:
    async def endpoint() -> None:
        raise error

    return endpoint


@pytest.fixture
async def client(make_settings: Any) -> Any:
    app = create_app(make_settings())
    app.add_api_route(
        "/test/missing-data", raising(MissingData("No Patient", expression=("prefetch.patient",)))
    )
    app.add_api_route("/test/invalid", raising(InvalidRequest("Bad")))
    app.add_api_route("/test/unknown", raising(UnknownService("Nope")))
    app.add_api_route("/test/unauthorized", raising(Unauthorized("the aud check failed")))
    app.add_api_route("/test/bug", raising(KeyError("Patient/secret-id-123")))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def assert_outcome(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    body: dict[str, Any] = response.json()
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["severity"] == "error"
    assert body["issue"][0]["code"] == code
    return body


def test_an_outcome_is_a_valid_r4_operation_outcome() -> None:
    OperationOutcome.model_validate(operation_outcome("invalid", "text", expression=("context.patientId",)))


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/test/missing-data", 412, "not-found"),
        ("/test/invalid", 400, "invalid"),
        ("/test/unknown", 404, "not-found"),
    ],
)
async def test_service_errors_map_to_their_status(
    client: httpx.AsyncClient, path: str, status: int, code: str
) -> None:
    assert_outcome(await client.get(path), status, code)


async def test_missing_data_names_what_is_missing(client: httpx.AsyncClient) -> None:
    body = assert_outcome(await client.get("/test/missing-data"), 412, "not-found")
    assert body["issue"][0]["expression"] == ["prefetch.patient"]


async def test_a_401_says_nothing_about_the_failed_check(client: httpx.AsyncClient) -> None:
    response = await client.get("/test/unauthorized")
    body = assert_outcome(response, 401, "security")
    assert body["issue"][0]["details"]["text"] == AUTH_FAILED_TEXT
    assert "aud" not in response.text
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_bug_is_a_500_without_internals(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await client.get("/test/bug")
    assert_outcome(response, 500, "exception")
    assert "secret-id-123" not in response.text and "KeyError" not in response.text
    logged = capsys.readouterr().out
    assert "unhandled_error" in logged and "KeyError" in logged
    assert "secret-id-123" not in logged


async def test_a_500_still_carries_the_cors_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/test/bug", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == "*"


async def test_unknown_routes_and_methods_are_operation_outcomes(client: httpx.AsyncClient) -> None:
    assert_outcome(await client.get("/no/such/route"), 404, "not-found")
    response = await client.delete("/cds-services")
    assert_outcome(response, 405, "not-supported")
    assert "GET" in response.headers["allow"]


def test_every_service_error_status_is_an_error_status() -> None:
    for error in ServiceError.__subclasses__():
        assert 400 <= error.status < 600


def test_no_error_body_grows_with_what_a_client_sent() -> None:
    """Backstop for every error, whatever raised it: bounded text, expressions and their count."""
    outcome = operation_outcome("invalid", "y" * 100_000, expression=tuple("z" * 1000 for _ in range(500)))
    issue = outcome["issue"][0]
    assert len(issue["details"]["text"]) == 1024
    assert len(issue["expression"]) == 20 and all(len(e) == 64 for e in issue["expression"])
    OperationOutcome.model_validate(outcome)
