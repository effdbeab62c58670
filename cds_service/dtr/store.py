"""Determinations recorded by coverage-assertion-id (docs/determination.md, docs/response.md "Documentation
template (DTR)"), in the service's store.

The order-sign handler records every determination that carries a coverage assertion before it answers,
so an assertion the EHR receives is already durable and every replica can pre-fill its DTR
`$questionnaire-package` and answer the claim system. What is kept is plain data (the determination's JSON
packed, ``policy.stored``; the pre-fill answers; metadata): no Determination object stays in memory.

Retention: a determination is kept ``CDS_RETENTION_DAYS`` after its approval period ends (after it was made,
without one), the window in which the claim it supports can arrive.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from cds_service.assertion_ids import Assessed
from cds_service.dtr.prefill import prefill_answers
from cds_service.policy.basis import Standing, basis_of
from cds_service.policy.determination import Decision, Determination
from cds_service.policy.render import determination_to_json
from cds_service.policy.stored import pack
from cds_service.store.protocol import Store
from cds_service.store.records import DeterminationRecord


def _subject(determination: Determination) -> str | None:
    subject = determination.order_resource.get("subject")
    if isinstance(subject, dict) and isinstance(subject.get("reference"), str):
        return str(subject["reference"])
    return None


def expiry(determination: Determination, *, now: datetime, retention_days: int) -> datetime:
    start = now
    if determination.approval is not None:
        start = max(now, datetime.combine(determination.approval.end + timedelta(days=1), time(), UTC))
    return start + timedelta(days=retention_days)


def determination_records(
    assessed: Iterable[Assessed],
    *,
    patient_id: str,
    client: str,
    now: datetime,
    retention_days: int,
    hook: str = "order-sign",
) -> list[DeterminationRecord]:
    """One record per determination that carries a coverage assertion (a Coverage, a decision), under the
    ids the response carries (``assertion_ids.assess``), with what it rests on (``policy.basis``). Not one
    that stands unchanged against the record (order-dispatch): the assertion on record is the one told."""
    records = []
    for item in assessed:
        determination, assertion = item.determination, item.assertion
        if assertion is None or determination.decision is Decision.NOT_APPLICABLE:
            continue
        if item.revision is not None and item.revision.standing is Standing.UNCHANGED:
            continue
        document = determination_to_json(determination)
        approval = determination.approval
        prefill: dict[str, Any] = {
            "subject": _subject(determination),
            "answers": prefill_answers(determination),
        }
        records.append(
            DeterminationRecord(
                assertion_id=assertion.assertion_id,
                order=determination.order,
                patient_id=patient_id,
                coverage=assertion.coverage,
                decision=str(determination.decision),
                pathway=determination.pathway,
                approval_start=approval.start if approval else None,
                approval_end=approval.end if approval else None,
                criteria={
                    node.id: str(node.outcome)
                    for node in (determination.criteria.walk() if determination.criteria else [])
                },
                determination=None,  # kept packed: a tenth of the size (policy.stored)
                prefill=prefill,
                client=client,
                satisfied_pa_id=assertion.pa_id if determination.decision is Decision.APPROVE else None,
                created_at=now,
                expires_at=expiry(determination, now=now, retention_days=retention_days),
                order_key=assertion.order_key or None,
                basis=basis_of(document).as_json(),
                hook=hook,
                packed=pack(document),
            )
        )
    return records


async def record_determinations(
    store: Store,
    assessed: Iterable[Assessed],
    *,
    patient_id: str,
    client: str = "",
    now: datetime | None = None,
    retention_days: int = 365,
    hook: str = "order-sign",
) -> list[str]:
    """Store (committed) every determination that carries a coverage assertion; the assertion ids.
    Raises ``StoreUnavailable`` when the database fails: the caller decides what the hook then says."""
    records = determination_records(
        assessed,
        patient_id=patient_id,
        client=client,
        now=now or datetime.now(UTC),
        retention_days=retention_days,
        hook=hook,
    )
    await store.save_determinations(records)
    return [record.assertion_id for record in records]
