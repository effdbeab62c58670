from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx
import orjson
import pytest

from cds_service.auth.client_token import AuthenticationFailed, ClientTokenVerifier
from cds_service.auth.jwks import JwksCache
from cds_service.auth.replay import ReplayGuard
from tests.auth.tokens import ISSUER, JWKS_URL, ec_key, hmac_signed, jwks, mint, rsa_key, unsigned

AUD = "https://cds.example.org/cds-services/dexrazoxane-order-sign"
LEEWAY = 60


def verifier_for(sources: dict[str, str], document: dict[str, object] | None = None) -> ClientTokenVerifier:
    def serve(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        return httpx.Response(200, content=orjson.dumps(document or jwks(ec_key(), rsa_key())))

    http = httpx.AsyncClient(transport=httpx.MockTransport(serve))
    cache = JwksCache(sources, lambda: http, ttl_seconds=3600, min_refresh_seconds=0)
    return ClientTokenVerifier(cache, ReplayGuard(), leeway_seconds=LEEWAY, max_lifetime_seconds=3600)


@pytest.fixture
def verifier() -> ClientTokenVerifier:
    return verifier_for({ISSUER: JWKS_URL})


async def rejected(verifier: ClientTokenVerifier, token: str, audience: str = AUD) -> str:
    with pytest.raises(AuthenticationFailed) as failure:
        await verifier.verify(token, audience=audience)
    return failure.value.check


@pytest.mark.parametrize("key", [ec_key(), rsa_key()], ids=["ES384", "RS384"])
async def test_a_good_token_passes_and_yields_its_claims(verifier: ClientTokenVerifier, key: object) -> None:
    token = mint(key, AUD, jti="one")  # type: ignore[arg-type]
    claims = await verifier.verify(token, audience=AUD)
    assert claims["iss"] == ISSUER and claims["jti"] == "one"


async def test_aud_may_be_a_list_holding_the_endpoint(verifier: ClientTokenVerifier) -> None:
    await verifier.verify(mint(ec_key(), AUD, aud=["https://other.example", AUD]), audience=AUD)


async def test_a_token_without_jku_uses_the_configured_keys(verifier: ClientTokenVerifier) -> None:
    await verifier.verify(mint(ec_key(), AUD, header={"jku": None}), audience=AUD)


async def test_a_token_signed_by_another_key_fails_the_signature(verifier: ClientTokenVerifier) -> None:
    impostor = ec_key("impostor")
    token = mint(impostor, AUD, header={"kid": "ec-1"})
    assert await rejected(verifier, token) == "signature"


async def test_a_tampered_token_fails_the_signature(verifier: ClientTokenVerifier) -> None:
    header, payload, signature = mint(ec_key(), AUD).split(".")
    other_payload = mint(ec_key(), AUD, jti="other").split(".")[1]
    assert await rejected(verifier, f"{header}.{other_payload}.{signature}") == "signature"
    assert payload != other_payload


async def test_an_expired_token_is_refused_beyond_the_leeway(verifier: ClientTokenVerifier) -> None:
    now = int(time.time())
    assert await rejected(verifier, mint(ec_key(), AUD, iat=now - 900, exp=now - LEEWAY - 5)) == "exp"
    await verifier.verify(mint(ec_key(), AUD, iat=now - 900, exp=now - LEEWAY + 30), audience=AUD)


async def test_a_token_issued_in_the_future_is_refused(verifier: ClientTokenVerifier) -> None:
    now = int(time.time())
    assert await rejected(verifier, mint(ec_key(), AUD, iat=now + 600, exp=now + 900)) == "iat"


async def test_a_replayed_jti_is_refused(verifier: ClientTokenVerifier) -> None:
    token = mint(ec_key(), AUD)
    await verifier.verify(token, audience=AUD)
    assert await rejected(verifier, token) == "replay"
    first = mint(rsa_key(), AUD, jti="reused")
    await verifier.verify(first, audience=AUD)
    assert await rejected(verifier, mint(rsa_key(), AUD, jti="reused")) == "replay"


async def test_a_token_for_another_endpoint_is_refused(verifier: ClientTokenVerifier) -> None:
    assert await rejected(verifier, mint(ec_key(), "https://cds.example.org/cds-services")) == "aud"
    assert (
        await rejected(verifier, mint(ec_key(), "http://internal:8080/cds-services/dexrazoxane-order-sign"))
        == "aud"
    )


async def test_alg_none_is_refused(verifier: ClientTokenVerifier) -> None:
    assert await rejected(verifier, unsigned(AUD)) == "alg"


async def test_hmac_is_refused(verifier: ClientTokenVerifier) -> None:
    assert await rejected(verifier, hmac_signed(AUD)) == "alg"


async def test_other_asymmetric_algorithms_are_refused(verifier: ClientTokenVerifier) -> None:
    import jwt

    token = jwt.encode({"iss": ISSUER}, rsa_key().private_key, algorithm="RS256", headers={"kid": "rsa-1"})
    assert await rejected(verifier, token) == "alg"


async def test_a_token_without_kid_is_refused(verifier: ClientTokenVerifier) -> None:
    assert await rejected(verifier, mint(ec_key(), AUD, header={"kid": None})) == "kid"


async def test_an_unknown_kid_is_refused_after_a_refresh() -> None:
    fetches = 0

    def serve(request: httpx.Request) -> httpx.Response:
        nonlocal fetches
        fetches += 1
        return httpx.Response(200, content=orjson.dumps(jwks(ec_key())))

    http = httpx.AsyncClient(transport=httpx.MockTransport(serve))
    cache = JwksCache({ISSUER: JWKS_URL}, lambda: http, ttl_seconds=3600, min_refresh_seconds=0)
    verifier = ClientTokenVerifier(cache, ReplayGuard(), leeway_seconds=LEEWAY, max_lifetime_seconds=3600)
    await verifier.verify(mint(ec_key(), AUD), audience=AUD)
    assert await rejected(verifier, mint(ec_key("rotated-away"), AUD)) == "key"
    assert fetches == 2


async def test_an_untrusted_issuer_is_refused(verifier: ClientTokenVerifier) -> None:
    assert await rejected(verifier, mint(ec_key(), AUD, iss="https://evil.example")) == "iss"
    assert await rejected(verifier, mint(ec_key(), AUD, iss=None)) == "iss"


async def test_a_jku_other_than_the_configured_url_is_refused(verifier: ClientTokenVerifier) -> None:
    token = mint(ec_key(), AUD, header={"jku": "https://evil.example/jwks.json"})
    assert await rejected(verifier, token) == "jku"


async def test_a_key_of_the_wrong_algorithm_is_refused(verifier: ClientTokenVerifier) -> None:
    # An ES384 token naming the RSA key's kid.
    token = mint(ec_key(), AUD, header={"kid": "rsa-1"})
    assert await rejected(verifier, token) == "key"


async def test_required_claims_must_be_present(verifier: ClientTokenVerifier) -> None:
    assert await rejected(verifier, mint(ec_key(), AUD, jti=None)) == "claims"
    assert await rejected(verifier, mint(ec_key(), AUD, exp=None)) == "claims"


async def test_a_token_living_longer_than_the_replay_memory_is_refused(verifier: ClientTokenVerifier) -> None:
    now = int(time.time())
    assert await rejected(verifier, mint(ec_key(), AUD, iat=now, exp=now + 7200)) == "lifetime"


async def test_garbage_is_refused(verifier: ClientTokenVerifier) -> None:
    assert await rejected(verifier, "not-a-jwt") == "header"
    assert await rejected(verifier, mint(ec_key(), AUD, header={"typ": "at+jwt"})) == "header"


async def test_an_issuer_with_a_key_file_accepts_a_jku_on_its_own_origin_only(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(ec_key())))
    verifier = verifier_for({ISSUER: str(path)})
    await verifier.verify(mint(ec_key(), AUD), audience=AUD)  # jku https://ehr.example.org/...
    token = mint(ec_key(), AUD, header={"jku": "https://evil.example/.well-known/jwks.json"})
    assert await rejected(verifier, token) == "jku"
    token = mint(ec_key(), AUD, header={"jku": "http://ehr.example.org/.well-known/jwks.json"})
    assert await rejected(verifier, token) == "jku"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": ["ES384"]},
        {"alg": {"a": 1}},
        {"alg": 1},
        {"kid": ["ec-1"]},
        {"kid": {"x": 1}},
        {"typ": ["JWT"]},
        {"jku": [JWKS_URL]},
    ],
    ids=["alg-list", "alg-object", "alg-number", "kid-list", "kid-object", "typ-list", "jku-list"],
)
async def test_a_header_parameter_that_is_not_a_string_is_refused(
    verifier: ClientTokenVerifier, header: dict[str, object]
) -> None:
    """Was a 500: an unhashable ``alg`` broke the algorithm lookup."""
    signed = mint(ec_key(), AUD)
    _, payload, signature = signed.split(".")
    fields = {"alg": "ES384", "typ": "JWT", "kid": "ec-1", **header}
    forged = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    assert await rejected(verifier, f"{forged}.{payload}.{signature}") == "header"


