from __future__ import annotations

from datetime import date

from cds_service.clinical.dates import add_months, age_in_years


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 10, 5), -12) == date(2025, 10, 5)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 28), 12) == date(2027, 11, 28)


def test_age_in_whole_years() -> None:
    assert age_in_years(date(1972, 3, 15), date(2026, 3, 14)) == 53
    assert age_in_years(date(1972, 3, 15), date(2026, 3, 15)) == 54
    assert age_in_years(date(2008, 2, 29), date(2026, 2, 28)) == 17
