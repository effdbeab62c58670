"""Client authentication over HTTP, with CDS_AUTH_REQUIRED=true: discovery, the service and feedback."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest
import respx

from cds_service.auth.dependency import audience_for
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import Settings
from tests.auth.tokens import (
    BASE_URL,
    ISSUER,
    JWKS_URL,
    SigningKey,
    ec_key,
    hmac_signed,
    jwks,
    mint,
    rsa_key,
    unsigned,
)
from tests.conftest import ORDER_SIGN_EXAMPLE, ServeApp, empty_fhir_server

EXAMPLE = orjson.loads(ORDER_SIGN_EXAMPLE.read_bytes())
FEEDBACK = {
    "feedback": [
        {
            "card": "9368d37b-283f-44a0-93ea-547cebab93ed",
            "outcome": "overridden",
            "outcomeTimestamp": "2026-11-28T07:31:00Z",
        }
    ]
}
# (method, path called, body)
ROUTES: list[tuple[str, str, bytes | None]] = [
    ("GET", "/cds-services", None),
    ("POST", f"/cds-services/{SERVICE_ID}", orjson.dumps(EXAMPLE)),
    ("POST", f"/cds-services/{SERVICE_ID}/feedback", orjson.dumps(FEEDBACK)),
]
SERVICE_PATH = f"/cds-services/{SERVICE_ID}"


@pytest.fixture
def auth_settings(make_settings: Any) -> Settings:
    settings: Settings = make_settings(
        auth_required=True, public_base_url=BASE_URL + "/", trusted_issuers={ISSUER: JWKS_URL}
    )
    return settings


@pytest.fixture
def network() -> Any:
    """The issuer's JWKS endpoint and the example's FHIR server; nothing else is reachable."""
    with respx.mock(using=None, assert_all_called=False) as mock:
        mock.get(JWKS_URL).mock(return_value=httpx.Response(200, json=jwks(ec_key(), rsa_key())))
        mock.route(url__startswith=EXAMPLE["fhirServer"]).mock(side_effect=empty_fhir_server)
        yield mock


def through(network: respx.MockRouter) -> httpx.AsyncClient:
    """The service's HTTP client, answered by the ``network`` routes (no global patching of httpx)."""
    return httpx.AsyncClient(transport=httpx.MockTransport(network.async_handler))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def call(
    client: httpx.AsyncClient, method: str, path: str, body: bytes | None, token: str | None
) -> httpx.Response:
    return await client.request(method, path, content=body, headers=bearer(token) if token else {})


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "security"
    assert body["issue"][0]["details"]["text"] == "Authentication failed"


@pytest.mark.parametrize("key", [ec_key(), rsa_key()], ids=["ES384", "RS384"])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=["discovery", "service", "feedback"])
async def test_a_good_token_passes(
    serve_app: ServeApp,
    auth_settings: Settings,
    network: respx.MockRouter,
    key: SigningKey,
    method: str,
    path: str,
    body: bytes | None,
) -> None:
    async with serve_app(auth_settings, http_client=through(network)) as client:
        response = await call(client, method, path, body, mint(key, BASE_URL + path))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=["discovery", "service", "feedback"])
async def test_no_token_is_refused(
    serve_app: ServeApp,
    auth_settings: Settings,
    network: respx.MockRouter,
    method: str,
    path: str,
    body: bytes | None,
) -> None:
    async with serve_app(auth_settings, http_client=through(network)) as client:
        assert_refused(await call(client, method, path, body, None))
        response = await client.request(
            method, path, content=body, headers={"Authorization": "Basic dXNlcjpwdw=="}
        )
        assert_refused(response)


def now() -> int:
    return int(time.time())


BAD_TOKENS = {
    "bad-signature": lambda aud: mint(ec_key("impostor"), aud, header={"kid": "ec-1"}),
    "expired": lambda aud: mint(ec_key(), aud, iat=now() - 900, exp=now() - 600),
    "wrong-aud": lambda aud: mint(ec_key(), aud.replace("https://", "http://")),
    "aud-of-another-endpoint": lambda aud: mint(ec_key(), BASE_URL + "/cds-services"),
    "alg-none": lambda aud: unsigned(aud),
    "HS384": lambda aud: hmac_signed(aud),
    "unknown-kid": lambda aud: mint(ec_key("never-published"), aud),
    "untrusted-iss": lambda aud: mint(ec_key(), aud, iss="https://evil.example"),
    "mismatched-jku": lambda aud: mint(ec_key(), aud, header={"jku": "https://evil.example/jwks.json"}),
}


