"""Fixtures of the store's tests: every store test runs against SQLite and against a real PostgreSQL (one
throwaway server per session, a fresh database per test)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from cds_service.settings import Settings
from cds_service.store.sql import SqlStore
from tests.store.postgres import PostgresServer, start_postgres

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


async def fresh_database(server: PostgresServer) -> str:
    """A new, empty database on the server; its URL."""
    name = f"test_{next(_databases)}"
    connection = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres")
    try:
        await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()
    return server.url_for(name)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await fresh_database(server)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    sql_store = SqlStore.from_settings(Settings(database_url=database_url))
    try:
        yield sql_store
    finally:
        await sql_store.close()
