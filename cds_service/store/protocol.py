"""The store's interface: what the service asks of it, whatever the backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cds_service.store.records import DeterminationRecord, FeedbackRecord


class StoreUnavailable(Exception):
    """The database could not be reached in time or failed. Callers degrade (a hook still answers) and
    say so; the message names the operation and the error type, never a value or the database URL."""


@dataclass(frozen=True)
class SchemaMigration:
    """What bringing the schema up to date did: its revision before (``None``: no schema yet, an empty
    database) and after, and the migrations applied in between, oldest first, as (revision, description)."""

    before: str | None
    after: str
    applied: tuple[tuple[str, str], ...] = ()


class Store(Protocol):
    async def migrate(self) -> SchemaMigration:
        """Bring the schema to the latest migration (idempotent; safe with several replicas starting)."""

    async def save_determinations(self, records: Sequence[DeterminationRecord]) -> None:
        """Insert or replace, committed before returning."""

    async def determination(self, assertion_id: str, *, now: datetime) -> DeterminationRecord | None:
        """The record, or None when unknown or expired at ``now``."""

    async def latest_for_order(self, order_key: str, *, now: datetime) -> DeterminationRecord | None:
        """The order's most recent unexpired record (``assertion_ids.order_key``), whatever its coverage."""

    async def record_feedback(self, records: Sequence[FeedbackRecord]) -> list[str]:
        """Insert those not recorded before (by id); the ids newly recorded."""

    async def first_use(self, issuer: str, jti: str, *, expires_at: datetime, now: datetime) -> bool:
        """Atomically: True the first time (issuer, jti) is seen while unexpired, across every replica."""

    async def purge(self, now: datetime) -> dict[str, int]:
        """Delete rows expired at ``now``; the count per table."""

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers."""

    async def close(self) -> None: ...
