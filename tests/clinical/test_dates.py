from __future__ import annotations

from datetime import date

from cds_service.clinical.dates import add_months, age_in_years, age_on


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 10, 5), -12) == date(2025, 10, 5)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 28), 12) == date(2027, 11, 28)


def test_age_in_whole_years() -> None:
    assert age_in_years(date(1972, 3, 15), date(2026, 3, 14)) == 53
    assert age_in_years(date(1972, 3, 15), date(2026, 3, 15)) == 54
    assert age_in_years(date(2008, 2, 29), date(2026, 2, 28)) == 17


def test_a_year_only_birth_date_gives_no_age_when_the_birthday_may_be_still_to_come() -> None:
    assert age_on("2008", date(2026, 11, 28)) == (
        None,
        "the birth date 2008 allows age 17 or 18 on 2026-11-28",
    )
    assert age_on("2008-11", date(2026, 11, 28))[0] is None
    assert age_on("2008-10", date(2026, 11, 28))[0] == 18  # any day of October is before the 28th
    assert age_on("2008", date(2026, 12, 31))[0] == 18
    assert age_on("2008-03-01", date(2026, 11, 28))[0] == 18
    assert age_on(None, date(2026, 11, 28)) == (None, "the Patient has no birth date")
