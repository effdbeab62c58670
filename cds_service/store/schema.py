"""The tables, as SQLAlchemy Core metadata (the migrations in ``migrations/versions`` create them).

Times are UTC; JSON columns are JSONB on PostgreSQL. ``expires_at`` is indexed on every table: retention
deletes by it.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Index, LargeBinary, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JSON_TYPE = JSON().with_variant(JSONB(), "postgresql")

determinations = Table(
    "determinations",
    metadata,
    Column("assertion_id", String(64), primary_key=True),
    Column("order_ref", Text, nullable=False),
    Column("patient_id", Text, nullable=False),
    Column("coverage", Text, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("pathway", String(8)),
    Column("approval_start", Date),
    Column("approval_end", Date),
    Column("criteria", JSON_TYPE, nullable=False),
    # The determination's JSON whole: rows written before migration 0003; SQL NULL on later rows (``packed``),
    # not a JSON null: the column says there is no JSON, not that the JSON is null.
    Column("determination", JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")),
    Column("prefill", JSON_TYPE, nullable=False),
    Column("client", Text, nullable=False),
    Column("satisfied_pa_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # Migration 0002: null on rows written before it.
    Column("order_key", String(64)),
    Column("basis", JSON_TYPE),
    Column("hook", String(32)),
    # Migration 0003: the determination's JSON packed (``policy.stored``); null on rows written before it.
    Column("packed", LargeBinary),
    Index("ix_determinations_expires_at", "expires_at"),
    Index("ix_determinations_order_key", "order_key"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("service", Text, nullable=False),
    Column("record", JSON_TYPE, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_feedback_expires_at", "expires_at"),
)

# One row per (issuer, jti) while the token could still be presented: the primary key makes a second
# insert of the same pair fail on every replica at once (CDS Hooks 2.0 jti "used to protect against replay").
jtis = Table(
    "jtis",
    metadata,
    Column("issuer", Text, primary_key=True),
    Column("jti", Text, primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_jtis_expires_at", "expires_at"),
)
