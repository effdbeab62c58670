"""What the store keeps, as plain data: built by its callers (dtr/store.py, hooks/feedback.py,
auth/replay.py), read back by DTR and the claims API. Nothing here refers to a live Determination object,
so the store keeps no memory per determination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class DeterminationRecord:
    """One coverage assertion: what the EHR was told, for DTR pre-filling and for the claim system."""

    assertion_id: str  # CRD coverage-assertion-id (primary key; re-assessing the order replaces the row)
    order: str  # "MedicationRequest/<id>"
    patient_id: str  # the hook's context.patientId
    coverage: str  # "Coverage/<id>"
    decision: str  # approve | deny | pend
    pathway: str | None
    approval_start: date | None
    approval_end: date | None  # inclusive
    criteria: dict[str, str]  # criterion id -> met | not_met | unknown
    # The determination's JSON (docs/determination.md) as stored by rows written before migration 0003;
    # None on later rows, which keep it packed (``packed``, ``policy.stored``: read with
    # ``policy.stored.stored_document``).
    determination: dict[str, Any] | None
    prefill: dict[str, Any]  # {"subject": "Patient/..." | None, "answers": {linkId: [answer, ...]}}
    client: str  # the verified JWT issuer of the EHR that asked ("" with authentication off)
    satisfied_pa_id: str | None
    created_at: datetime
    expires_at: datetime
    # Added by migration 0002 (rows written before it have none): how the store finds the order's latest
    # determination (``assertion_ids.order_key``), what the determination rests on (``policy.basis``, its
    # ``as_json``) and the hook that made it.
    order_key: str | None = None
    basis: dict[str, Any] | None = None
    hook: str | None = None
    # Migration 0003: the determination's JSON packed (``policy.stored.pack``), a tenth of its size or less.
    packed: bytes | None = None


@dataclass(frozen=True)
class FeedbackRecord:
    id: str  # stable id of the item (hooks/feedback.py): the same feedback twice is one row
    service: str
    record: dict[str, Any]  # what hooks/feedback.py keeps of the item: no free text, no PHI
    received_at: datetime
    expires_at: datetime
