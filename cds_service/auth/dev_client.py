"""A CDS client for local testing: a key pair, its JWK Set, and client JWTs signed with it, as an EHR signs
them (CDS Hooks 2.0 "Trusting CDS Clients"): header ``alg`` (ES384 or
RS384, the two the spec recommends and the service accepts), ``typ`` JWT, ``kid``; claims ``iss``, ``sub``,
``aud`` (the URL called), ``exp``, ``iat`` and a fresh ``jti``.

The keys are files in one folder (``cds-service dev-token --dir``): the private key (PEM, readable by its
owner only) and the public JWK Set the service is configured to trust, as a file of
``CDS_TRUSTED_ISSUERS``. They are made on first use and reused, so a service started with the set accepts
every token minted after.

Not for production, by construction: ``production_configuration`` says why the configuration in the
environment is a production one (required authentication that trusts any client but this one), and the
command refuses to run there. A production EHR holds its own keys and mints its own tokens.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cds_service.auth.client_token import ALLOWED_ALGORITHMS
from cds_service.settings import Settings

# The local test client's issuer (``iss``, the key of CDS_TRUSTED_ISSUERS); ``.localhost`` is reserved for
# loopback names (RFC 6761), so no real client can hold it.
DEV_ISSUER = "https://dev-client.localhost"
DEFAULT_DIR = Path("var") / "dev-client"
PRIVATE_KEY_FILE = "dev-client-key.pem"
JWKS_FILE = "dev-client-jwks.json"
# A token lives 5 minutes by default, as Inferno's CRD client tokens do (davinci-crd-test-kit); at
# most CDS_JWT_MAX_LIFETIME_SECONDS, which the service enforces.
DEFAULT_LIFETIME_SECONDS = 300
RSA_KEY_BITS = 2048


class DevClientRefused(Exception):
    """The command may not run here (a production configuration) or cannot do what it was asked."""


@dataclass(frozen=True)
class DevClient:
    directory: Path
    alg: str
    kid: str
    private_key: Any

    @property
    def jwks_path(self) -> Path:
        return self.directory / JWKS_FILE


def production_configuration(settings: Settings, jwks_path: Path) -> str | None:
    """Why ``settings`` are a production configuration, or ``None``. Production here: authentication is
    required and CDS_TRUSTED_ISSUERS trusts some client other than this test client and its key file (a
    real EHR), so a test token minted here would be minted beside real clients' trust."""
    if not settings.auth_required:
        return None
    others = sorted(issuer for issuer in settings.trusted_issuers if issuer != DEV_ISSUER)
    if others:
        return f"CDS_AUTH_REQUIRED is true and CDS_TRUSTED_ISSUERS trusts {', '.join(others)}"
    location = settings.trusted_issuers.get(DEV_ISSUER)
    if location is not None and Path(location).resolve() != jwks_path.resolve():
        return f"CDS_TRUSTED_ISSUERS trusts {DEV_ISSUER} with another JWK Set than {jwks_path}"
    return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256 over the required members in lexical order): a stable ``kid``."""
    required = ("crv", "kty", "x", "y") if public_jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({k: public_jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode()).digest())


def _public_jwk(private_key: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        if not isinstance(private_key.curve, ec.SECP384R1):
            raise DevClientRefused("the key file holds an EC key that is not P-384 (ES384)")
        return "ES384", ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "RS384", RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    raise DevClientRefused("the key file holds neither an EC P-384 nor an RSA key")


def _write_private(path: Path, pem: bytes) -> None:
    """Created readable by its owner only, never widened later (O_EXCL: an existing file is not
    overwritten)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)


def load_or_create(directory: Path, *, alg: str = "ES384") -> tuple[DevClient, bool]:
    """The test client whose keys are in ``directory``, made there (with ``alg``) when there are none;
    whether it was made now."""
    if alg not in ALLOWED_ALGORITHMS:
        raise DevClientRefused(f"--alg must be one of {', '.join(sorted(ALLOWED_ALGORITHMS))}")
    key_path = directory / PRIVATE_KEY_FILE
    created = not key_path.exists()
    if created:
        directory.mkdir(parents=True, exist_ok=True)
        private_key: Any = (
            ec.generate_private_key(ec.SECP384R1())
            if alg == "ES384"
            else rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
        )
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_private(key_path, pem)
    else:
        try:
            private_key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as error:
            raise DevClientRefused(
                f"{key_path} is not a readable private key ({type(error).__name__})"
            ) from None
    key_alg, public = _public_jwk(private_key)
    kid = _thumbprint(public)
    jwks = {"keys": [{**public, "kid": kid, "use": "sig", "alg": key_alg}]}
    # Written every time from the private key: the set always matches the key that signs.
    (directory / JWKS_FILE).write_text(json.dumps(jwks, indent=2) + "\n")
    return DevClient(directory, key_alg, kid, private_key), created


def mint(client: DevClient, audience: str, *, lifetime_seconds: int, now: float | None = None) -> str:
    """A client JWT for one call to ``audience`` (the service's jti replay guard accepts each once)."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": DEV_ISSUER,
        "sub": DEV_ISSUER,
        "aud": audience,
        "iat": issued,
        "exp": issued + lifetime_seconds,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(
        claims, client.private_key, algorithm=client.alg, headers={"typ": "JWT", "kid": client.kid}
    )
