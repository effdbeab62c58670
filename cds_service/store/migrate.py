"""Alembic migrations (``migrations/``, shipped in the package), run programmatically on the service's own
engine: at start-up and by ``cds-service migrate``. Replicas starting together on PostgreSQL take an
advisory lock, so one migrates and the others then find the schema current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from cds_service.store.protocol import SchemaMigration

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key: any constant shared by every replica of this service ("418" for the policy).
_MIGRATION_LOCK = 418_000_011


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _described(doc: str | None) -> str:
    """A migration's description: the first line of its docstring."""
    return (doc or "").strip().splitlines()[0].rstrip(".") if (doc or "").strip() else ""


def _upgrade(connection: Connection) -> SchemaMigration:
    """Upgrade to the head, saying from which revision to which and what was applied (read under the same
    lock and transaction as the upgrade, so another replica's migration cannot slip in between)."""
    config = alembic_config(connection)
    before = _revision(connection)
    command.upgrade(config, "head")
    after = _revision(connection)
    if after is None:  # not reachable once upgraded: a schema without a version is a broken install
        raise RuntimeError("the store's schema has no revision after migrating")
    applied: tuple[tuple[str, str], ...] = ()
    if after != before:
        script = ScriptDirectory.from_config(config)
        newest_first = script.iterate_revisions(after, before)
        applied = tuple((rev.revision, _described(rev.doc)) for rev in reversed(list(newest_first)))
    return SchemaMigration(before, after, applied)


async def upgrade(engine: AsyncEngine) -> SchemaMigration:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        return await connection.run_sync(_upgrade)
