from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical.dates import add_months
from cds_service.clinical.facts import Fact
from cds_service.policy.approval import approval_period
from tests.policy.policy_facts import adult_on_doxorubicin


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 11, 28), 12, date(2027, 11, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_cardioprotection_ends_on_the_last_planned_doxorubicin_dose_when_sooner() -> None:
    period = approval_period(adult_on_doxorubicin(), "I.A")
    assert (period.start, period.end) == (date(2026, 11, 28), date(2027, 1, 30))


def test_cardioprotection_lasts_12_months_less_a_day_at_most() -> None:
    for last in (None, date(2028, 3, 1)):
        facts = adult_on_doxorubicin(last_planned_doxorubicin_date=Fact(last))
        assert approval_period(facts, "II.A").end == date(2027, 11, 27)


def test_an_end_before_the_start_is_held_to_the_start() -> None:
    facts = adult_on_doxorubicin(last_planned_doxorubicin_date=Fact(date(2026, 11, 1)))
    assert approval_period(facts, "I.A").end == date(2026, 11, 28)


def test_extravasation_is_three_days_inclusive() -> None:
    period = approval_period(adult_on_doxorubicin(), "I.B")
    assert (period.start, period.end) == (date(2026, 11, 28), date(2026, 11, 30))


def test_an_extravasation_approval_runs_three_days_from_the_courses_first_dose() -> None:
    """docs/decisions.md: I.B starts on the order's first scheduled day (else its date) and ends 2 days
    later."""
    signed_the_day_before = adult_on_doxorubicin(course_first_day=Fact(date(2026, 11, 29)))
    period = approval_period(signed_the_day_before, "I.B")
    assert (period.start, period.end) == (date(2026, 11, 29), date(2026, 12, 1))
    period = approval_period(adult_on_doxorubicin(), "I.B")  # no schedule read: the order date
    assert (period.start, period.end) == (date(2026, 11, 28), date(2026, 11, 30))
