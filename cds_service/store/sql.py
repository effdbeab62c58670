"""The store over SQLAlchemy 2 Core (async): one implementation for SQLite and PostgreSQL.

Every operation is timed (STORE_LATENCY), bounded by ``CDS_STORE_TIMEOUT_SECONDS`` and, when it fails,
counted (STORE_ERRORS) and raised as ``StoreUnavailable``: the callers decide how to degrade. The schema is
migrated on first use when start-up has not done it yet (tests, a database that came up late).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy.exc
from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cds_service.metrics import STORE_ERRORS, STORE_LATENCY
from cds_service.settings import Settings
from cds_service.store import migrate, schema
from cds_service.store.engine import SINGLE_STATEMENT, create_engine
from cds_service.store.failure import failure_cause
from cds_service.store.protocol import SchemaMigration, StoreUnavailable
from cds_service.store.records import DeterminationRecord, FeedbackRecord

# What a failing database raises through SQLAlchemy and its drivers (connection refused, timeouts).
_FAILURES = (SQLAlchemyError, OSError, TimeoutError, ConnectionError)
# Of those, what says the database (or the way to it) is down, not that one statement's data was refused:
# only these start the fail-fast window, so one caller's bad data cannot stop every other hook's writes.
_DOWN = (
    OSError,
    TimeoutError,
    ConnectionError,
    OperationalError,
    InterfaceError,
    sqlalchemy.exc.TimeoutError,
)


def _database_down(error: BaseException) -> bool:
    if isinstance(error, _DOWN):
        return True
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error.orig, (OSError, TimeoutError, ConnectionError))
    )


def text_safe(value: Any) -> Any:
    """``value`` with every NUL character in its strings replaced by U+FFFD: PostgreSQL refuses NUL in
    text and JSONB, and any string a caller sends (an id, a display echoed in a reason) can carry one.
    Bytes (a packed determination, a binary column) are left as they are."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {text_safe(key): text_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [text_safe(item) for item in value]
    return value


def _row_text_safe(row: dict[str, Any]) -> dict[str, Any]:
    """``text_safe`` of a row, walking a JSON value only when it holds a NUL: orjson writes one as
    ``\\u0000``, so one C-speed encoding tells (a literal backslash-u0000 in a string only costs the walk)."""
    safe = {}
    for key, value in row.items():
        if isinstance(value, str) or (isinstance(value, dict | list) and b"\\u0000" in orjson.dumps(value)):
            value = text_safe(value)
        safe[key] = value
    return safe


# After a failure, operations fail at once for this long instead of each waiting out the timeout again (a
# database that swallows packets would otherwise cost every hook CDS_STORE_TIMEOUT_SECONDS, twice with
# authentication on). A ping (readiness, every few seconds) always tries, and closes this as soon as the
# database answers.
FAIL_FAST_SECONDS = 5.0


