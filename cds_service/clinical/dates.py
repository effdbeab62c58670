"""Calendar arithmetic the policy needs: whole years of age, calendar-month windows."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_in_years(birth: date, on: date) -> int:
    """Whole years completed on ``on`` (a 29 February birthday completes its year on 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
