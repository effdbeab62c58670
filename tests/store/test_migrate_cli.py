"""`cds-service migrate` and the store's schedule in a running service."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cds_service.cli import main
from cds_service.dtr.store import record_determinations
from cds_service.settings import get_settings
from cds_service.store.schedule import purge_on_schedule
from cds_service.store.sql import SqlStore
from tests.response.determinations import PATIENT_ID, assessed, pend
from tests.store.postgres import closed_port


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_migrate_creates_the_embedded_store_under_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CDS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CDS_DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0  # already current: nothing to do
    with closing(sqlite3.connect(tmp_path / "data" / "cds-service.sqlite3")) as database:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (version,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {"determinations", "feedback", "jtis", "alembic_version"} <= tables
    assert version == "0003"
    assert "schema is current" in capsys.readouterr().out


def test_migrate_with_the_database_down_exits_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CDS_DATABASE_URL", f"postgresql://cds:pw@127.0.0.1:{closed_port()}/cds")
    monkeypatch.setenv("CDS_STORE_TIMEOUT_SECONDS", "1")
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cds-service: store migrate failed") and err.count("\n") == 1
    assert "pw" not in err


async def test_expired_rows_are_purged_on_schedule(store: SqlStore) -> None:
    (assertion_id,) = await record_determinations(
        store,
        assessed(pend(), key=b"k"),
        patient_id=PATIENT_ID,
        now=datetime.now(UTC) - timedelta(days=2),
        retention_days=1,
    )
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)  # reads the row whether or not it has expired
    assert await store.determination(assertion_id, now=long_ago) is not None
    schedule = asyncio.create_task(purge_on_schedule(store, 0.05))
    try:
        async with asyncio.timeout(30):  # the test's guard; the schedule runs every 50 ms
            while await store.determination(assertion_id, now=long_ago) is not None:  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # polling the database: no event to wait on
    finally:
        schedule.cancel()