@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_a_bad_token_is_refused_without_saying_why(
    serve_app: ServeApp,
    auth_settings: Settings,
    network: respx.MockRouter,
    make_token: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = make_token(BASE_URL + SERVICE_PATH)
    async with serve_app(auth_settings, http_client=through(network)) as client:
        assert_refused(await call(client, "POST", SERVICE_PATH, orjson.dumps(EXAMPLE), token))
    logged = capsys.readouterr().out
    assert "client_token_rejected" in logged
    assert token not in logged and token.split(".")[1] not in logged


async def test_a_replayed_token_is_refused(
    serve_app: ServeApp, auth_settings: Settings, network: respx.MockRouter
) -> None:
    token = mint(ec_key(), BASE_URL + SERVICE_PATH)
    async with serve_app(auth_settings, http_client=through(network)) as client:
        first = await call(client, "POST", SERVICE_PATH, orjson.dumps(EXAMPLE), token)
        second = await call(client, "POST", SERVICE_PATH, orjson.dumps(EXAMPLE), token)
    assert first.status_code == 200
    assert_refused(second)


async def test_the_jwks_is_fetched_once_for_many_calls(
    serve_app: ServeApp, auth_settings: Settings, network: respx.MockRouter
) -> None:
    async with serve_app(auth_settings, http_client=through(network)) as client:
        for _ in range(3):
            response = await call(
                client, "GET", "/cds-services", None, mint(ec_key(), BASE_URL + "/cds-services")
            )
            assert response.status_code == 200
    assert network.routes[0].call_count == 1


async def test_the_sandbox_double_slash_url_is_its_own_audience(
    serve_app: ServeApp, auth_settings: Settings, network: respx.MockRouter
) -> None:
    path = f"/cds-services//{SERVICE_ID}"
    async with serve_app(auth_settings, http_client=through(network)) as client:
        response = await call(client, "POST", path, orjson.dumps(EXAMPLE), mint(ec_key(), BASE_URL + path))
    assert response.status_code == 200


async def test_health_needs_no_token(serve_app: ServeApp, auth_settings: Settings) -> None:
    async with serve_app(auth_settings) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200


def test_the_audience_is_built_from_the_public_base_url_not_the_request() -> None:
    from starlette.requests import Request

    request = Request({"type": "http", "path": "/api/cds-services", "root_path": "/api", "headers": []})
    assert audience_for("https://cds.example.org/api", request) == "https://cds.example.org/api/cds-services"


def test_authentication_is_off_and_no_issuer_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDS_TRUSTED_ISSUERS", raising=False)
    monkeypatch.delenv("CDS_AUTH_REQUIRED", raising=False)
    settings = Settings()
    assert settings.trusted_issuers == {}
    assert settings.auth_required is False


async def test_a_token_longer_than_16_kib_is_refused_unread(
    serve_app: ServeApp,
    auth_settings: Settings,
    network: respx.MockRouter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Parsing a huge token costs seconds of CPU before any check: refused on its length alone,
    even when it is otherwise valid."""
    audience = BASE_URL + "/cds-services"
    long_token = mint(ec_key(), audience, pad="A" * 16_500)
    fits = mint(ec_key(), audience, pad="A" * 8_000)
    assert len(long_token) > 16 * 1024 > len(fits)
    async with serve_app(auth_settings, http_client=through(network)) as client:
        assert_refused(await call(client, "GET", "/cds-services", None, long_token))
        assert (await call(client, "GET", "/cds-services", None, fits)).status_code == 200
    assert '"check": "size"' in capsys.readouterr().out


def _b64url(data: dict[str, Any]) -> str:
    import base64

    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


def forged(alg: str, kid: str, audience: str) -> str:
    """A token whose header names ``alg`` for the key ``kid``, with a signature that is not one."""
    header = {"alg": alg, "kid": kid, "typ": "JWT"}
    claims = {"iss": ISSUER, "aud": audience, "iat": now(), "exp": now() + 300, "jti": f"forged-{alg}"}
    return f"{_b64url(header)}.{_b64url(claims)}.AAAA"


CANNOT_VERIFY = {
    # JWKs that declare no "alg" (many do not): the header's algorithm is the only one named
    "RS384-for-an-EC-key": lambda aud: forged("RS384", "ec-1", aud),
    "ES384-for-an-RSA-key": lambda aud: forged("ES384", "rsa-1", aud),
    # signed by the right key, but a jti no database can hold (JSON escapes a lone surrogate)
    "jti-lone-surrogate": lambda aud: mint(ec_key(), aud, jti="\ud800-replay"),
}


@pytest.mark.parametrize("make_token", CANNOT_VERIFY.values(), ids=CANNOT_VERIFY.keys())
async def test_a_token_the_service_cannot_verify_is_401_not_500(
    serve_app: ServeApp, auth_settings: Settings, make_token: Any
) -> None:
    """Both answered 500 before: PyJWT raised TypeError for a key of the wrong kind, and the store could
    not encode the jti. The SQL store is the one in use (serve_app runs the lifespan)."""
    without_alg = {
        "keys": [{k: v for k, v in key.public_jwk.items() if k != "alg"} for key in (ec_key(), rsa_key())]
    }
    with respx.mock(using=None) as mock:
        mock.get(JWKS_URL).mock(return_value=httpx.Response(200, json=without_alg))
        async with serve_app(auth_settings, http_client=through(mock)) as client:
            token = make_token(BASE_URL + SERVICE_PATH)
            assert_refused(await call(client, "POST", SERVICE_PATH, orjson.dumps(EXAMPLE), token))
            # the same keys still verify a good token
            good = mint(ec_key(), BASE_URL + "/cds-services")
            assert (await call(client, "GET", "/cds-services", None, good)).status_code == 200
