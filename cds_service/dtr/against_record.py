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

In three steps, so that the store is read and the comparison made by the service, on its event loop, while
the decision and the response are made where the hook deadline can stop them (a decision process,
``hooks.decision``): ``comparand`` (with the decision: what the comparison needs of each determination,
plain data with a JSON form), ``compared_with_record`` (the service: the store read and the comparison,
``Compared``, plain data too), ``applied`` (with the response: each determination told as compared).
``against_record`` runs the three in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import structlog

from cds_service.assertion_ids import Assessed, CoverageAssertion
from cds_service.policy.basis import Revision, Standing, basis_of, changes, stored_basis
from cds_service.policy.render import determination_to_json
from cds_service.policy.stored import stored_document
from cds_service.store.protocol import Store, StoreUnavailable
from cds_service.store.records import DeterminationRecord

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Comparand:
    """What the comparison needs of a determination made now: the assertion it would be told under, its
    JSON (docs/determination.md) and the digest of its basis."""

    assertion: CoverageAssertion
    document: dict[str, Any]
    digest: str

    def as_json(self) -> dict[str, Any]:
        return {
            "assertion": _assertion_json(self.assertion),
            "document": self.document,
            "digest": self.digest,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Comparand:
        return cls(_assertion_from_json(value["assertion"]), value["document"], value["digest"])


@dataclass(frozen=True)
class Compared:
    """How a determination stands against the record, and the assertion it is told under (None: it has
    none, no Coverage)."""

    assertion: CoverageAssertion | None
    revision: Revision

    def as_json(self) -> dict[str, Any]:
        revision = self.revision
        return {
            "assertion": _assertion_json(self.assertion) if self.assertion is not None else None,
            "standing": str(revision.standing),
            "recorded_on": revision.recorded_on.isoformat() if revision.recorded_on else None,
            "previous_decision": revision.previous_decision,
            "changes": list(revision.changes),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Compared:
        recorded_on = value["recorded_on"]
        revision = Revision(
            Standing(value["standing"]),
            date.fromisoformat(recorded_on) if recorded_on else None,
            value["previous_decision"],
            tuple(value["changes"]),
        )
        assertion = value["assertion"]
        return cls(_assertion_from_json(assertion) if assertion is not None else None, revision)


def _assertion_json(assertion: CoverageAssertion) -> dict[str, Any]:
    return {
        "coverage": assertion.coverage,
        "assertion_id": assertion.assertion_id,
        "pa_id": assertion.pa_id,
        "order_key": assertion.order_key,
        "asserted_on": assertion.asserted_on.isoformat() if assertion.asserted_on else None,
    }


def _assertion_from_json(value: dict[str, Any]) -> CoverageAssertion:
    asserted_on = value["asserted_on"]
    return CoverageAssertion(
        value["coverage"],
        value["assertion_id"],
        value["pa_id"],
        value["order_key"],
        date.fromisoformat(asserted_on) if asserted_on else None,
    )


def comparand(item: Assessed) -> Comparand | None:
    """What the comparison needs of ``item``; None when it has no assertion (no Coverage: no assertion was
    or can be made, so there is nothing on record to compare it with)."""
    if item.assertion is None:
        return None
    document = determination_to_json(item.determination)
    return Comparand(item.assertion, document, basis_of(document).digest)


async def _on_record(
    store: Store, assertion: CoverageAssertion, *, now: datetime
) -> DeterminationRecord | None:
    found = await store.latest_for_order(assertion.order_key, now=now) if assertion.order_key else None
    return found or await store.determination(assertion.assertion_id, now=now)


def _compared(made: Comparand, record: DeterminationRecord) -> Compared:
    assertion = made.assertion
    before = stored_basis(record.basis, lambda: stored_document(record))
    recorded_on = record.created_at.date()
    same_coverage = record.coverage == assertion.coverage
    if same_coverage and before.digest == made.digest:
        kept = replace(
            assertion,
            assertion_id=record.assertion_id,
            pa_id=record.satisfied_pa_id or assertion.pa_id,
            asserted_on=recorded_on,
        )
        return Compared(kept, Revision(Standing.UNCHANGED, recorded_on, record.decision))
    found = list(changes(stored_document(record), made.document))
    if not same_coverage:
        found.insert(0, f"the coverage: {record.coverage} → {assertion.coverage}")
    if same_coverage:
        assertion = replace(assertion, assertion_id=record.assertion_id)
    return Compared(assertion, Revision(Standing.CHANGED, recorded_on, record.decision, tuple(found)))


async def compared_with_record(
    store: Store, made: Iterable[Comparand | None], *, now: datetime
) -> list[Compared]:
    """Each determination made now against the one on record for its order: the store read and the
    comparison (the service's part)."""
    result: list[Compared] = []
    for item in made:
        if item is None:
            result.append(Compared(None, Revision(Standing.NEW)))
            continue
        try:
            record = await _on_record(store, item.assertion, now=now)
        except StoreUnavailable as error:
            log.error("determination_on_record_not_read", error=str(error))
            result.append(Compared(item.assertion, Revision(Standing.UNKNOWN)))
            continue
        if record is None:
            result.append(Compared(item.assertion, Revision(Standing.NEW)))
            continue
        result.append(_compared(item, record))
    return result


def applied(assessed: Sequence[Assessed], compared: Sequence[Compared]) -> list[Assessed]:
    """Each determination told as compared: with its ``Revision`` and the assertion it is told under."""
    if len(assessed) != len(compared):
        raise ValueError("one comparison per determination")
    return [
        replace(item, assertion=found.assertion, revision=found.revision)
        for item, found in zip(assessed, compared, strict=True)
    ]


async def against_record(store: Store, assessed: Iterable[Assessed], *, now: datetime) -> list[Assessed]:
    """Each determination with its ``Revision`` against the record, and the assertion it is told under
    (the three steps in one place)."""
    items = list(assessed)
    return applied(items, await compared_with_record(store, [comparand(i) for i in items], now=now))