@pytest.mark.parametrize(
    "claim",
    [
        {"exp": str(int(time.time()) + 300)},
        {"iat": str(int(time.time()))},
        {"exp": True},
        {"iat": False},
        {"exp": [1]},
    ],
    ids=["exp-string", "iat-string", "exp-true", "iat-false", "exp-list"],
)
async def test_exp_and_iat_must_be_numbers(verifier: ClientTokenVerifier, claim: dict[str, object]) -> None:
    """A validly signed token with ``"exp": "1700000000"`` was a 500 (``exp - iat`` on strings)."""
    assert await rejected(verifier, mint(ec_key(), AUD, **claim)) == "claims"


async def test_an_infinite_exp_is_refused(verifier: ClientTokenVerifier) -> None:
    token = mint(ec_key(), AUD)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    text = json.dumps(claims).replace(f'"exp": {claims["exp"]}', '"exp": 1e400')
    forged = base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()
    assert await rejected(verifier, f"{header}.{forged}.{signature}") == "claims"


def _without_alg(*keys: object) -> dict[str, object]:
    return {"keys": [{k: v for k, v in key.public_jwk.items() if k != "alg"} for key in keys]}  # type: ignore[attr-defined]


def _forged(alg: str, kid: str) -> str:
    def b64(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUD, "iat": now, "exp": now + 300, "jti": "forged"}
    return f"{b64({'alg': alg, 'kid': kid, 'typ': 'JWT'})}.{b64(claims)}.AAAA"


@pytest.mark.parametrize(("alg", "kid"), [("RS384", "ec-1"), ("ES384", "rsa-1")])
async def test_an_algorithm_the_key_cannot_do_fails_the_key_check(alg: str, kid: str) -> None:
    """With JWKs that declare no alg, PyJWT raised TypeError ("Expecting a PEM-formatted key") for an
    EC key asked to verify RS384: refused as ``key`` before PyJWT is asked."""
    verifier = verifier_for({ISSUER: JWKS_URL}, _without_alg(ec_key(), rsa_key()))
    assert await rejected(verifier, _forged(alg, kid)) == "key"


async def test_an_es384_token_needs_a_p384_key() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    p256 = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), as_dict=True)
    verifier = verifier_for({ISSUER: JWKS_URL}, {"keys": [{**p256, "kid": "ec-1", "use": "sig"}]})
    assert await rejected(verifier, _forged("ES384", "ec-1")) == "key"


@pytest.mark.parametrize("jti", ["\ud800", "a\udfffb", ""])
async def test_a_jti_utf8_cannot_encode_fails_the_claims_check(
    verifier: ClientTokenVerifier, jti: str
) -> None:
    assert await rejected(verifier, mint(ec_key(), AUD, jti=jti)) == "claims"
