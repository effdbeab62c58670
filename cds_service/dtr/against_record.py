"""order-dispatch: each dispatched order's determination, set against the one on record for that order
(docs/hooks.md "When a dispatched order is decided again").

The store is the memory across replicas: whichever replica answered order-sign recorded the determination
under its coverage assertion, with the order's key (``assertion_ids.order_key``) and what it rests on
(``policy.basis``). At dispatch the order is decided again on the record as it is now (the one decision
path), then:

- the same coverage and the same basis digest: nothing that decides it has changed. The assertion on
  record stands: its ``coverage-assertion-id``, its ``satisfied-pa-id`` and the day it was made are what
  the coverage information carries (``Standing.UNCHANGED``; nothing is written);
- otherwise the new determination is the one told, and recorded (``Standing.CHANGED``), its changes named
  in plain words (``policy.basis.changes``). For the same coverage it keeps the assertion id on record, so
  the EHR replaces the earlier assertion rather than adding a second one beside it (DTR §spec-47: coverage
  and coverage-assertion-id are the key); a new coverage is a new assertion;
- no determination on record (never signed here, or past retention): decided now (``Standing.NEW``);
- the store cannot be read: decided now, said so (``Standing.UNKNOWN``); never a failed hook.

A row written before the basis was stored is compared through its stored determination JSON; one written
before the order key was stored is found by the assertion id this call computed (the same id whenever the
replicas share ``CDS_ASSERTION_SECRET``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

import structlog

from cds_service.assertion_ids import Assessed, CoverageAssertion
from cds_service.policy.basis import Revision, Standing, basis_of, changes, stored_basis
from cds_service.policy.render import determination_to_json
from cds_service.policy.stored import stored_document
from cds_service.store.protocol import Store, StoreUnavailable
from cds_service.store.records import DeterminationRecord

log = structlog.get_logger(__name__)


async def _on_record(
    store: Store, assertion: CoverageAssertion, *, now: datetime
) -> DeterminationRecord | None:
    found = await store.latest_for_order(assertion.order_key, now=now) if assertion.order_key else None
    return found or await store.determination(assertion.assertion_id, now=now)


def _compared(item: Assessed, assertion: CoverageAssertion, record: DeterminationRecord) -> Assessed:
    document = determination_to_json(item.determination)
    before = stored_basis(record.basis, lambda: stored_document(record))
    recorded_on = record.created_at.date()
    same_coverage = record.coverage == assertion.coverage
    if same_coverage and before.digest == basis_of(document).digest:
        kept = replace(
            assertion,
            assertion_id=record.assertion_id,
            pa_id=record.satisfied_pa_id or assertion.pa_id,
            asserted_on=recorded_on,
        )
        return replace(
            item, assertion=kept, revision=Revision(Standing.UNCHANGED, recorded_on, record.decision)
        )
    found = list(changes(stored_document(record), document))
    if not same_coverage:
        found.insert(0, f"the coverage: {record.coverage} → {assertion.coverage}")
    if same_coverage:
        assertion = replace(assertion, assertion_id=record.assertion_id)
    revision = Revision(Standing.CHANGED, recorded_on, record.decision, tuple(found))
    return replace(item, assertion=assertion, revision=revision)


async def against_record(store: Store, assessed: Iterable[Assessed], *, now: datetime) -> list[Assessed]:
    """Each determination with its ``Revision`` against the record, and the assertion it is told under."""
    result: list[Assessed] = []
    for item in assessed:
        assertion = item.assertion
        if assertion is None:  # no Coverage: no assertion was or can be made
            result.append(replace(item, revision=Revision(Standing.NEW)))
            continue
        try:
            record = await _on_record(store, assertion, now=now)
        except StoreUnavailable as error:
            log.error("determination_on_record_not_read", error=str(error))
            result.append(replace(item, revision=Revision(Standing.UNKNOWN)))
            continue
        if record is None:
            result.append(replace(item, revision=Revision(Standing.NEW)))
            continue
        result.append(_compared(item, assertion, record))
    return result
