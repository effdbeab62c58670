"""Alembic migrations (``migrations/``, shipped in the package), run programmatically on the service's own
engine: at start-up and by ``cds-service migrate``. Replicas starting together on PostgreSQL take an
advisory lock, so one migrates and the others then find the schema current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key: any constant shared by every replica of this service ("418" for the policy).
_MIGRATION_LOCK = 418_000_011


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def upgrade(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        await connection.run_sync(_upgrade)
