"""Calendar arithmetic the policy needs: whole years of age, calendar-month windows."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from cds_service.clinical.fhir_read import parse_date


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_in_years(birth: date, on: date) -> int:
    """Whole years completed on ``on`` (a 29 February birthday completes its year on 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def birth_date_bounds(value: Any) -> tuple[date, date] | None:
    """The earliest and latest day a FHIR ``birthDate`` allows: ``2008`` is any day of 2008,
    ``2008-11`` any day of November 2008, a full date itself."""
    first = parse_date(value)
    if first is None:
        return None
    text = str(value).strip()
    if len(text) == 4:
        return first, date(first.year, 12, 31)
    if len(text) == 7:
        return first, date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    return first, first


def age_on(value: Any, on: date) -> tuple[int | None, str]:
    """Whole years on ``on`` from a FHIR ``birthDate``, or ``None`` (with why) when a partial birth date
    allows two ages: a year-only 2008 patient may be 17 or 18 on the day, and "Age ≥ 18" must not be
    read as met on a guess."""
    bounds = birth_date_bounds(value)
    if bounds is None:
        return None, "the Patient has no birth date"
    oldest, youngest = age_in_years(bounds[0], on), age_in_years(bounds[1], on)
    if oldest != youngest:
        return (
            None,
            f"the birth date {str(value).strip()} allows age {youngest} or {oldest} on {on.isoformat()}",
        )
    return oldest, f"age on {on.isoformat()}"
