"""Seen JWT ids, so a captured client token cannot be sent twice (CDS Hooks 2.0: ``jti`` "used to
protect against replay attacks"; best practice: keep processed jtis for the token's maximum lifetime).

In memory, per process: behind several replicas a replay to another replica is not caught, which the
README says. Entries expire with the token they came from, so memory stays bounded by the call rate
times the maximum token lifetime.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable


class ReplayGuard:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._expiry: dict[tuple[str, str], float] = {}
        self._queue: list[tuple[float, tuple[str, str]]] = []

    def first_use(self, issuer: str, jti: str, *, remember_until: float) -> bool:
        """True the first time (issuer, jti) is seen before ``remember_until`` (epoch seconds)."""
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
        return len(self._expiry)
