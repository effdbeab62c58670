"""Verify a CDS client's JWT (CDS Hooks 2.0 "Trusting CDS Clients"; the CDS Hooks sandbox).

Checks, in order, each with the name that is logged when it fails (the token never is):

- ``header``: the token parses, ``alg``, ``kid``, ``typ`` and ``jku`` (when sent) are strings, ``typ``
  (when sent) is JWT;
- ``alg``: ES384 or RS384, the two the spec recommends; ``none`` and HMAC "SHALL NOT be used";
- ``kid``: present; ``iss``: a trusted issuer (``CDS_TRUSTED_ISSUERS``);
- ``jku``: when sent, equal to the issuer's configured JWKS URL. For an issuer whose keys are configured as
  a file (keys exchanged out of band, never fetched from ``jku``) it must be an https URL on the issuer's
  own origin, as the sandbox's is;
- ``key``: the issuer's JWKS holds ``kid`` (after one refresh) for the same algorithm, and the key can
  do that algorithm (an RSA key for RS384, an EC P-384 key for ES384): a header naming an algorithm the
  key cannot do is refused here, before PyJWT is asked to verify with it;
- ``signature`` (``token`` when otherwise malformed), ``aud`` (the URL called, built from
  ``CDS_PUBLIC_BASE_URL``), ``exp``, ``iat``, and the required claims ``iss aud exp iat jti``
  (``claims``), with ``CDS_JWT_LEEWAY_SECONDS`` leeway; ``exp``, ``iat`` and ``nbf`` (when sent) are
  finite JSON numbers, not strings or booleans (``claims``);
- ``lifetime``: exp - iat at most ``CDS_JWT_MAX_LIFETIME_SECONDS``, so the replay memory covers it;
- ``replay``: a ``jti`` already used by that issuer. A ``jti`` that is not a non-empty string UTF-8 can
  encode (a lone surrogate escaped in the JSON) is ``claims``: the store could not keep it.

Whatever PyJWT or the key library raises on a token it cannot verify is a failed check (``token``),
never an error of the service: a token the service cannot verify is answered 401.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cds_service.auth.jwks import JwksCache, TrustedKey, is_url
from cds_service.auth.replay import ReplayGuard

# CDS Hooks 2.0: "both ES384 and RS384 are RECOMMENDED"; asymmetric only.
ALLOWED_ALGORITHMS: frozenset[str] = frozenset({"ES384", "RS384"})
REQUIRED_CLAIMS: tuple[str, ...] = ("iss", "aud", "exp", "iat", "jti")
# Header parameters read here: any of them sent as another JSON type than a string is a malformed token.
STRING_HEADERS: tuple[str, ...] = ("alg", "kid", "typ", "jku")
NUMERIC_CLAIMS: tuple[str, ...] = ("exp", "iat", "nbf")


def _key_can_do(key: TrustedKey, alg: str) -> bool:
    """Whether the public key is of the kind ``alg`` signs with (RFC 7518 §3.3 RSA, §3.4 EC P-384)."""
    public = key.jwk.key
    if alg == "RS384":
        return isinstance(public, rsa.RSAPublicKey)
    if alg == "ES384":
        return isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP384R1)
    return False


def _storable(text: Any) -> bool:
    """A non-empty string that UTF-8 can encode (JSON may escape a lone surrogate, which no database
    column can hold)."""
    if not isinstance(text, str) or not text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_number(value: Any) -> bool:
    """A finite JSON number; ``True`` is an int to Python, and PyJWT would read ``"123"`` as one."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class AuthenticationFailed(Exception):
    """A client token failed ``check``. The check name is for the log; the caller only learns 401."""

    def __init__(self, check: str) -> None:
        super().__init__(check)
        self.check = check


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class ClientTokenVerifier:
    def __init__(
        self,
        jwks: JwksCache,
        replay: ReplayGuard,
        *,
        leeway_seconds: int,
        max_lifetime_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.jwks = jwks
        self.replay = replay
        self.leeway = leeway_seconds
        self.max_lifetime = max_lifetime_seconds
        self._clock = clock

    def _check_jku(self, header: dict[str, Any], issuer: str, location: str) -> None:
        jku = header.get("jku")
        if jku is None:
            return
        if not isinstance(jku, str):
            raise AuthenticationFailed("jku")
        if is_url(location):
            if jku != location:
                raise AuthenticationFailed("jku")
        elif not (jku.startswith("https://") and _origin(jku) == _origin(issuer)):
            raise AuthenticationFailed("jku")

    async def verify(self, token: str, *, audience: str) -> dict[str, Any]:
        """The verified claims, or ``AuthenticationFailed``."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, TypeError, ValueError):
            raise AuthenticationFailed("header") from None
        if not isinstance(unverified, dict):
            raise AuthenticationFailed("header")
        if any(name in header and not isinstance(header[name], str) for name in STRING_HEADERS):
            raise AuthenticationFailed("header")
        if any(name in unverified and not _is_number(unverified[name]) for name in NUMERIC_CLAIMS):
            raise AuthenticationFailed("claims")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
            raise AuthenticationFailed("header")
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise AuthenticationFailed("alg")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationFailed("kid")
        issuer = unverified.get("iss")
        location = self.jwks.location(issuer) if isinstance(issuer, str) else None
        if not isinstance(issuer, str) or location is None:
            raise AuthenticationFailed("iss")
        self._check_jku(header, issuer, location)

        key = await self.jwks.key(issuer, kid)
        if key is None or key.alg not in (None, alg) or not _key_can_do(key, alg):
            raise AuthenticationFailed("key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.jwk.key,
                algorithms=[alg],
                audience=audience,
                issuer=issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.InvalidSignatureError:
            raise AuthenticationFailed("signature") from None
        except jwt.InvalidAudienceError:
            raise AuthenticationFailed("aud") from None
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("exp") from None
        except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
            raise AuthenticationFailed("iat") from None
        except jwt.MissingRequiredClaimError:
            raise AuthenticationFailed("claims") from None
        except jwt.InvalidKeyError:
            raise AuthenticationFailed("key") from None
        except (jwt.PyJWTError, TypeError, ValueError):
            # Anything else the token makes PyJWT or the key library raise: not verifiable, not a bug.
            raise AuthenticationFailed("token") from None

        exp, iat, jti = claims["exp"], claims["iat"], claims["jti"]
        if not _storable(jti):
            raise AuthenticationFailed("claims")
        if exp - iat > self.max_lifetime:
            raise AuthenticationFailed("lifetime")
        if not await self.replay.first_use(issuer, jti, remember_until=float(exp) + self.leeway):
            raise AuthenticationFailed("replay")
        return claims
