"""One request's record, read once for every dexrazoxane order it decides.

Most of what an order's facts rest on does not depend on the order: the orders in play, the
administrations, the CarePlans, the referrals. Some depends only on the order's date and clock (the totals
as of that date). Read per order, each of these loops over every order of the request again, so a request
signing N orders did N² work (a few hundred drafts took seconds). ``RecordIndex`` keeps each reading once,
keyed by what it depends on, so the work of a request grows with its orders, not their square.

Pure: it holds values computed from the request's own resources, nothing else, for one call.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cds_service.fhir.pool import ResourcePool

T = TypeVar("T")


class RecordIndex:
    """Readings of one request's ``pool``, each computed on first use and kept for the call."""

    def __init__(self, pool: ResourcePool) -> None:
        self.pool = pool
        self._kept: dict[Hashable, Any] = {}

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for, the same value after (``key`` names the
        reading and every value it depends on)."""
        if key not in self._kept:
            self._kept[key] = compute()
        found: T = self._kept[key]
        return found
