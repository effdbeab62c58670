"""Seen JWT ids, so a captured client token cannot be sent twice (CDS Hooks 2.0: ``jti`` "used to
protect against replay attacks"; best practice: keep processed jtis for the token's maximum lifetime).

In the service's store: the (issuer, jti) primary key makes the refusal atomic across every
replica sharing the database. When the store cannot be reached the token is checked against this process's
own memory instead (counted in STORE_ERRORS by the store): the hook still answers and a replay to the same
process is still refused; a replay to another replica during the outage is not caught. Entries in memory
expire with their token, so memory stays bounded by the call rate during an outage times the token lifetime.
Without a store (unit tests, `evaluate`), memory only.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from cds_service.store.protocol import Store, StoreUnavailable

log = structlog.get_logger("cds_service.auth")


class ReplayGuard:
    def __init__(self, store: Store | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._expiry: dict[tuple[str, str], float] = {}
        self._queue: list[tuple[float, tuple[str, str]]] = []

    async def first_use(self, issuer: str, jti: str, *, remember_until: float) -> bool:
        """True the first time (issuer, jti) is seen before ``remember_until`` (epoch seconds)."""
        if self._store is not None:
            try:
                return await self._store.first_use(
                    issuer,
                    jti,
                    expires_at=datetime.fromtimestamp(remember_until, UTC),
                    now=datetime.fromtimestamp(self._clock(), UTC),
                )
            except StoreUnavailable as error:
                log.error("jti_not_stored", error=str(error), fallback="process memory")
        return self._first_use_here(issuer, jti, remember_until=remember_until)

    def _first_use_here(self, issuer: str, jti: str, *, remember_until: float) -> bool:
        now = self._clock()
        while self._queue and self._queue[0][0] <= now:
            expiry, key = heapq.heappop(self._queue)
            if self._expiry.get(key) == expiry:
                del self._expiry[key]
        key = (issuer, jti)
        if key in self._expiry:
            return False
        self._expiry[key] = remember_until
        heapq.heappush(self._queue, (remember_until, key))
        return True

    def __len__(self) -> int:
        """Ids held in this process's memory (only while the store is unreachable, or without one)."""
        return len(self._expiry)
