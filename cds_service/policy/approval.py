"""The approval period of an approved order (docs/decisions.md "Approval period"); end dates are inclusive."""

from __future__ import annotations

from datetime import timedelta

from cds_service import thresholds as t
from cds_service.clinical.dates import add_months
from cds_service.clinical.facts import ClinicalFacts
from cds_service.policy.determination import ApprovalPeriod
from cds_service.policy.pathway import EXTRAVASATION


def approval_period(facts: ClinicalFacts, pathway: str) -> ApprovalPeriod:
    """I.B: 3 days from the course's first dose. I.A / II.A: "12 months or duration of doxorubicin
    therapy, whichever is less": start + 12 calendar months - 1 day, or the last planned doxorubicin
    dose when that is earlier (never before the start)."""
    start = facts.approval_start
    if pathway == EXTRAVASATION:
        # "starts on the course's first dose date (the order's first scheduled day, else authoredOn) and
        # ends 2 days later" (docs/decisions.md): an order signed the day before its course covers the course.
        first = facts.course_first_day.value or start
        return ApprovalPeriod(first, first + timedelta(days=t.EXTRAVASATION_APPROVAL_DAYS - 1))
    end = add_months(start, t.CARDIOPROTECTION_APPROVAL_MONTHS) - timedelta(days=1)
    last_dose = facts.last_planned_doxorubicin_date.value
    if last_dose is not None:
        end = max(start, min(end, last_dose))
    return ApprovalPeriod(start, end)
