"""RecordIndex: each reading of a request's record made once, keyed by what it depends on."""

from __future__ import annotations

from cds_service.clinical.record_index import RecordIndex
from cds_service.fhir.pool import ResourcePool


def test_a_reading_is_computed_once_per_key() -> None:
    record = RecordIndex(ResourcePool())
    computed: list[str] = []

    def reading(name: str) -> str:
        computed.append(name)
        return name.upper()

    assert record.once(("orders",), lambda: reading("orders")) == "ORDERS"
    assert record.once(("orders",), lambda: reading("again")) == "ORDERS"
    assert record.once(("totals", 1), lambda: reading("totals 1")) == "TOTALS 1"
    assert record.once(("totals", 2), lambda: reading("totals 2")) == "TOTALS 2"
    assert computed == ["orders", "totals 1", "totals 2"]


def test_a_reading_of_none_is_kept_too() -> None:
    record = RecordIndex(ResourcePool())
    calls: list[None] = []
    for _ in range(3):
        assert record.once("nothing", lambda: calls.append(None)) is None
    assert len(calls) == 1
