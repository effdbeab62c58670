"""The trusted CDS clients' public keys: one JWK Set per issuer, from a URL or a file, cached.

CDS Hooks 2.0 "Trusting CDS Clients": the client publishes its keys as a JWK Set, either at a URL (the
``jku`` header may name it) or out of band; services "SHOULD limit the CDS Clients they trust by
maintaining an allowlist of iss and jku urls" (CDS Hooks 2.0, "Trusting CDS Clients"). ``CDS_TRUSTED_ISSUERS``
is that allowlist: issuer -> JWKS URL (http/https) or file path. A set is kept ``jwks_cache_seconds``,
and fetched again once when a token names a ``kid`` it does not hold (key rotation), at most every
``min_refresh_seconds`` so that tokens with made-up kids cannot make us hammer the issuer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import jwt
import orjson
import structlog

log = structlog.get_logger("cds_service.auth")

JWKS_FETCH_TIMEOUT_SECONDS = 5.0
MIN_REFRESH_SECONDS = 10.0


def is_url(location: str) -> bool:
    return location.startswith(("https://", "http://"))


@dataclass(frozen=True)
class TrustedKey:
    jwk: jwt.PyJWK
    alg: str | None  # the JWK's own "alg", when it declares one


@dataclass
class _CachedSet:
    keys: dict[str, TrustedKey] = field(default_factory=dict)
    fetched_at: float | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def keys_from_jwks(document: Any) -> dict[str, TrustedKey]:
    """Signing keys by kid; keys without a kid, not for signing, or of an unusable type are skipped."""
    keys: dict[str, TrustedKey] = {}
    raw_keys = document.get("keys") if isinstance(document, dict) else None
    for raw in raw_keys if isinstance(raw_keys, list) else []:
        if not isinstance(raw, dict) or not isinstance(raw.get("kid"), str) or raw.get("use", "sig") != "sig":
            continue
        try:
            declared = raw.get("alg")
            keys[raw["kid"]] = TrustedKey(
                jwt.PyJWK.from_dict(raw), declared if isinstance(declared, str) else None
            )
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue
    return keys


class JwksCache:
    def __init__(
        self,
        sources: Mapping[str, str],
        http: Callable[[], httpx.AsyncClient],
        *,
        ttl_seconds: float,
        min_refresh_seconds: float = MIN_REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sources = dict(sources)
        self._http = http
        self._ttl = ttl_seconds
        self._min_refresh = min_refresh_seconds
        self._clock = clock
        self._sets: dict[str, _CachedSet] = {}

    def location(self, issuer: str) -> str | None:
        """The configured JWKS URL or file of a trusted issuer; None when the issuer is not trusted."""
        return self.sources.get(issuer)

    async def key(self, issuer: str, kid: str) -> TrustedKey | None:
        location = self.sources.get(issuer)
        if location is None:
            return None
        cached = self._sets.setdefault(issuer, _CachedSet())
        async with cached.lock:
            now = self._clock()
            stale = cached.fetched_at is None or now - cached.fetched_at >= self._ttl
            may_refresh = cached.fetched_at is None or now - cached.fetched_at >= self._min_refresh
            if stale or (kid not in cached.keys and may_refresh):
                await self._load(issuer, location, cached)
            return cached.keys.get(kid)

    async def _load(self, issuer: str, location: str, cached: _CachedSet) -> None:
        try:
            if is_url(location):
                response = await self._http().get(
                    location, timeout=JWKS_FETCH_TIMEOUT_SECONDS, headers={"Accept": "application/json"}
                )
                response.raise_for_status()
                document = orjson.loads(response.content)
            else:
                document = orjson.loads(await anyio.to_thread.run_sync(Path(location).read_bytes))
        except (httpx.HTTPError, OSError, orjson.JSONDecodeError) as exc:
            # Keep the keys we had: a JWKS endpoint that hiccups must not lock every client out.
            log.warning("jwks_unavailable", issuer=issuer, error=type(exc).__name__)
            cached.fetched_at = self._clock()
            return
        cached.keys = keys_from_jwks(document)
        cached.fetched_at = self._clock()
        if not cached.keys:
            log.warning("jwks_without_signing_keys", issuer=issuer)
