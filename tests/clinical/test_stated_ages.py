"""Ages an Observation records (docs/facts.md "An age recorded against the birth date")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cds_service.clinical.stated_ages import StatedAge, is_read, stated_ages
from tests.clinical.builders import observation, pool_of


def age(rid: str, value: dict[str, Any] | None, **more: Any) -> dict[str, Any]:
    found = observation(rid, more.pop("code", "30525-0"), "2026-11-20T08:00:00-05:00", 0, "a")
    del found["valueQuantity"]
    if value is not None:
        found.update(value)
    found.update(more)
    return found


@pytest.mark.parametrize(
    ("value", "years", "said"),
    [
        ({"valueQuantity": {"value": 15, "unit": "a", "code": "a"}}, 15.0, "15 a"),
        ({"valueQuantity": {"value": 18, "unit": "mo", "code": "mo"}}, 1.5, "18 mo"),
        ({"valueQuantity": {"value": 26, "unit": "weeks"}}, 26 * 7 / 365.25, "26 weeks"),
        ({"valueQuantity": {"value": 15}}, 15.0, "15 (years)"),
        ({"valueInteger": 15}, 15.0, "15 (years)"),
        ({"valueQuantity": {"value": 15, "unit": "Jahre"}}, None, "15 Jahre"),
        ({"valueString": "fifteen"}, None, "a valueString fifteen"),
    ],
)
def test_an_age_is_read_in_years_or_stated_unread(
    value: dict[str, Any], years: float | None, said: str
) -> None:
    (found,) = stated_ages(pool_of(age("a", value)))
    assert found._replace(years=None) == StatedAge("Observation/a", date(2026, 11, 20), None, said)
    assert found.years == (pytest.approx(years) if years is not None else None)


def test_only_age_codes_recorded_and_holding_a_value_state_an_age() -> None:
    value = {"valueQuantity": {"value": 15, "unit": "a", "code": "a"}}
    reported = age("r", value, code="21612-7")
    calculated = age("c", value, code="29553-5")
    height = age("h", value, code="8302-2")
    wrong = age("w", value, status="entered-in-error")
    absent = age("x", None, dataAbsentReason={"text": "unknown"})
    found = stated_ages(pool_of(calculated, reported, height, wrong, absent))
    assert [s.reference for s in found] == ["Observation/c", "Observation/r"]
    assert is_read(height) is False and is_read(absent) is True


def test_the_day_is_the_effective_one_else_the_day_issued() -> None:
    value = {"valueInteger": 15}
    period = age("p", value, effectivePeriod={"start": "2026-10-01"})
    del period["effectiveDateTime"]
    issued = age("i", value, issued="2026-09-01T10:00:00Z")
    del issued["effectiveDateTime"]
    undated = age("u", value)
    del undated["effectiveDateTime"]
    found = {s.reference: s.on for s in stated_ages(pool_of(period, issued, undated))}
    assert found == {
        "Observation/p": date(2026, 10, 1),
        "Observation/i": date(2026, 9, 1),
        "Observation/u": None,
    }
