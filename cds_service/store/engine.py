"""The database URL and engine from the settings: PostgreSQL (asyncpg) when ``CDS_DATABASE_URL`` names
one, else an SQLite file (aiosqlite) under ``CDS_DATA_DIR``. Every wait is bounded by
``CDS_STORE_TIMEOUT_SECONDS``: pool checkout, connect, and each statement (PostgreSQL ``statement_timeout``;
SQLite's busy timeout)."""

from __future__ import annotations

import sqlite3
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import URL, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cds_service.settings import Settings

SQLITE_FILE = "cds-service.sqlite3"
# Driver names accepted in CDS_DATABASE_URL, and the async driver used for each backend.
_ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


# libpq's TLS file parameters, as hosted PostgreSQL documents its URLs (``sslrootcert=ca.pem``). asyncpg
# takes none of them as an argument (only inside a DSN or from PGSSL* variables): they are turned into the
# SSLContext it is handed, with libpq's meaning of each sslmode.
TLS_FILE_PARAMETERS = ("sslrootcert", "sslcert", "sslkey")
_VERIFYING_MODES = ("require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class TlsFiles:
    """A URL's sslmode with its TLS files; ``context()`` reads the files (on each connection, so a missing
    or unreadable file is a failed connection, named by ``store.failure``, not a crash at start)."""

    mode: str
    rootcert: str | None = None
    cert: str | None = None
    key: str | None = None

    def context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = self.mode == "verify-full"
        if self.mode in _VERIFYING_MODES and self.rootcert:
            context.load_verify_locations(cafile=self.rootcert)
            context.verify_mode = ssl.CERT_REQUIRED
        elif self.mode in ("verify-ca", "verify-full"):
            context.load_default_certs()  # no CA named: the machine's trusted authorities
            context.verify_mode = ssl.CERT_REQUIRED
        else:  # require without a CA, or prefer/allow: encrypted, not verified (libpq's meaning)
            context.verify_mode = ssl.CERT_NONE
        if self.cert:
            context.load_cert_chain(self.cert, keyfile=self.key)
        return context


def _query_value(url: URL, name: str) -> str | None:
    value = url.query.get(name)
    if isinstance(value, tuple):
        value = value[-1] if value else None
    return value


def tls_files(settings: Settings) -> TlsFiles | None:
    """The TLS files CDS_DATABASE_URL names, with its sslmode; None when it names none."""
    raw = settings.database_url.get_secret_value() if settings.database_url is not None else ""
    if not raw:
        return None
    url = make_url(raw)
    if not any(name in url.query for name in TLS_FILE_PARAMETERS):
        return None
    return TlsFiles(
        _query_value(url, "sslmode") or "prefer",
        _query_value(url, "sslrootcert"),
        _query_value(url, "sslcert"),
        _query_value(url, "sslkey"),
    )


def database_url(settings: Settings) -> URL:
    """The URL to connect to, with the async driver of its backend (a plain ``postgresql://`` works)."""
    if settings.database_url is not None and settings.database_url.get_secret_value():
        url = make_url(settings.database_url.get_secret_value())
        backend = url.drivername.split("+", 1)[0]
        if backend not in _ASYNC_DRIVERS:
            raise ValueError(f"CDS_DATABASE_URL: {backend} is not supported (postgresql or sqlite)")
        url = url.set(drivername=_ASYNC_DRIVERS[backend])
        if any(name in url.query for name in TLS_FILE_PARAMETERS):
            # Given to the driver as an SSLContext (``tls_files``), not as arguments it does not take.
            return url.difference_update_query(["sslmode", *TLS_FILE_PARAMETERS])
        if "sslmode" in url.query:
            # libpq's spelling, as hosted PostgreSQL hands URLs out; asyncpg takes the same modes as `ssl`.
            mode = url.query["sslmode"]
            url = url.difference_update_query(["sslmode"]).update_query_dict({"ssl": mode})
        return url
    return URL.create("sqlite+aiosqlite", database=str(Path(settings.data_dir) / SQLITE_FILE))


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL: readers do not block the writer (several workers on one file). synchronous=FULL: a commit is on
    # disk before the hook answers, so a crash or power loss after the response loses no assertion.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":
        # WAL is kept in the file, so only a new file needs it set. Setting it takes an exclusive lock that
        # SQLite refuses at once, whatever the busy timeout, while another connection holds the file: several
        # workers or replicas opening a new file together. The one that loses finds it set by another, or
        # goes on in the default journal mode (the next connection sets it).
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
    # The driver would open transactions itself, and not before DDL or SELECT: transactions are begun
    # below instead, so a migration's read of its version and its CREATEs are one transaction.
    dbapi_connection.isolation_level = None


# Execution option of operations that are one statement: SQLite runs it atomically by itself, no BEGIN.
SINGLE_STATEMENT = "cds_single_statement"


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE: the write lock is taken at BEGIN, so two writers (workers, a migration) queue on the busy
    # timeout instead of one failing when its read lock cannot be upgraded (SQLAlchemy's pysqlite recipe).
    if not connection.get_execution_options().get(SINGLE_STATEMENT):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _with_tls(tls: TlsFiles) -> Any:
    def connect(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        params["ssl"] = tls.context()

    return connect


def create_engine(settings: Settings) -> AsyncEngine:
    url = database_url(settings)
    timeout = settings.store_timeout_seconds
    if url.get_backend_name() == "postgresql":
        tls = tls_files(settings)
        engine = create_async_engine(
            url,
            pool_size=5,
            max_overflow=10,
            pool_timeout=timeout,
            pool_pre_ping=True,
            pool_recycle=1800,
            json_serializer=_json,
            connect_args={
                "timeout": timeout,  # asyncpg: connection establishment
                "command_timeout": timeout,  # asyncpg: each statement, client side
                "server_settings": {
                    "statement_timeout": str(int(timeout * 1000)),
                    "application_name": "cds-service",
                },
            },
        )
        if tls is not None:
            event.listen(engine.sync_engine, "do_connect", _with_tls(tls))
        return engine
    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # No rollback when a connection returns to the pool: every use ends its own transaction (an aiosqlite
    # call is a hop to the driver's thread, and this one would be a no-op).
    engine = create_async_engine(
        url, json_serializer=_json, connect_args={"timeout": timeout}, pool_reset_on_return=None
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine
