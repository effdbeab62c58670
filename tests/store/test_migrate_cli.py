"""`cds-service migrate` and the store's schedule in a running service."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cds_service.cli import main, migration_report
from cds_service.dtr.store import record_determinations
from cds_service.settings import get_settings
from cds_service.store.protocol import SchemaMigration
from cds_service.store.schedule import purge_on_schedule
from cds_service.store.sql import SqlStore
from tests.response.determinations import PATIENT_ID, assessed, pend
from tests.store.conftest import fresh_database
from tests.store.postgres import PostgresServer, closed_port


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
    first = capsys.readouterr().out
    assert main(["migrate"]) == 0  # already current: nothing to do
    second = capsys.readouterr().out
    with closing(sqlite3.connect(tmp_path / "data" / "cds-service.sqlite3")) as database:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (version,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {"determinations", "feedback", "jtis", "alembic_version"} <= tables
    assert version == "0003"
    store = f"the SQLite store {tmp_path / 'data' / 'cds-service.sqlite3'}"
    assert first.startswith(
        f"cds-service: {store} migrated from an empty database (no schema) to revision 0003 "
        "(applied: 0001 The store's first schema: determinations, feedback and JWT ids; 0002 What a "
    )
    assert second == f"cds-service: {store} is already at revision 0003, the latest: nothing applied\n"


def test_a_migration_from_one_revision_to_another_names_both_and_each_step() -> None:
    done = SchemaMigration("0001", "0003", (("0002", "feedback flags"), ("0003", "claims index")))
    assert migration_report(done, "the store") == (
        "the store migrated from revision 0001 to revision 0003 (applied: 0002 feedback flags; "
        "0003 claims index)"
    )


async def test_migrate_on_postgresql_names_the_database_without_its_password(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await fresh_database(postgres)
    monkeypatch.setenv("CDS_DATABASE_URL", url.replace("postgres@", "postgres:pw-secret-77@"))
    assert await asyncio.to_thread(main, ["migrate"]) == 0
    out = capsys.readouterr().out
    database = url.rsplit("/", 1)[1]
    assert f"the PostgreSQL database {database} on 127.0.0.1:{postgres.port} migrated from an empty" in out
    assert "pw-secret-77" not in out


def self_signed_ca(path: Path) -> Path:
    """A certificate authority's certificate (PEM), as a hosted database's CA bundle is."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test database CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.mark.parametrize(
    ("tls", "cause"),
    [
        ("sslmode=require", "does not offer TLS"),
        ("sslmode=verify-full&sslrootcert={ca}", "does not offer TLS"),
        ("sslmode=verify-full&sslrootcert={missing}", "TLS file CDS_DATABASE_URL names"),
        ("sslmode=verify-ca&sslrootcert={garbage}", "TLS file CDS_DATABASE_URL names"),
    ],
)
async def test_tls_settings_that_fail_name_the_cause(
    postgres: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    tls: str,
    cause: str,
) -> None:
    """The throwaway server runs without TLS. libpq's TLS parameters (sslmode, and the files hosted
    PostgreSQL hands out as sslrootcert) are honoured, and when they cannot be met the one line says why."""
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    files = {"ca": self_signed_ca(tmp_path / "ca.pem"), "missing": tmp_path / "none.pem", "garbage": garbage}
    url = await fresh_database(postgres)
    with_password = url.replace("postgres@", "postgres:pw-secret-77@")
    monkeypatch.setenv("CDS_DATABASE_URL", f"{with_password}?{tls.format(**files)}")
    monkeypatch.setenv("CDS_STORE_TIMEOUT_SECONDS", "5")
    assert await asyncio.to_thread(main, ["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cds-service: store migrate failed: ")
    assert cause in err
    assert "pw-secret-77" not in err and "127.0.0.1" not in err and str(tmp_path) not in err


def test_migrate_with_the_database_down_exits_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CDS_DATABASE_URL", f"postgresql://cds:pw@127.0.0.1:{closed_port()}/cds")
    monkeypatch.setenv("CDS_STORE_TIMEOUT_SECONDS", "1")
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cds-service: store migrate failed") and err.count("\n") == 1
    assert "connection refused" in err
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
        # Wait for the cancelled purge to let go of its connection before the store is closed: closing a
        # pool while a query is being cancelled on one of its connections is a race this test must not run.
        await asyncio.gather(schedule, return_exceptions=True)
