"""A determination stored packed: what the claims API, DTR pre-fill and order-dispatch read of it, a tenth
of its size or less (a 500-dose patient: about 10 KB a row instead of about 240 KB).

One nullable column on ``determinations``, ``packed`` (``policy.stored.pack``: the determination's JSON with
each evidence list once, the dose lines as columns, the policy's words left to the policy, compressed), and
``determination`` (the JSON whole) made nullable: rows written from now on fill ``packed`` and leave
``determination`` null. Rows written before keep their JSON whole and stay readable as they are
(``policy.stored.stored_document`` reads either); nothing is rewritten, and retention is unchanged.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    # batch: SQLite cannot change a column's nullability in place (the table is copied; PostgreSQL alters it)
    with op.batch_alter_table("determinations") as batch:
        batch.add_column(sa.Column("packed", sa.LargeBinary()))
        batch.alter_column("determination", existing_type=JSON_TYPE, nullable=True)


def downgrade() -> None:
    # Rows written packed have no JSON whole: they cannot go back to 0002's schema, so they are dropped
    # (a downgrade is for a failed deployment, before any such row matters).
    op.execute(sa.text("DELETE FROM determinations WHERE packed IS NOT NULL"))
    with op.batch_alter_table("determinations") as batch:
        batch.alter_column("determination", existing_type=JSON_TYPE, nullable=False)
        batch.drop_column("packed")
