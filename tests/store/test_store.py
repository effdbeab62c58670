"""The store against SQLite and a real PostgreSQL (``store`` fixture: both backends)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sqlite3
import tracemalloc
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy
from prometheus_client import REGISTRY

from cds_service.assertion_ids import assertion_scope, coverage_assertion_id, satisfied_pa_id
from cds_service.card_ids import issued_uuid
from cds_service.clinical.facts import Fact
from cds_service.dtr.prefill import prefill_answers
from cds_service.dtr.store import determination_records, record_determinations
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.hooks.feedback import FeedbackLog, parse_feedback
from cds_service.policy.render import determination_to_json
from cds_service.policy.stored import stored_document
from cds_service.settings import Settings
from cds_service.store.protocol import StoreUnavailable
from cds_service.store.schedule import purge_once
from cds_service.store.sql import SqlStore
from tests.response.determinations import (
    COVERAGE,
    FHIR_SERVER,
    PATIENT_ID,
    approve,
    assessed,
    draft_order,
    medicare,
    pend,
)
from tests.store.postgres import PostgresServer, closed_port

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
KEY = b"k"


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_determination_is_stored_with_its_metadata_and_read_back(store: SqlStore) -> None:
    determination = approve()
    recorded = await record_determinations(
        store, assessed(determination, key=KEY, client="iss"), patient_id=PATIENT_ID, client="iss", now=NOW
    )
    scope = assertion_scope(PATIENT_ID, FHIR_SERVER, "iss")
    expected_id = coverage_assertion_id("MedicationRequest/dex-1", COVERAGE, scope=scope, key=KEY)
    assert recorded == [expected_id]
    stored = await store.determination(expected_id, now=NOW)
    assert stored is not None
    assert (stored.order, stored.patient_id, stored.coverage) == (
        "MedicationRequest/dex-1",
        "pat-1",
        COVERAGE,
    )
    assert (stored.decision, stored.pathway, stored.client) == ("approve", "I.A", "iss")
    assert determination.approval is not None
    assert (stored.approval_start, stored.approval_end) == (
        determination.approval.start,
        determination.approval.end,
    )
    assert stored.criteria["I.A"] == "met"
    assert stored_document(stored) == determination_to_json(determination)
    assert stored.prefill == {"subject": "Patient/pat-1", "answers": prefill_answers(determination)}
    assert stored.satisfied_pa_id == satisfied_pa_id(
        "MedicationRequest/dex-1", COVERAGE, scope=scope, key=KEY
    )
    assert stored.created_at == NOW
    # kept for the retention after the approval period ends: the claim comes after the service date
    assert stored.expires_at == datetime.combine(
        determination.approval.end + timedelta(days=366), datetime.min.time(), UTC
    )


async def test_only_determinations_with_a_coverage_assertion_are_stored(store: SqlStore) -> None:
    no_coverage = replace(pend(draft_order("dex-2")), facts=replace(pend().facts, coverage=Fact(None)))
    recorded = await record_determinations(
        store,
        assessed(pend(), medicare(draft_order("dex-3")), no_coverage, key=KEY),
        patient_id=PATIENT_ID,
        now=NOW,
    )
    assert len(recorded) == 1
    stored = await store.determination(recorded[0], now=NOW)
    assert stored is not None and stored.decision == "pend" and stored.satisfied_pa_id is None


async def test_the_same_order_assessed_again_replaces_its_assertion(store: SqlStore) -> None:
    (first,) = await record_determinations(store, assessed(pend(), key=KEY), patient_id=PATIENT_ID, now=NOW)
    (again,) = await record_determinations(
        store, assessed(approve(), key=KEY), patient_id=PATIENT_ID, now=NOW
    )
    assert first == again
    stored = await store.determination(first, now=NOW)
    assert stored is not None and stored.decision == "approve"


async def test_an_expired_determination_is_not_found_and_is_purged(store: SqlStore) -> None:
    (assertion_id,) = await record_determinations(
        store, assessed(pend(), key=KEY), patient_id=PATIENT_ID, now=NOW, retention_days=1
    )
    assert await store.determination(assertion_id, now=NOW + timedelta(hours=23)) is not None
    assert await store.determination(assertion_id, now=NOW + timedelta(days=1)) is None
    assert await store.determination("unknown", now=NOW) is None
    before = sample("cds_store_purged_rows_total", {"table": "determinations"})
    assert await store.purge(NOW + timedelta(hours=23)) == {"determinations": 0, "feedback": 0, "jtis": 0}
    await store.purge(NOW)  # nothing expired yet
    purged = await purge_once(store)  # now: long after 2026-11-29
    assert purged["determinations"] == 1
    assert sample("cds_store_purged_rows_total", {"table": "determinations"}) == before + 1


async def test_a_jti_is_refused_the_second_time_even_by_another_replica(database_url: str) -> None:
    """Two stores on one database stand for two replicas: of many simultaneous first uses of one jti,
    exactly one wins (the primary key decides, atomically)."""
    replicas = [SqlStore.from_settings(Settings(database_url=database_url)) for _ in range(2)]
    try:
        await asyncio.gather(*(replica.migrate() for replica in replicas))
        expires = NOW + timedelta(minutes=5)
        attempts = [
            replicas[n % 2].first_use("https://ehr.example", "jti-1", expires_at=expires, now=NOW)
            for n in range(10)
        ]
        assert sorted(await asyncio.gather(*attempts)) == [False] * 9 + [True]
        assert await replicas[1].first_use("https://other.example", "jti-1", expires_at=expires, now=NOW)
    finally:
        for replica in replicas:
            await replica.close()


async def test_a_jti_whose_token_expired_can_be_used_again(store: SqlStore) -> None:
    expires = NOW + timedelta(minutes=5)
    assert await store.first_use("iss", "j", expires_at=expires, now=NOW)
    assert not await store.first_use("iss", "j", expires_at=expires, now=NOW + timedelta(minutes=4))
    later = expires + timedelta(seconds=1)
    assert await store.first_use("iss", "j", expires_at=later + timedelta(minutes=5), now=later)
    assert (await store.purge(later + timedelta(minutes=6)))["jtis"] == 1


# Feedback is recorded for cards the service issued (card_ids): ids minted with the logs' key.
CARD_KEY = b"card key of the test"
CARD = issued_uuid(CARD_KEY)
ACCEPTED = {
    "card": CARD,
    "outcome": "accepted",
    "acceptedSuggestions": [{"id": issued_uuid(CARD_KEY)}],
    "outcomeTimestamp": "2026-11-28T07:30:00.52Z",
}
OVERRIDDEN = {
    "card": CARD,
    "outcome": "overridden",
    "overrideReason": {"userComment": "Jane Doe's chart says so"},
    "outcomeTimestamp": "2026-11-28T07:31:00Z",
}


async def test_feedback_is_recorded_once_whichever_replica_receives_it(database_url: str) -> None:
    replicas = [SqlStore.from_settings(Settings(database_url=database_url)) for _ in range(2)]
    try:
        logs = [FeedbackLog(replica, retention_days=30, key=CARD_KEY) for replica in replicas]
        items = parse_feedback(orjson.dumps({"feedback": [ACCEPTED, OVERRIDDEN]}))
        written = (await logs[0].record(SERVICE_ID, items)).written
        assert [record["outcome"] for record in written] == ["accepted", "overridden"]
        assert "Jane" not in str(written)
        assert (await logs[1].record(SERVICE_ID, items)).written == []
        assert (await logs[0].record(SERVICE_ID, [*items, items[0]])).written == []
    finally:
        for replica in replicas:
            await replica.close()


async def test_migrating_again_or_from_two_replicas_at_once_is_harmless(database_url: str) -> None:
    # Room to wait: on SQLite the replicas queue on the write lock, each behind the others' migrations; what
    # is tested is that they are harmless, not how fast a loaded machine runs three of them.
    settings = Settings(database_url=database_url, store_timeout_seconds=30)
    replicas = [SqlStore.from_settings(settings) for _ in range(3)]
    try:
        await asyncio.gather(*(replica.migrate() for replica in replicas))
        await replicas[0].migrate()
        await replicas[0].ping()
    finally:
        for replica in replicas:
            await replica.close()


async def test_nothing_per_determination_stays_in_memory(store: SqlStore) -> None:
    """After many distinct heavy determinations the process holds no more memory than
    after a few (the store keeps rows in the database, nothing in the process)."""
    heavy = pend()

    async def record(first: int, count: int) -> None:
        for n in range(first, first + count):
            order = draft_order(f"dex-{n}")
            determination = replace(heavy, order=f"MedicationRequest/dex-{n}", order_resource=order)
            await record_determinations(
                store, assessed(determination, key=KEY), patient_id=PATIENT_ID, now=NOW
            )

    await record(0, 50)  # warm-up: pools, statement caches, lazily imported code
    gc.collect()
    tracemalloc.start()
    growths = []
    try:
        first = 50
        for _ in range(3):
            gc.collect()
            before, _peak = tracemalloc.get_traced_memory()
            await record(first, 200)
            gc.collect()
            after, _peak = tracemalloc.get_traced_memory()
            growths.append(after - before)
            first += 200
    finally:
        tracemalloc.stop()
    per_determination = len(str(determination_to_json(heavy)))
    # 200 determinations kept in memory would be 200 x (their JSON, several kB) in every batch. A batch may
    # also grow once by a dict resize (weakref registries that earlier tests in the process filled), so the
    # smallest of three batches is compared: it stays under the size of ten determinations.
    assert min(growths) < 10 * per_determination, growths


async def test_records_are_plain_data_about_the_assertion() -> None:
    (record,) = determination_records(
        assessed(pend(), key=KEY), patient_id=PATIENT_ID, client="", now=NOW, retention_days=30
    )
    assert record.approval_start is None and record.expires_at == NOW + timedelta(days=30)
    assert record.criteria and all(v in ("met", "not_met", "unknown") for v in record.criteria.values())


async def test_a_database_that_is_down_fails_fast_and_is_counted() -> None:
    store = SqlStore.from_settings(
        Settings(database_url=f"postgresql://cds@127.0.0.1:{closed_port()}/cds", store_timeout_seconds=1)
    )
    before = sample("cds_store_errors_total", {"operation": "save_determinations"})
    try:
        with pytest.raises(StoreUnavailable) as failure:
            await record_determinations(store, assessed(pend(), key=KEY), patient_id=PATIENT_ID, now=NOW)
        assert "127.0.0.1" not in str(failure.value)  # says what failed, never where the database is
        with pytest.raises(StoreUnavailable):
            await store.ping()
    finally:
        await store.close()
    assert sample("cds_store_errors_total", {"operation": "save_determinations"}) == before + 1


async def test_a_database_that_never_answers_is_bounded_by_the_store_timeout() -> None:
    """A server that accepts the connection and then says nothing (a hung database): the operation gives
    up after CDS_STORE_TIMEOUT_SECONDS instead of holding the hook."""
    accepted: list[asyncio.StreamWriter] = []

    async def hang(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = SqlStore.from_settings(
        Settings(database_url=f"postgresql://cds@127.0.0.1:{port}/cds", store_timeout_seconds=0.3)
    )
    try:
        async with asyncio.timeout(10):  # the test's own guard: the store must give up long before
            with pytest.raises(StoreUnavailable):
                await store.determination("x", now=NOW)
    finally:
        await store.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert accepted  # it did reach the server


async def test_after_a_failure_operations_fail_fast() -> None:
    """A hung database costs one operation its timeout; the next ones fail at once (the hung server sees
    no second connection)."""
    accepted: list[asyncio.StreamWriter] = []

    async def hang(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    hung = SqlStore.from_settings(
        Settings(database_url=f"postgresql://cds@127.0.0.1:{port}/cds", store_timeout_seconds=0.3)
    )
    try:
        with pytest.raises(StoreUnavailable, match="failed"):
            await hung.first_use("iss", "a", expires_at=NOW, now=NOW)
        with pytest.raises(StoreUnavailable, match="skipped"):
            await hung.first_use("iss", "b", expires_at=NOW, now=NOW)
        with pytest.raises(StoreUnavailable, match="skipped"):
            await record_determinations(hung, assessed(pend(), key=KEY), patient_id=PATIENT_ID, now=NOW)
        assert len(accepted) == 1
    finally:
        await hung.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_ping_that_gets_through_ends_failing_fast(tmp_path: Path) -> None:
    """The SQLite file's folder disappears (a volume unmounted): operations fail, then fail fast; once it is
    back, a ping (readiness, which always tries) lets them through again."""
    folder = tmp_path / "data"
    store = SqlStore.from_settings(Settings(data_dir=str(folder)))
    try:
        folder.rmdir()
        with pytest.raises(StoreUnavailable, match="failed"):
            await store.determination("x", now=NOW)
        folder.mkdir()
        with pytest.raises(StoreUnavailable, match="skipped"):
            await store.determination("x", now=NOW)
        await store.ping()
        assert await store.determination("x", now=NOW) is None
    finally:
        await store.close()


def test_an_unsupported_database_url_is_refused() -> None:
    with pytest.raises(ValueError, match="mysql"):
        SqlStore.from_settings(Settings(database_url="mysql://db/cds"))


def test_without_a_database_url_the_store_is_a_file_under_the_data_dir() -> None:
    from cds_service.store.engine import database_url

    url = database_url(Settings(data_dir="somewhere/var"))
    assert (url.drivername, url.database) == ("sqlite+aiosqlite", "somewhere/var/cds-service.sqlite3")
    assert database_url(Settings(database_url="postgresql://u:p@db/cds")).drivername == "postgresql+asyncpg"
    hosted = database_url(Settings(database_url="postgres://u:p@db/cds?sslmode=require"))
    assert (hosted.drivername, dict(hosted.query)) == ("postgresql+asyncpg", {"ssl": "require"})


async def test_a_libpq_sslmode_in_the_url_reaches_asyncpg(postgres: PostgresServer) -> None:
    store = SqlStore.from_settings(Settings(database_url=postgres.url + "?sslmode=disable"))
    try:
        await store.ping()
    finally:
        await store.close()


async def test_a_nul_character_from_a_caller_is_stored_and_stops_no_other_write(store: SqlStore) -> None:
    """PostgreSQL refuses NUL in text and JSONB; a caller's string can carry one (a feedback reason code, a
    display echoed in a reason). It is stored as U+FFFD, and a statement refused for its data (a too long
    id on PostgreSQL) fails alone: the next write is stored, not skipped as if the database were down."""
    log = FeedbackLog(store, retention_days=30, key=CARD_KEY)
    reason = {"reason": {"code": "code\u0000x", "system": "http://example.org"}}
    items = parse_feedback(orjson.dumps({"feedback": [{**OVERRIDDEN, "overrideReason": reason}]}))
    (written,) = (await log.record(SERVICE_ID, items)).written
    assert written["overrideReason"]["code"] == "code\u0000x"
    assert await store.determination("id\u0000", now=NOW) is None

    refused = replace(
        determination_records(
            assessed(approve(), key=KEY), patient_id=PATIENT_ID, client="", now=NOW, retention_days=30
        )[0],
        assertion_id="x" * 100,  # the column holds 64 characters: PostgreSQL refuses it, SQLite keeps it
    )
    with contextlib.suppress(StoreUnavailable):
        await store.save_determinations([refused])
    recorded = await record_determinations(
        store, assessed(approve(draft_order("dex-after")), key=KEY), patient_id=PATIENT_ID, now=NOW
    )
    assert recorded and await store.determination(recorded[0], now=NOW) is not None


def test_libpq_tls_files_in_the_url_become_the_drivers_ssl_context(tmp_path: Path) -> None:
    """asyncpg takes no sslrootcert argument: the files leave the URL and make the SSLContext it is handed
    (libpq's meaning: verify-full checks the chain and the host name)."""
    from cds_service.store.engine import database_url, tls_files

    settings = Settings(
        database_url=f"postgresql://u:p@db/cds?sslmode=verify-full&sslrootcert={tmp_path}/ca.pem"
    )
    assert dict(database_url(settings).query) == {}
    files = tls_files(settings)
    assert files is not None and (files.mode, files.rootcert) == ("verify-full", f"{tmp_path}/ca.pem")
    with pytest.raises(FileNotFoundError):
        files.context()  # read on each connection: a missing file is a failed connection, named
    assert tls_files(Settings(database_url="postgresql://u:p@db/cds?sslmode=require")) is None


async def test_an_order_s_latest_determination_is_found_by_its_key(store: SqlStore) -> None:
    """Whatever its coverage: order-dispatch finds what was asserted at signing by the order alone."""
    earlier, later = NOW - timedelta(days=2), NOW
    (first,) = assessed(pend(), key=KEY)
    await record_determinations(store, [first], patient_id=PATIENT_ID, now=earlier)
    (other_coverage,) = assessed(approve(coverage=Fact("Coverage/cov-2")), key=KEY)
    await record_determinations(
        store, [other_coverage], patient_id=PATIENT_ID, now=later, hook="order-dispatch"
    )
    assert first.assertion is not None and other_coverage.assertion is not None
    assert first.assertion.order_key == other_coverage.assertion.order_key
    found = await store.latest_for_order(first.assertion.order_key, now=NOW)
    assert found is not None
    assert (found.assertion_id, found.coverage, found.hook) == (
        other_coverage.assertion.assertion_id,
        "Coverage/cov-2",
        "order-dispatch",
    )
    assert found.basis is not None and found.basis["digest"] and found.basis["parts"]["decision"]
    assert await store.latest_for_order("no-such-order", now=NOW) is None
    assert await store.latest_for_order(first.assertion.order_key, now=NOW + timedelta(days=4000)) is None


async def test_rows_written_before_migration_0002_stay_readable(database_url: str) -> None:
    """A store at revision 0001 holding a determination, upgraded: the row is read by its assertion id as
    before, with no order key, basis or hook."""
    from alembic import command
    from sqlalchemy import insert

    from cds_service.store.migrate import alembic_config

    sql_store = SqlStore.from_settings(Settings(database_url=database_url))
    try:
        async with sql_store.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0001"))
        (record,) = determination_records(
            assessed(approve(), key=KEY), patient_id=PATIENT_ID, client="", now=NOW, retention_days=30
        )
        columns_of_0001 = {
            "assertion_id": record.assertion_id, "order_ref": record.order, "patient_id": record.patient_id,
            "coverage": record.coverage, "decision": record.decision, "pathway": record.pathway,
            "approval_start": record.approval_start, "approval_end": record.approval_end,
            "criteria": record.criteria, "determination": stored_document(record), "prefill": record.prefill,
            "client": record.client, "satisfied_pa_id": record.satisfied_pa_id,
            "created_at": record.created_at, "expires_at": record.expires_at,
        }  # fmt: skip
        async with sql_store.engine.begin() as connection:
            old_table = await connection.run_sync(
                lambda sync: sqlalchemy.Table("determinations", sqlalchemy.MetaData(), autoload_with=sync)
            )
            assert "order_key" not in old_table.c
            await connection.execute(insert(old_table).values(**columns_of_0001))
        done = await sql_store.migrate()
        # from which revision to which, each step named (what cds-service migrate prints)
        assert (done.before, done.after, [revision for revision, _ in done.applied]) == (
            "0001",
            "0003",
            ["0002", "0003"],
        )
        stored = await sql_store.determination(record.assertion_id, now=NOW)
        assert stored is not None
        assert (stored.decision, stored.order_key, stored.basis, stored.hook) == ("approve", None, None, None)
        assert stored_document(stored) == stored_document(record)
    finally:
        await sql_store.close()


async def test_rows_written_before_migration_0003_stay_readable(database_url: str) -> None:
    """A store at revision 0002 holding a determination whole, upgraded: the row is read as it was written
    (its JSON whole, nothing packed), and a row written after is packed, its JSON left null."""
    from alembic import command
    from sqlalchemy import insert, select

    from cds_service.store import schema
    from cds_service.store.migrate import alembic_config

    sql_store = SqlStore.from_settings(Settings(database_url=database_url))
    try:
        async with sql_store.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0002"))
        (record,) = determination_records(
            assessed(approve(), key=KEY), patient_id=PATIENT_ID, client="", now=NOW, retention_days=30
        )
        whole = stored_document(record)
        columns_of_0002 = {
            "assertion_id": record.assertion_id, "order_ref": record.order, "patient_id": record.patient_id,
            "coverage": record.coverage, "decision": record.decision, "pathway": record.pathway,
            "approval_start": record.approval_start, "approval_end": record.approval_end,
            "criteria": record.criteria, "determination": whole, "prefill": record.prefill,
            "client": record.client, "satisfied_pa_id": record.satisfied_pa_id,
            "created_at": record.created_at, "expires_at": record.expires_at, "order_key": record.order_key,
            "basis": record.basis, "hook": record.hook,
        }  # fmt: skip
        async with sql_store.engine.begin() as connection:
            old_table = await connection.run_sync(
                lambda sync: sqlalchemy.Table("determinations", sqlalchemy.MetaData(), autoload_with=sync)
            )
            assert "packed" not in old_table.c
            await connection.execute(insert(old_table).values(**columns_of_0002))
        await sql_store.migrate()
        stored = await sql_store.determination(record.assertion_id, now=NOW)
        assert stored is not None and stored.packed is None and stored.determination == whole
        assert stored_document(stored) == whole
        assert (stored.order_key, stored.basis) == (record.order_key, record.basis)
        (latest,) = await record_determinations(
            sql_store, assessed(pend(draft_order("dex-new")), key=KEY), patient_id=PATIENT_ID, now=NOW
        )
        async with sql_store.engine.connect() as connection:
            table = schema.determinations
            row = (
                await connection.execute(
                    select(table.c.determination.is_(None).label("determination"), table.c.packed).where(
                        table.c.assertion_id == latest
                    )
                )
            ).one()
        assert row.determination is True and row.packed  # SQL NULL, not a JSON null: no JSON kept
    finally:
        await sql_store.close()


async def test_a_heavy_patient_s_determination_is_stored_in_under_20_kb(store: SqlStore) -> None:
    """500 prior administrations: every column of its row together, as the database holds them (the
    determination's JSON was about 240 KB stored whole), and nothing of it lost: read back, it is the JSON
    decided."""
    from sqlalchemy import func, select

    from cds_service.evaluation import evaluate_hook
    from cds_service.hooks.request import HookRequest
    from cds_service.store import schema
    from tests.store.hook_requests import heavy_body

    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(503)))
    async with http:
        evaluation = await evaluate_hook(
            HookRequest.model_validate(heavy_body(500)).source(),
            settings=Settings(),
            http=http,
            today=NOW.date(),
        )
    (decided,) = evaluation.determinations
    assert len(decided.facts.dose_lines) >= 500 if decided.facts else False
    (assertion_id,) = await record_determinations(store, evaluation.assessed, patient_id=PATIENT_ID, now=NOW)
    table = schema.determinations
    lengths = [
        func.coalesce(
            func.length(column if column.name == "packed" else sqlalchemy.cast(column, sqlalchemy.Text)), 0
        )
        for column in table.columns
    ]
    async with store.engine.connect() as connection:
        stored_bytes = (
            await connection.execute(
                select(sum(lengths[1:], lengths[0])).where(table.c.assertion_id == assertion_id)
            )
        ).scalar_one()
    assert stored_bytes <= 20 * 1024, stored_bytes
    stored = await store.determination(assertion_id, now=NOW)
    assert stored is not None
    assert stored_document(stored) == determination_to_json(decided)


