from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import orjson

from cds_service.auth.jwks import JwksCache, keys_from_jwks
from tests.auth.tokens import ISSUER, JWKS_URL, ec_key, jwks, rsa_key

SANDBOX_JWKS = Path(__file__).resolve().parents[2] / "cds_service" / "data" / "sandbox-jwks.json"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class JwksServer:
    """Serves a JWK Set that a test can rotate, and counts fetches."""

    def __init__(self, document: dict[str, object]) -> None:
        self.document = document
        self.fetches = 0
        self.status = 200

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        self.fetches += 1
        return httpx.Response(self.status, content=orjson.dumps(self.document))


def no_http() -> httpx.AsyncClient:
    raise AssertionError("a file-configured JWKS is never fetched over HTTP")


def cache_for(server: JwksServer, clock: Clock, **kwargs: float) -> JwksCache:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handler))
    return JwksCache(
        {ISSUER: JWKS_URL},
        lambda: http,
        ttl_seconds=kwargs.get("ttl", 3600),
        clock=clock,
        min_refresh_seconds=kwargs.get("min_refresh", 10),
    )


async def test_keys_are_fetched_once_and_served_from_the_cache() -> None:
    server = JwksServer(jwks(ec_key()))
    cache = cache_for(server, Clock())
    assert (await cache.key(ISSUER, "ec-1")) is not None
    assert (await cache.key(ISSUER, "ec-1")) is not None
    assert server.fetches == 1


async def test_an_unknown_kid_refreshes_the_set_once_to_pick_up_a_rotated_key() -> None:
    server = JwksServer(jwks(ec_key()))
    clock = Clock()
    cache = cache_for(server, clock)
    await cache.key(ISSUER, "ec-1")
    server.document = jwks(ec_key(), rsa_key())
    clock.now = 11
    key = await cache.key(ISSUER, "rsa-1")
    assert key is not None and key.alg == "RS384"
    assert server.fetches == 2


async def test_unknown_kids_cannot_make_the_service_hammer_the_issuer() -> None:
    server = JwksServer(jwks(ec_key()))
    clock = Clock()
    cache = cache_for(server, clock)
    await cache.key(ISSUER, "ec-1")
    for n in range(5):
        assert await cache.key(ISSUER, f"made-up-{n}") is None
    assert server.fetches == 1


async def test_the_set_is_fetched_again_when_the_cache_expires() -> None:
    server = JwksServer(jwks(ec_key()))
    clock = Clock()
    cache = cache_for(server, clock, ttl=60)
    await cache.key(ISSUER, "ec-1")
    clock.now = 61
    await cache.key(ISSUER, "ec-1")
    assert server.fetches == 2


async def test_a_failing_refresh_keeps_the_keys_already_known() -> None:
    server = JwksServer(jwks(ec_key()))
    clock = Clock()
    cache = cache_for(server, clock, ttl=60)
    await cache.key(ISSUER, "ec-1")
    server.status = 503
    clock.now = 61
    assert await cache.key(ISSUER, "ec-1") is not None


async def test_an_untrusted_issuer_has_no_keys_and_nothing_is_fetched() -> None:
    server = JwksServer(jwks(ec_key()))
    cache = cache_for(server, Clock())
    assert cache.location("https://evil.example") is None
    assert await cache.key("https://evil.example", "ec-1") is None
    assert server.fetches == 0


async def test_keys_can_come_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(ec_key())))
    cache = JwksCache({ISSUER: str(path)}, no_http, ttl_seconds=3600)
    assert await cache.key(ISSUER, "ec-1") is not None


def test_the_packaged_sandbox_set_holds_its_es384_signing_key() -> None:
    keys = keys_from_jwks(orjson.loads(SANDBOX_JWKS.read_bytes()))
    assert list(keys) == ["44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"]
    assert keys["44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"].alg == "ES384"


def test_keys_without_kid_or_not_for_signing_are_ignored() -> None:
    good = ec_key().public_jwk
    document = {
        "keys": [
            {k: v for k, v in good.items() if k != "kid"},
            {**good, "kid": "enc", "use": "enc"},
            {"kty": "nonsense", "kid": "bad"},
            good,
        ]
    }
    assert list(keys_from_jwks(document)) == ["ec-1"]
    assert keys_from_jwks({"keys": "not a list"}) == {}
    assert keys_from_jwks([]) == {}


def test_the_docs_trust_the_sandbox_with_values_that_work() -> None:
    # docs/api.md "Trusting the CDS Hooks sandbox, for testing only"
    root = Path(__file__).resolve().parents[2]
    page = (root / "docs" / "api.md").read_text()
    values = [json.loads(v) for v in re.findall(r"CDS_TRUSTED_ISSUERS='(\{.*?\})'", page)]
    sandbox = [v["https://sandbox.cds-hooks.org"] for v in values if "https://sandbox.cds-hooks.org" in v]
    assert "https://sandbox.cds-hooks.org/.well-known/jwks.json" in sandbox
    (packaged,) = [location for location in sandbox if not location.startswith("https://")]
    assert (root / packaged).resolve() == SANDBOX_JWKS.resolve()
