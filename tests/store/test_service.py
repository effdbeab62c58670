"""The store through the service: the claims API, a hook with the database down, readiness."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from cds_service.app import create_app
from cds_service.hooks.discovery import SERVICE_ID
from tests.auth.tokens import BASE_URL, ISSUER, JWKS_URL, ec_key, jwks, mint
from tests.conftest import ServeApp
from tests.store.hook_requests import assertion_ids, hook_bytes
from tests.store.postgres import closed_port

SERVICE = f"/cds-services/{SERVICE_ID}"
CLAIMS_TOKEN = "claims-system-token-1"


async def test_the_claim_system_reads_a_stored_assertion_with_its_own_token(
    serve_app: ServeApp, make_settings: Any
) -> None:
    settings = make_settings(claims_api_tokens=["another-token", CLAIMS_TOKEN])
    async with serve_app(settings) as client:
        hook = await client.post(SERVICE, content=hook_bytes())
        (assertion_id,) = assertion_ids(hook.json())
        path = f"/coverage-assertions/{assertion_id}"
        found = await client.get(path, headers={"Authorization": f"Bearer {CLAIMS_TOKEN}"})
        unknown = await client.get(
            "/coverage-assertions/nope", headers={"Authorization": f"Bearer {CLAIMS_TOKEN}"}
        )
        no_token = await client.get(path)
        wrong = await client.get(path, headers={"Authorization": "Bearer claims-system-token-2"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["coverage_assertion_id"] == assertion_id
    assert body["decision"] == "approve" and body["pathway"] == "I.A"
    assert body["determination"]["decision"] == "approve"
    assert body["determination"]["order"] == body["order"] == "MedicationRequest/dexrazoxane"
    assert body["satisfied_pa_id"].startswith("CP418-")
    assert body["approval"] == body["determination"]["approval"]
    assert body["criteria"]["I.A"] == "met"
    assert body["hook"] == "order-sign"
    assert unknown.status_code == 404 and unknown.json()["resourceType"] == "OperationOutcome"
    for refused in (no_token, wrong):
        assert refused.status_code == 401
        assert refused.json()["resourceType"] == "OperationOutcome"


async def test_the_ehr_s_hook_jwt_never_opens_the_claims_api(serve_app: ServeApp, make_settings: Any) -> None:
    import respx

    settings = make_settings(
        auth_required=True,
        public_base_url=BASE_URL,
        trusted_issuers={ISSUER: JWKS_URL},
        claims_api_tokens=[CLAIMS_TOKEN],
    )
    with respx.mock(using=None, assert_all_called=False) as network:
        network.get(JWKS_URL).mock(return_value=httpx.Response(200, json=jwks(ec_key())))
        http = httpx.AsyncClient(transport=httpx.MockTransport(network.async_handler))
        async with serve_app(settings, http_client=http) as client:
            hook = await client.post(
                SERVICE,
                content=hook_bytes(),
                headers={"Authorization": f"Bearer {mint(ec_key(), BASE_URL + SERVICE)}"},
            )
            (assertion_id,) = assertion_ids(hook.json())
            path = f"/coverage-assertions/{assertion_id}"
            with_jwt = await client.get(
                path, headers={"Authorization": f"Bearer {mint(ec_key(), BASE_URL + path)}"}
            )
            with_token = await client.get(path, headers={"Authorization": f"Bearer {CLAIMS_TOKEN}"})
    assert with_jwt.status_code == 401
    assert with_token.status_code == 200
    assert with_token.json()["client"] == ISSUER


async def test_without_claims_tokens_the_route_does_not_exist(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        answer = await client.get("/coverage-assertions/x", headers={"Authorization": "Bearer "})
    assert answer.status_code == 404


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_with_the_database_down_a_hook_still_answers_and_the_service_is_not_ready(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(
        database_url=f"postgresql://cds:secret-pw@127.0.0.1:{closed_port()}/cds", store_timeout_seconds=1
    )
    app = create_app(settings)
    before = sample("cds_store_errors_total", {"operation": "save_determinations"})
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        await app.state.runtime.ready.wait()
        hook = await client.post(SERVICE, content=hook_bytes())
        ready = await client.get("/readyz")
    assert hook.status_code == 200
    assert assertion_ids(hook.json())  # the decision is the same; the assertion is not on record
    assert ready.status_code == 503 and "store" in ready.json()["issue"][0]["details"]["text"]
    assert sample("cds_store_errors_total", {"operation": "save_determinations"}) == before + 1
    logged = capsys.readouterr().out
    assert '"event": "determinations_not_stored"' in logged and '"stored": false' in logged
    assert "secret-pw" not in logged and '"patient' not in logged


async def test_dtr_prefills_from_what_the_hook_stored(serve_app: ServeApp, make_settings: Any) -> None:
    from tests.store.hook_requests import hook_body

    body = hook_body()
    coverage = body["prefetch"]["coverage"]["entry"][0]["resource"]
    async with serve_app(make_settings()) as client:
        (assertion_id,) = assertion_ids((await client.post(SERVICE, content=hook_bytes())).json())
        package = await client.post(
            "/fhir/Questionnaire/$questionnaire-package",
            json={
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "coverage", "resource": coverage},
                    {"name": "context", "valueString": assertion_id},
                ],
            },
        )
    response = package.json()["parameter"][0]["resource"]["entry"][1]["resource"]
    assert response["item"]
