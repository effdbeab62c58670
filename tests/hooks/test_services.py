"""What the three hook services share with order-sign: the client JWT (its ``aud`` is the service's own URL),
CORS, admission control, and the metrics, counted by hook."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
import respx
from prometheus_client import REGISTRY

from cds_service.hooks.discovery import DISPATCH_SERVICE_ID, SELECT_SERVICE_ID, SERVICE_ID
from tests.auth.tokens import BASE_URL, ISSUER, JWKS_URL, ec_key, jwks, mint
from tests.conftest import REPO_ROOT, ServeApp
from tests.hooks.workflow import as_dispatch, as_select

SIGN, SELECT, DISPATCH = (f"/cds-services/{s}" for s in (SERVICE_ID, SELECT_SERVICE_ID, DISPATCH_SERVICE_ID))
CASE = orjson.loads(
    (REPO_ROOT / "fhir_fixtures/policy/I.A.3.a-approve-adult-cumulative-300.json").read_bytes()
)
BODIES = {SIGN: CASE, SELECT: as_select(CASE), DISPATCH: as_dispatch(CASE)}
SANDBOX = "https://sandbox.cds-hooks.org"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def jwks_endpoint() -> Any:
    with respx.mock(using=None, assert_all_called=False) as mock:
        mock.get(JWKS_URL).mock(return_value=httpx.Response(200, json=jwks(ec_key())))
        yield mock


@pytest.mark.parametrize("path", [SELECT, DISPATCH])
async def test_the_jwt_audience_is_the_service_s_own_url(
    serve_app: ServeApp, make_settings: Any, jwks_endpoint: respx.MockRouter, path: str
) -> None:
    settings = make_settings(auth_required=True, public_base_url=BASE_URL, trusted_issuers={ISSUER: JWKS_URL})
    http = httpx.AsyncClient(transport=httpx.MockTransport(jwks_endpoint.async_handler))
    async with http, serve_app(settings, http_client=http) as client:
        own = await client.post(
            path, json=BODIES[path], headers={"Authorization": f"Bearer {mint(ec_key(), BASE_URL + path)}"}
        )
        signs = await client.post(
            path, json=BODIES[path], headers={"Authorization": f"Bearer {mint(ec_key(), BASE_URL + SIGN)}"}
        )
        feedback = await client.post(
            f"{path}/feedback",
            json={
                "feedback": [
                    {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-11-28T07:31:00Z"}
                ]
            },
            headers={"Authorization": f"Bearer {mint(ec_key(), BASE_URL + path + '/feedback')}"},
        )
    assert own.status_code == 200, own.text
    assert signs.status_code == 401  # a token for order-sign does not open another service
    assert feedback.status_code == 200


@pytest.mark.parametrize("path", [SELECT, DISPATCH])
async def test_a_sandbox_preflight_and_answer_carry_cors(
    serve_app: ServeApp, make_settings: Any, path: str
) -> None:
    async with serve_app(make_settings()) as client:
        preflight = await client.options(
            path,
            headers={
                "Origin": SANDBOX,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        answer = await client.post(path, json=BODIES[path], headers={"Origin": SANDBOX})
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] in {"*", SANDBOX}


async def test_each_hook_is_counted_under_its_own_label(serve_app: ServeApp, make_settings: Any) -> None:
    def counts() -> dict[str, float]:
        found = {}
        for hook in ("order-select", "order-sign", "order-dispatch"):
            found[f"{hook} answered"] = sample("cds_hook_duration_seconds_count", hook=hook, outcome="ok")
            found[f"{hook} approved"] = sample(
                "cds_decisions_total", hook=hook, decision="approve", pathway="I.A"
            )
        found["dispatch unchanged"] = sample("cds_dispatch_revisions_total", standing="unchanged")
        found["dispatch new"] = sample("cds_dispatch_revisions_total", standing="new")
        return found

    before = counts()
    async with serve_app(make_settings()) as client:
        assert (await client.post(SELECT, json=BODIES[SELECT])).status_code == 200
        assert (await client.post(DISPATCH, json=BODIES[DISPATCH])).status_code == 200  # before signing: new
        assert (await client.post(SIGN, json=BODIES[SIGN])).status_code == 200
        assert (await client.post(DISPATCH, json=BODIES[DISPATCH])).status_code == 200  # after: unchanged
    after = counts()
    moved = {name: after[name] - before[name] for name in after}
    assert moved == {
        "order-select answered": 1,
        "order-select approved": 1,  # the provisional decision
        "order-sign answered": 1,
        "order-sign approved": 1,
        "order-dispatch answered": 2,
        "order-dispatch approved": 2,
        "dispatch unchanged": 1,
        "dispatch new": 1,
    }


async def test_the_hooks_share_one_in_flight_bound(serve_app: ServeApp, make_settings: Any) -> None:
    """Every slot taken: order-select and order-dispatch are shed too, counted under their hook."""
    async with serve_app(make_settings(max_hooks_in_flight=1)) as client:
        runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
        before = {
            p: sample("cds_hooks_shed_total", hook=h)
            for p, h in ((SELECT, "order-select"), (DISPATCH, "order-dispatch"))
        }
        with runtime.admission.admit("order-sign"):
            refused = {path: await client.post(path, json=BODIES[path]) for path in (SELECT, DISPATCH)}
    for path, hook in ((SELECT, "order-select"), (DISPATCH, "order-dispatch")):
        assert refused[path].status_code == 503 and refused[path].headers["Retry-After"] == "1"
        assert sample("cds_hooks_shed_total", hook=hook) == before[path] + 1
