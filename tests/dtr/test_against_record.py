"""order-dispatch's comparison with the determination on record (dtr/against_record.py), on the SQLite
store: the assertion on record stands when nothing that decides it changed, is replaced under its own id
when something did, and a row older than the basis is compared through its stored JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from cds_service.assertion_ids import Assessed
from cds_service.clinical.facts import DoseTotal
from cds_service.dtr.against_record import against_record
from cds_service.dtr.store import record_determinations
from cds_service.policy.basis import Standing
from cds_service.policy.stored import stored_document
from cds_service.settings import Settings
from cds_service.store import schema
from cds_service.store.protocol import StoreUnavailable
from cds_service.store.sql import SqlStore
from tests.response.determinations import PATIENT_ID, approve, assessed, deny

SIGNED = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
DISPATCHED = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    sql_store = SqlStore.from_settings(Settings(database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}"))
    try:
        yield sql_store
    finally:
        await sql_store.close()


async def signed(store: SqlStore, items: list[Assessed]) -> None:
    await record_determinations(store, items, patient_id=PATIENT_ID, now=SIGNED)


async def test_unchanged_the_assertion_on_record_stands_with_its_day(store: SqlStore) -> None:
    at_signing = assessed(approve())
    await signed(store, at_signing)
    (found,) = await against_record(store, assessed(approve()), now=DISPATCHED)
    assert found.revision is not None and found.revision.standing is Standing.UNCHANGED
    assert found.revision.recorded_on == date(2026, 11, 28)
    assert found.assertion is not None and at_signing[0].assertion is not None
    assert (found.assertion.assertion_id, found.assertion.pa_id) == (
        at_signing[0].assertion.assertion_id,
        at_signing[0].assertion.pa_id,
    )
    assert found.assertion.asserted_on == date(2026, 11, 28)


async def test_another_replica_with_another_secret_still_finds_and_keeps_the_assertion(
    store: SqlStore,
) -> None:
    """The order key is not keyed by the assertion secret: a replica whose secret differs computes other
    ids, yet finds the order's determination and tells the id on record."""
    at_signing = assessed(approve(), key=b"replica-1")
    await signed(store, at_signing)
    (found,) = await against_record(store, assessed(approve(), key=b"replica-2"), now=DISPATCHED)
    assert found.assertion is not None and at_signing[0].assertion is not None
    assert found.revision is not None and found.revision.standing is Standing.UNCHANGED
    assert found.assertion.assertion_id == at_signing[0].assertion.assertion_id
    # Changed: still the id on record (the EHR replaces its assertion rather than adding one beside it).
    (changed,) = await against_record(store, assessed(deny(), key=b"replica-2"), now=DISPATCHED)
    assert changed.revision is not None and changed.revision.standing is Standing.CHANGED
    assert changed.assertion is not None and changed.assertion.assertion_id == found.assertion.assertion_id
    assert changed.assertion.asserted_on is None  # a new assertion: today's date


async def test_changed_names_what_changed_and_is_recorded_under_the_same_id(store: SqlStore) -> None:
    await signed(store, assessed(approve()))
    more = DoseTotal(350.0, evidence=("MedicationAdministration/a1", "MedicationAdministration/a3"))
    (found,) = await against_record(store, assessed(approve(cumulative_doxorubicin=more)), now=DISPATCHED)
    assert found.revision is not None and found.revision.standing is Standing.CHANGED
    assert found.revision.previous_decision == "approve"
    assert found.revision.changes == (
        "the doses given or planned (cumulative doxorubicin (mg/m²): 300 → 350)",
    )
    recorded = await record_determinations(store, [found], patient_id=PATIENT_ID, now=DISPATCHED)
    assert found.assertion is not None and recorded == [found.assertion.assertion_id]
    stored = await store.determination(found.assertion.assertion_id, now=DISPATCHED)
    assert stored is not None
    assert stored_document(stored)["facts"]["cumulative_doxorubicin_mg_m2"] == 350.0
    assert stored.hook == "order-sign" and stored.created_at == DISPATCHED


async def test_an_unchanged_determination_is_not_written_again(store: SqlStore) -> None:
    await signed(store, assessed(approve()))
    (found,) = await against_record(store, assessed(approve()), now=DISPATCHED)
    assert (
        await record_determinations(
            store, [found], patient_id=PATIENT_ID, now=DISPATCHED, hook="order-dispatch"
        )
        == []
    )
    assert found.assertion is not None
    stored = await store.determination(found.assertion.assertion_id, now=DISPATCHED)
    assert stored is not None and stored.created_at == SIGNED and stored.hook == "order-sign"


async def test_a_row_written_before_the_basis_is_compared_through_its_json(store: SqlStore) -> None:
    at_signing = assessed(approve())
    await signed(store, at_signing)
    async with store.engine.begin() as connection:  # as migration 0002 leaves an older row
        await connection.execute(update(schema.determinations).values(order_key=None, basis=None, hook=None))
    assert at_signing[0].assertion is not None
    old = await store.determination(at_signing[0].assertion.assertion_id, now=DISPATCHED)
    assert old is not None and (old.order_key, old.basis, old.hook) == (None, None, None)
    (found,) = await against_record(store, assessed(approve()), now=DISPATCHED)
    assert found.revision is not None and found.revision.standing is Standing.UNCHANGED


async def test_nothing_on_record_and_no_coverage_are_new(store: SqlStore) -> None:
    (never,) = await against_record(store, assessed(approve()), now=DISPATCHED)
    assert never.revision is not None and never.revision.standing is Standing.NEW
    no_coverage = replace(assessed(approve())[0], assertion=None)
    (found,) = await against_record(store, [no_coverage], now=DISPATCHED)
    assert found.revision is not None and found.revision.standing is Standing.NEW and found.assertion is None


class Unreachable:
    async def latest_for_order(self, order_key: str, *, now: datetime) -> Any:
        raise StoreUnavailable("store read_order_determination failed: OSError")

    async def determination(self, assertion_id: str, *, now: datetime) -> Any:
        raise AssertionError("not asked once the first read failed")


async def test_a_store_that_cannot_be_read_is_unknown_never_an_error() -> None:
    (found,) = await against_record(Unreachable(), assessed(approve()), now=DISPATCHED)  # type: ignore[arg-type]
    assert found.revision is not None and found.revision.standing is Standing.UNKNOWN
