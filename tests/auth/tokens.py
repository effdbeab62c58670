"""Test signing keys and client JWTs, made with `cryptography` and PyJWT for each test run."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://ehr.example.org"
JWKS_URL = "https://ehr.example.org/.well-known/jwks.json"
BASE_URL = "https://cds.example.org"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private_key: Any
    public_jwk: dict[str, Any]


@cache
def ec_key(kid: str = "ec-1") -> SigningKey:
    private = ec.generate_private_key(ec.SECP384R1())
    public = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return SigningKey(kid, "ES384", private, {**public, "kid": kid, "use": "sig", "alg": "ES384"})


@cache
def rsa_key(kid: str = "rsa-1") -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return SigningKey(kid, "RS384", private, {**public, "kid": kid, "use": "sig", "alg": "RS384"})


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [key.public_jwk for key in keys]}


def claims(audience: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": audience,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def mint(
    key: SigningKey, audience: str, *, header: dict[str, Any] | None = None, **claim_overrides: Any
) -> str:
    headers: dict[str, Any] = {"typ": "JWT", "kid": key.kid, "jku": JWKS_URL}
    headers.update(header or {})
    headers = {name: value for name, value in headers.items() if value is not None}
    return jwt.encode(
        claims(audience, **claim_overrides), key.private_key, algorithm=key.alg, headers=headers
    )


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(audience: str, kid: str = "ec-1") -> str:
    """An ``alg: none`` token: header and claims, empty signature."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(claims(audience))}."


def hmac_signed(audience: str, kid: str = "ec-1") -> str:
    """HS384 signed with a shared secret, as an attacker who knows a public key might try."""
    return jwt.encode(claims(audience), "s" * 64, algorithm="HS384", headers={"kid": kid})