def _utc(value: datetime) -> datetime:
    """SQLite hands times back without a zone: they were written in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _insert(dialect: str, table: Any) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def _save_statement(dialect: str) -> Any:
    # The same order assessed again against the same coverage keeps its id (DTR §spec-47): the latest
    # determination replaces the earlier one.
    table = schema.determinations
    statement = _insert(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.assertion_id],
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name != "assertion_id"},
    )


def _first_use_statement(dialect: str) -> Any:
    # A row left by a token that has expired (not purged yet) no longer protects anything: take it over.
    table = schema.jtis
    statement = _insert(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.issuer, table.c.jti],
        set_={"expires_at": statement.excluded.expires_at},
        where=table.c.expires_at <= bindparam("now"),
    ).returning(table.c.jti)


def _determination_record(row: Any) -> DeterminationRecord:
    return DeterminationRecord(
        assertion_id=row["assertion_id"],
        order=row["order_ref"],
        patient_id=row["patient_id"],
        coverage=row["coverage"],
        decision=row["decision"],
        pathway=row["pathway"],
        approval_start=row["approval_start"],
        approval_end=row["approval_end"],
        criteria=row["criteria"],
        determination=row["determination"],
        prefill=row["prefill"],
        client=row["client"],
        satisfied_pa_id=row["satisfied_pa_id"],
        created_at=_utc(row["created_at"]),
        expires_at=_utc(row["expires_at"]),
        order_key=row["order_key"],
        basis=row["basis"],
        hook=row["hook"],
        packed=row["packed"],
    )


class SqlStore:
    def __init__(self, engine: AsyncEngine, *, timeout_seconds: float) -> None:
        self.engine = engine
        self.timeout = timeout_seconds
        self.dialect = engine.dialect.name
        self._migrated = False
        self._revision: str | None = None  # the schema's revision once migrated in this process
        self._failing_until = 0.0  # time.monotonic() before which operations fail fast
        self._migrating = asyncio.Lock()
        # Built once: building an upsert (its EXCLUDED alias) costs more CPU than executing it.
        self._save = _save_statement(self.dialect)
        self._first_use = _first_use_statement(self.dialect)
        # Every operation but a migration is single statements (an upsert, an insert per item, a delete per
        # table), each atomic by itself: run without BEGIN and COMMIT round trips (PostgreSQL autocommit;
        # SQLite without its BEGIN IMMEDIATE, engine.py). Migrations keep their one transaction.
        self._statements = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else engine.execution_options(**{SINGLE_STATEMENT: True})
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SqlStore:
        return cls(create_engine(settings), timeout_seconds=settings.store_timeout_seconds)

    @asynccontextmanager
    async def _operation(self, name: str, *, probe: bool = False) -> AsyncIterator[None]:
        if not probe and time.monotonic() < self._failing_until:
            STORE_ERRORS.labels(name).inc()
            raise StoreUnavailable(
                f"store {name} skipped: the database failed in the last {FAIL_FAST_SECONDS:g} s"
            )
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except _FAILURES as error:
            STORE_ERRORS.labels(name).inc()
            if _database_down(error):
                self._failing_until = time.monotonic() + FAIL_FAST_SECONDS
            raise StoreUnavailable(f"store {name} failed: {failure_cause(error)}") from error
        finally:
            STORE_LATENCY.labels(name).observe(time.perf_counter() - started)
        if probe:
            self._failing_until = 0.0

    async def _upgrade(self) -> SchemaMigration:
        async with self._migrating:
            if self._migrated and self._revision is not None:
                return SchemaMigration(self._revision, self._revision)
            done = await migrate.upgrade(self.engine)
            self._migrated, self._revision = True, done.after
            return done

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        if not self._migrated:
            await self._upgrade()
        async with self._statements.begin() as connection:
            yield connection

    async def migrate(self) -> SchemaMigration:
        async with self._operation("migrate", probe=True):
            done = await self._upgrade()
        return done

    async def save_determinations(self, records: Sequence[DeterminationRecord]) -> None:
        if not records:
            return
        rows = [
            {
                "assertion_id": r.assertion_id,
                "order_ref": r.order,
                "patient_id": r.patient_id,
                "coverage": r.coverage,
                "decision": r.decision,
                "pathway": r.pathway,
                "approval_start": r.approval_start,
                "approval_end": r.approval_end,
                "criteria": r.criteria,
                "determination": r.determination,
                "prefill": r.prefill,
                "client": r.client,
                "satisfied_pa_id": r.satisfied_pa_id,
                "created_at": r.created_at,
                "expires_at": r.expires_at,
                "order_key": r.order_key,
                "basis": r.basis,
                "hook": r.hook,
                "packed": r.packed,
            }
            for r in records
        ]
        async with self._operation("save_determinations"), self._transaction() as connection:
            await connection.execute(self._save, [_row_text_safe(row) for row in rows])

    async def determination(self, assertion_id: str, *, now: datetime) -> DeterminationRecord | None:
        table = schema.determinations
        query = select(table).where(table.c.assertion_id == text_safe(assertion_id), table.c.expires_at > now)
        async with self._operation("read_determination"), self._transaction() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else _determination_record(row)

    async def latest_for_order(self, order_key: str, *, now: datetime) -> DeterminationRecord | None:
        table = schema.determinations
        query = (
            select(table)
            .where(table.c.order_key == text_safe(order_key), table.c.expires_at > now)
            .order_by(table.c.created_at.desc(), table.c.assertion_id)
            .limit(1)
        )
        async with self._operation("read_order_determination"), self._transaction() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else _determination_record(row)

    async def record_feedback(self, records: Sequence[FeedbackRecord]) -> list[str]:
        if not records:
            return []
        table = schema.feedback
        statement = (
            _insert(self.dialect, table)
            .on_conflict_do_nothing(index_elements=[table.c.id])
            .returning(table.c.id)
        )
        recorded: list[str] = []
        async with self._operation("record_feedback"), self._transaction() as connection:
            for r in records:  # one statement each: RETURNING names exactly the rows inserted
                result = await connection.execute(
                    statement,
                    text_safe(
                        {
                            "id": r.id,
                            "service": r.service,
                            "record": r.record,
                            "received_at": r.received_at,
                            "expires_at": r.expires_at,
                        }
                    ),
                )
                recorded.extend(str(value) for value in result.scalars())
        return recorded

    async def first_use(self, issuer: str, jti: str, *, expires_at: datetime, now: datetime) -> bool:
        async with self._operation("first_use"), self._transaction() as connection:
            result = await connection.execute(
                self._first_use,
                {"issuer": text_safe(issuer), "jti": text_safe(jti), "expires_at": expires_at, "now": now},
            )
            return result.first() is not None

    async def purge(self, now: datetime) -> dict[str, int]:
        purged: dict[str, int] = {}
        async with self._operation("purge"), self._transaction() as connection:
            for table in (schema.determinations, schema.feedback, schema.jtis):
                result = await connection.execute(delete(table).where(table.c.expires_at <= now))
                purged[table.name] = int(result.rowcount or 0)
        return purged

    async def ping(self) -> None:
        async with self._operation("ping", probe=True), self._statements.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        """Closes the pool's connections, bounded by the store's timeout: a database that stops answering
        must not hold the service's shutdown (its connections go with the process)."""
        try:
            async with asyncio.timeout(self.timeout):
                await self.engine.dispose()
        except TimeoutError:
            STORE_ERRORS.labels("close").inc()
