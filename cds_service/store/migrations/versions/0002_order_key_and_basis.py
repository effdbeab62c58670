"""What a determination rests on, and how to find an order's latest one (order-dispatch, docs/hooks.md).

Three nullable columns on ``determinations``: ``order_key`` (indexed: the order within its client, FHIR
server and patient, ``assertion_ids.order_key``), ``basis`` (``policy.basis``: the digest of what decides
the determination, by part) and ``hook`` (the hook that made it). Rows written before this migration keep
null in all three and stay readable: DTR and the claims API read them by assertion id as before, and
order-dispatch compares them through their stored determination JSON.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("determinations", sa.Column("order_key", sa.String(64)))
    op.add_column("determinations", sa.Column("basis", JSON_TYPE))
    op.add_column("determinations", sa.Column("hook", sa.String(32)))
    op.create_index("ix_determinations_order_key", "determinations", ["order_key"])


def downgrade() -> None:
    op.drop_index("ix_determinations_order_key", table_name="determinations")
    with op.batch_alter_table("determinations") as batch:
        batch.drop_column("hook")
        batch.drop_column("basis")
        batch.drop_column("order_key")
