from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest

from cds_service.app import create_app
from cds_service.hooks.discovery import SERVICE_ID
from tests.conftest import ServeApp
from tests.store.postgres import closed_port

SANDBOX = "https://sandbox.cds-hooks.org"
ROUTES = [
    ("GET", "/cds-services"),
    ("POST", f"/cds-services/{SERVICE_ID}"),
    ("POST", f"/cds-services/{SERVICE_ID}/feedback"),
    ("POST", f"/cds-services//{SERVICE_ID}"),
]


def in_process(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_liveness_always_and_readiness_only_after_warm_up(make_settings: Any) -> None:
    app = create_app(make_settings())
    async with in_process(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        not_ready = await client.get("/readyz")  # no lifespan has run: nothing warmed up
        assert not_ready.status_code == 503
        assert not_ready.json()["resourceType"] == "OperationOutcome"
        async with app.router.lifespan_context(app):
            await app.state.runtime.ready.wait()
            await app.state.runtime.store_migrated.wait()
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.get("/healthz")).status_code == 200


async def test_the_lifespan_owns_a_client_when_none_is_injected(make_settings: Any) -> None:
    app = create_app(make_settings())
    async with app.router.lifespan_context(app):
        client = app.state.runtime.http_client
        assert isinstance(client, httpx.AsyncClient) and not client.is_closed
    assert client.is_closed


async def test_an_injected_client_is_used_and_left_open(make_settings: Any) -> None:
    async with httpx.AsyncClient() as injected:
        app = create_app(make_settings(), http_client=injected)
        async with app.router.lifespan_context(app):
            assert app.state.runtime.http() is injected
        assert not injected.is_closed


async def test_start_up_warns_loudly_when_authentication_is_off(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings())
    async with app.router.lifespan_context(app):
        pass
    warnings = [
        orjson.loads(line) for line in capsys.readouterr().out.splitlines() if "authentication_off" in line
    ]
    assert warnings and warnings[0]["level"] == "warning"


async def test_no_warning_about_authentication_when_it_is_on(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(auth_required=True, trusted_issuers={"https://ehr.example": "/dev/null"}))
    async with app.router.lifespan_context(app):
        pass
    assert "authentication_off" not in capsys.readouterr().out


async def test_start_up_warns_about_a_trusted_issuer_whose_key_file_is_missing(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    issuers = {
        "https://ehr.example": "no/such/jwks.json",
        "https://other.example": "https://other.example/jwks",
    }
    app = create_app(make_settings(auth_required=True, trusted_issuers=issuers))
    async with app.router.lifespan_context(app):
        pass
    missing = [
        orjson.loads(line) for line in capsys.readouterr().out.splitlines() if "jwks_file_missing" in line
    ]
    assert [event["issuer"] for event in missing] == ["https://ehr.example"]


@pytest.mark.parametrize("auth_required", [False, True], ids=["auth-off", "auth-on"])
@pytest.mark.parametrize(
    ("method", "path"), ROUTES, ids=["discovery", "service", "feedback", "service-double-slash"]
)
async def test_a_sandbox_preflight_succeeds(
    serve_app: ServeApp, make_settings: Any, method: str, path: str, auth_required: bool
) -> None:
    async with serve_app(make_settings(auth_required=auth_required)) as client:
        response = await client.options(
            path,
            headers={
                "Origin": SANDBOX,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in {"*", SANDBOX}
    assert method in response.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "access-control-allow-credentials" not in response.headers


async def test_the_public_sandbox_may_call_a_service_on_the_local_network(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.options(
            f"/cds-services/{SERVICE_ID}",
            headers={
                "Origin": SANDBOX,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
                "Access-Control-Request-Private-Network": "true",
            },
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-private-network"] == "true"


async def test_answers_and_errors_carry_the_cors_header(serve_app: ServeApp, make_settings: Any) -> None:
    async with serve_app(make_settings()) as client:
        ok = await client.get("/cds-services", headers={"Origin": SANDBOX})
        refused = await client.post(
            f"/cds-services/{SERVICE_ID}", content=b"nope", headers={"Origin": SANDBOX}
        )
    assert ok.headers["access-control-allow-origin"] == "*"
    assert refused.status_code == 400
    assert refused.headers["access-control-allow-origin"] == "*"


async def test_cors_origins_come_from_settings(serve_app: ServeApp, make_settings: Any) -> None:
    async with serve_app(make_settings(cors_origins=[SANDBOX])) as client:
        allowed = await client.get("/cds-services", headers={"Origin": SANDBOX})
        other = await client.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == SANDBOX
    assert "access-control-allow-origin" not in other.headers


async def test_the_dtr_routes_are_mounted(make_settings: Any) -> None:
    from cds_service.dtr.routes import router

    served = set(create_app(make_settings()).openapi()["paths"])
    assert {
        getattr(route, "path", None) for route in router.routes if getattr(route, "include_in_schema", True)
    } <= served


async def test_start_up_warns_when_the_assertion_secret_is_unset(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for secret, warned in ((None, True), ("configured", False)):
        app = create_app(make_settings(assertion_secret=secret))
        async with app.router.lifespan_context(app):
            pass
        out = capsys.readouterr().out
        assert ("assertion_secret_unset" in out) is warned
        assert "configured" not in out


async def test_a_preflight_asking_for_an_ehr_custom_header_succeeds(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.options(
            f"/cds-services/{SERVICE_ID}",
            headers={
                "Origin": "https://x.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-epic-client-id,authorization,content-type",
            },
        )
    assert response.status_code == 200
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"x-epic-client-id", "authorization", "content-type"} <= allowed


@pytest.mark.parametrize(
    ("origin", "method"), [("https://evil.example", "POST"), (SANDBOX, "DELETE")], ids=["origin", "method"]
)
async def test_a_refused_preflight_is_an_operation_outcome(
    serve_app: ServeApp, make_settings: Any, origin: str, method: str
) -> None:
    async with serve_app(make_settings(cors_origins=[SANDBOX])) as client:
        response = await client.options(
            f"/cds-services/{SERVICE_ID}",
            headers={"Origin": origin, "Access-Control-Request-Method": method},
        )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "forbidden"


BODY_ROUTES = [
    f"/cds-services/{SERVICE_ID}",
    f"/cds-services/{SERVICE_ID}/feedback",
    "/fhir/Questionnaire/$questionnaire-package",
]


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "too-long"
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", BODY_ROUTES)
async def test_a_body_declared_over_the_limit_is_413_unread(
    serve_app: ServeApp, make_settings: Any, path: str
) -> None:
    async with serve_app(make_settings(max_body_bytes=1000)) as client:
        response = await client.post(path, content=b" " * 1001, headers={"Origin": SANDBOX})
        assert_too_large(response)
        at_limit = await client.post(path, content=b" " * 1000, headers={"Origin": SANDBOX})
        assert at_limit.status_code == 400  # read and parsed: not JSON


@pytest.mark.parametrize("path", BODY_ROUTES)
async def test_a_streamed_body_over_the_limit_is_413(
    serve_app: ServeApp, make_settings: Any, path: str
) -> None:
    """No Content-Length (chunked): the bytes are counted as they arrive."""
    chunks_read = 0

    async def endless() -> Any:
        nonlocal chunks_read
        while chunks_read < 1000:
            chunks_read += 1
            yield b" " * 100

    async with serve_app(make_settings(max_body_bytes=1000)) as client:
        response = await client.post(path, content=endless(), headers={"Origin": SANDBOX})
    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert chunks_read < 20  # not read to the end


async def test_the_default_body_limit_is_10_mib(make_settings: Any) -> None:
    assert make_settings().max_body_bytes == 10 * 1024 * 1024


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_api_docs_are_served_only_with_authentication_off(make_settings: Any, path: str) -> None:
    """With authentication on they would be the one unauthenticated description of the service."""
    async with in_process(create_app(make_settings())) as client:
        assert (await client.get(path)).status_code == 200
    async with in_process(create_app(make_settings(auth_required=True))) as client:
        assert (await client.get(path)).status_code == 404


@pytest.mark.parametrize(
    ("issuers", "why"),
    [({}, "CDS_TRUSTED_ISSUERS is empty"), ({"https://ehr.example": "no/such/jwks.json"}, "no JWKS file")],
)
async def test_required_authentication_that_can_accept_no_client_is_not_ready(
    make_settings: Any, issuers: dict[str, str], why: str
) -> None:
    """Ready and answering 401 to every call would hide the mistake from an orchestrator."""
    app = create_app(make_settings(auth_required=True, trusted_issuers=issuers))
    async with app.router.lifespan_context(app):
        await app.state.runtime.ready.wait()
        async with in_process(app) as client:
            answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert why in answer.json()["issue"][0]["details"]["text"]


def _events(out: str) -> list[str]:
    return [orjson.loads(line)["event"] for line in out.splitlines() if line.startswith("{")]


async def _lines_until(capsys: pytest.CaptureFixture[str], event: str) -> list[str]:
    seen: list[str] = []
    async with asyncio.timeout(20):  # the test's guard
        while event not in seen:
            seen += _events(capsys.readouterr().out)
            await asyncio.sleep(0.01)
    return seen


async def test_ready_is_logged_once_readyz_answers_200_after_the_store_is_migrated(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings())
    async with app.router.lifespan_context(app), in_process(app) as client:
        seen = await _lines_until(capsys, "ready")
        assert (await client.get("/readyz")).status_code == 200
    assert seen.index("ready") > max(seen.index("store_migrated"), seen.index("models_warmed_up"))
    assert seen.count("ready") == 1


async def test_ready_is_not_logged_while_the_store_cannot_be_migrated(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(
        database_url=f"postgresql://cds:pw@127.0.0.1:{closed_port()}/cds", store_timeout_seconds=1
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), in_process(app) as client:
        await app.state.runtime.ready.wait()  # warmed up: only the store holds readiness back
        seen = await _lines_until(capsys, "store_migration_failed")
        assert (await client.get("/readyz")).status_code == 503
        seen += _events(capsys.readouterr().out)
    assert "ready" not in seen


async def test_ready_is_never_logged_while_required_authentication_can_accept_no_client(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(auth_required=True, trusted_issuers={}))
    async with app.router.lifespan_context(app), in_process(app) as client:
        seen = await _lines_until(capsys, "not_ready")
        assert (await client.get("/readyz")).status_code == 503
        seen += _events(capsys.readouterr().out)
    assert "ready" not in seen and seen.count("not_ready") == 1


async def test_a_deployment_that_leaves_the_health_plan_name_unset_is_warned(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for settings, warned in (
        (make_settings(auth_required=True), True),
        (make_settings(auth_required=True, health_plan_name="Acme Health"), False),
    ):
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            pass
        assert ("health_plan_name_unset" in _events(capsys.readouterr().out)) is warned