async def test_a_downgrade_below_0003_keeps_the_rows_stored_whole(database_url: str) -> None:
    """Back to 0002's schema (a failed deployment): rows stored packed cannot be written whole again and are
    dropped; rows stored whole stay; upgrading again works."""
    from alembic import command
    from sqlalchemy import func, select

    from cds_service.store import schema
    from cds_service.store.migrate import alembic_config

    sql_store = SqlStore.from_settings(Settings(database_url=database_url))
    try:
        await sql_store.migrate()
        (packed,) = await record_determinations(
            sql_store, assessed(approve(), key=KEY), patient_id=PATIENT_ID, now=NOW
        )
        (whole_record,) = determination_records(
            assessed(pend(draft_order("dex-old")), key=KEY), patient_id=PATIENT_ID, client="", now=NOW,
            retention_days=30,
        )  # fmt: skip
        await sql_store.save_determinations(
            [replace(whole_record, determination=stored_document(whole_record), packed=None)]
        )
        async with sql_store.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0002"))
            table = schema.determinations
            ids = (await connection.execute(select(table.c.assertion_id))).scalars().all()
            assert ids == [whole_record.assertion_id] and packed not in ids
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
            assert (await connection.execute(select(func.count()).select_from(table))).scalar_one() == 1
    finally:
        await sql_store.close()


async def test_a_new_sqlite_file_another_connection_holds_is_still_opened(tmp_path: Path) -> None:
    """Setting WAL on a new file takes an exclusive lock, refused while another connection holds the file
    (several workers or replicas opening a new file together): the store opens it all the same, and the
    next connection, once the file is free, sets WAL."""
    path = tmp_path / "new.sqlite3"
    url = f"sqlite:///{path}"
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the new file
        store = SqlStore.from_settings(Settings(database_url=url, store_timeout_seconds=0.3))
        try:
            await store.ping()
        finally:
            await store.close()
        other.execute("ROLLBACK")
    store = SqlStore.from_settings(Settings(database_url=url))
    try:
        await store.ping()
    finally:
        await store.close()
    with closing(sqlite3.connect(path)) as database:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
