"""Determinations kept for DTR pre-filling, keyed by CRD coverage-assertion-id (CONTRACT §6).

In memory, bounded and expiring: DTR follows the order-sign call within minutes, and the payer keeps what it
needs for audit elsewhere (CRD §sec-5/6: data used only for the decision, retained for DTR context). The app
holds one store on `app.state`; the order-sign handler calls `record_determinations` after deciding.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from threading import Lock

from cds_service.hooks.request import HookRequest
from cds_service.policy.determination import Decision, Determination
from cds_service.response.assertion_ids import assertion_scope, coverage_assertion_id

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_TTL_SECONDS = 24 * 3600.0  # CRD allows the order-sign call to precede DTR by a working day


class DeterminationStore:
    def __init__(
        self,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, str, Determination]] = OrderedDict()
        self._lock = Lock()

    def put(self, assertion_id: str, determination: Determination, client: str = "") -> None:
        with self._lock:
            self._entries.pop(assertion_id, None)
            self._entries[assertion_id] = (self._clock() + self._ttl, client, determination)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def get(self, assertion_id: str, client: str = "") -> Determination | None:
        """The determination recorded under ``assertion_id`` for the same ``client`` (JWT issuer)."""
        with self._lock:
            entry = self._entries.get(assertion_id)
            if entry is None:
                return None
            expires, recorded_for, determination = entry
            if self._clock() >= expires:
                del self._entries[assertion_id]
                return None
            return determination if recorded_for == client else None

    def __len__(self) -> int:
        return len(self._entries)


def record_determinations(
    store: DeterminationStore,
    determinations: Iterable[Determination],
    request: HookRequest,
    *,
    key: bytes,
    client: str = "",
) -> list[str]:
    """Keep every determination that carries a coverage assertion; returns the assertion ids recorded."""
    scope = assertion_scope(request, client)
    recorded = []
    for determination in determinations:
        coverage = determination.facts.coverage.value if determination.facts is not None else None
        if coverage is None or determination.decision is Decision.NOT_APPLICABLE:
            continue
        assertion_id = coverage_assertion_id(determination.order, coverage, scope=scope, key=key)
        store.put(assertion_id, determination, client)
        recorded.append(assertion_id)
    return recorded
