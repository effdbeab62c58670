"""The store's first schema: determinations, feedback and JWT ids.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "determinations",
        sa.Column("assertion_id", sa.String(64), nullable=False),
        sa.Column("order_ref", sa.Text, nullable=False),
        sa.Column("patient_id", sa.Text, nullable=False),
        sa.Column("coverage", sa.Text, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("pathway", sa.String(8)),
        sa.Column("approval_start", sa.Date),
        sa.Column("approval_end", sa.Date),
        sa.Column("criteria", JSON_TYPE, nullable=False),
        sa.Column("determination", JSON_TYPE, nullable=False),
        sa.Column("prefill", JSON_TYPE, nullable=False),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("satisfied_pa_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assertion_id", name="pk_determinations"),
    )
    op.create_index("ix_determinations_expires_at", "determinations", ["expires_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("record", JSON_TYPE, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_expires_at", "feedback", ["expires_at"])
    op.create_table(
        "jtis",
        sa.Column("issuer", sa.Text, nullable=False),
        sa.Column("jti", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "jti", name="pk_jtis"),
    )
    op.create_index("ix_jtis_expires_at", "jtis", ["expires_at"])


def downgrade() -> None:
    op.drop_table("jtis")
    op.drop_table("feedback")
    op.drop_table("determinations")
