"""The light readers every fact goes through: a date, a dateTime or a number that cannot be what FHIR
allows is read as unreadable (``None``), never as a guess and never as an exception."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cds_service.clinical.fhir_read import number, parse_date, parse_datetime, quantity, read_period
from cds_service.clinical.limits import LARGEST_MAGNITUDE


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-28T10:00:00+99:99",  # no such time zone
        "2026-11-28T10:00:00+23:59",  # Python's limit, not FHIR's (-14:00 to +14:00)
        "2026-11-28T10:00:00+14:01",
        "0001-01-01T01:00:00+14:00",  # year 1 at +14:00 is before the first instant Python can hold
        "9999-12-31T23:00:00-14:00",  # and this after the last
        "2026-11-28T25:00:00Z",
        "2026-11-28Tnoon",
    ],
)
def test_a_date_time_fhir_does_not_allow_is_unreadable_date_included(text: str) -> None:
    assert parse_datetime(text) is None
    assert parse_date(text) is None


def test_a_date_time_keeps_the_date_written_and_its_instant() -> None:
    assert parse_date("2026-11-28T23:30:00-05:00") == date(2026, 11, 28)
    moment = parse_datetime("2026-11-28T23:30:00-05:00")
    assert moment is not None and moment.astimezone(UTC) == datetime(2026, 11, 29, 4, 30, tzinfo=UTC)
    assert parse_datetime("2026-11-28T10:00:00+14:00") is not None
    assert parse_datetime("2026-11-28T10:00:00-14:00") is not None


def test_a_leap_second_is_read() -> None:
    assert parse_datetime("2016-12-31T23:59:60Z") == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)


@given(
    st.integers(min_value=0, max_value=99999),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
    st.sampled_from(["+", "-"]),
)
def test_any_date_time_is_read_or_unreadable_and_its_instant_is_usable(
    year: int, month: int, day: int, hours: int, minutes: int, sign: str
) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}T10:00:00{sign}{hours:02d}:{minutes:02d}"
    moment = parse_datetime(text)
    if moment is not None:
        # every instant read can be put on any clock the service uses without an overflow
        moment.astimezone(UTC)
        moment.timestamp()
        assert moment.astimezone(UTC) - moment == timedelta(0)
        assert abs(moment.utcoffset() or timedelta(0)) <= timedelta(hours=14)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 10**400, True, "1"])
def test_a_number_is_finite(value: Any) -> None:
    assert number(value) is None


@pytest.mark.parametrize("value", [LARGEST_MAGNITUDE * 10, -LARGEST_MAGNITUDE * 10, 1e-300, 5e-324, 10**30])
def test_a_quantity_beyond_any_clinical_magnitude_is_not_read(value: float) -> None:
    assert quantity({"value": value, "code": "mg"}) is None


def test_a_quantity_within_it_is_read() -> None:
    assert quantity({"value": 0, "code": "mg"}) == (0.0, "mg")
    assert quantity({"value": 2000, "code": "mg"}) == (2000.0, "mg")


@pytest.mark.parametrize(
    ("period", "contradicts"),
    [
        ({"start": "2026-08-24", "end": "2025-08-24"}, True),
        ({"start": "2026-08-24T10:00:00-05:00", "end": "2026-08-24T09:00:00-05:00"}, True),
        # an hour later on another clock is the same instant order: 15:30Z is after 10:00-05:00 (15:00Z)
        ({"start": "2026-08-24T10:00:00-05:00", "end": "2026-08-24T15:30:00Z"}, False),
        ({"start": "2026-08-24T10:00:00-05:00", "end": "2026-08-24"}, False),  # ends that day
        ({"start": "2026-08-24", "end": "2026-08-24"}, False),
        ({"start": "2026-08-24"}, False),
        ({"end": "2025-08-24"}, False),
        ({"start": "not a date", "end": "2025-08-24"}, False),
        ("2026-08-24", False),
    ],
)
def test_a_period_that_ends_before_it_starts_contradicts_itself_and_dates_nothing(
    period: Any, contradicts: bool
) -> None:
    read = read_period(period, "effectivePeriod")
    assert bool(read.contradiction) is contradicts
    if contradicts:
        assert read.contradiction.startswith("effectivePeriod ends before it starts")
        assert (read.first, read.begins, read.ends) == (None, None, None)
    else:
        assert read.first == (read.start or read.end)
