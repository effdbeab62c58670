"""The BSA nearest a dose, found by bisecting midpoints, is the one a plain scan finds (ties: earlier)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cds_service.clinical.bsa import BodySurfaceArea
from tests.clinical.builders import bsa

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Offsets in microseconds, small enough that ties and odd gaps between readings come up often.
offsets = st.integers(min_value=0, max_value=40)


def scan(readings: list[tuple[datetime, str, float]], when: datetime) -> str:
    """Nearest by a plain scan over (time, reference)-sorted readings: the last one charted before
    ``when`` or the first one from ``when`` on, whichever is nearer; a tie goes to the earlier one."""
    ordered = sorted(readings, key=lambda r: (r[0], r[1]))
    before = [r for r in ordered if r[0] < when]
    after = [r for r in ordered if r[0] >= when]
    if not before:
        return after[0][1]
    if not after:
        return before[-1][1]
    return before[-1][1] if when - before[-1][0] <= after[0][0] - when else after[0][1]


@given(st.lists(offsets, min_size=1, max_size=8), offsets)
def test_nearest_reading_is_the_scanned_one(reading_offsets: list[int], dose_offset: int) -> None:
    readings = [
        (EPOCH + timedelta(microseconds=offset), f"b{i}", 1.0 + i / 100)
        for i, offset in enumerate(reading_offsets)
    ]
    body = BodySurfaceArea([bsa(reference, when.isoformat(), value) for when, reference, value in readings])
    when = EPOCH + timedelta(microseconds=dose_offset)
    found = body.on(when)
    assert found is not None
    assert found.evidence == (f"Observation/{scan(readings, when)}",)
