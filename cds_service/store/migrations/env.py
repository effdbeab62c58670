"""Alembic environment: run only programmatically (``cds_service.store.migrate``), on the connection handed
over in ``config.attributes["connection"]`` (the service's own async engine, run_sync)."""

from __future__ import annotations

from alembic import context

from cds_service.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run through `cds-service migrate` or at start-up, not the alembic CLI")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
