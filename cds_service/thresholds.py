"""The numbers CP.PHAR.418 decides with, each defined once here, naming where it comes from.

Boundaries are inclusive where the policy says "≥" or "does not exceed" (docs/decisions.md). The module sits
below every layer that reads a policy number (``clinical/`` reading the record, ``policy/`` deciding,
``response/`` proposing a dose), so that none of them keeps a copy (``tests/test_policy_numbers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Threshold:
    value: float
    unit: str
    source: str


ADULT_AGE = Threshold(18, "years", "CP.PHAR.418 I.A.3.a and I.B.3: Age ≥ 18 years")
# "Pediatric" in I.A.3.b.i-iii means under 18 on the approval start (docs/facts.md "Age").
PEDIATRIC_AGE_BELOW = Threshold(ADULT_AGE.value, "years", 'docs/facts.md "Age": pediatric means under 18')

CUMULATIVE_DOXORUBICIN_ADULT = Threshold(
    300, "mg/m²", "CP.PHAR.418 I.A.3.a: cumulative doxorubicin dose of ≥ 300 mg/m²"
)
ANTICIPATED_ANTHRACYCLINE_ALL = Threshold(
    250, "mg/m²", "CP.PHAR.418 I.A.3.b.i.1/2: anticipated cumulative anthracycline dose ≥ 250 mg/m²"
)
PLANNED_DOXORUBICIN_WILMS = Threshold(
    150, "mg/m²", "CP.PHAR.418 I.A.3.b.iv: planned cumulative dose of doxorubicin ≥ 150 mg/m²"
)
PLANNED_DOXORUBICIN_SARCOMA = Threshold(
    250, "mg/m²", "CP.PHAR.418 I.A.3.b.vi: planned cumulative dose of doxorubicin ≥ 250 mg/m²"
)
MAX_DOSE_RATIO = Threshold(
    10,
    "dexrazoxane:doxorubicin",
    "CP.PHAR.418 I.A.5.a and II.A.4.a: does not exceed 10 times the doxorubicin dose",
)

# I.B.4: "Dose does not exceed 2,000 mg per day on days 1 and 2, and 1,000 mg on day 3."
EXTRAVASATION_DAILY_CAP_MG: MappingProxyType[int, Threshold] = MappingProxyType(
    {
        1: Threshold(2000, "mg", "CP.PHAR.418 I.B.4: 2,000 mg per day on day 1"),
        2: Threshold(2000, "mg", "CP.PHAR.418 I.B.4: 2,000 mg per day on day 2"),
        3: Threshold(1000, "mg", "CP.PHAR.418 I.B.4: 1,000 mg on day 3"),
    }
)

# The extravasation course: I.B approves "3 days"; I.B.4 caps days 1 to 3; an order shaped as one is "one
# run of at most 3 consecutive days" (docs/decisions.md); Totect labelling: once daily for 3 days.
EXTRAVASATION_COURSE_DAYS = 3

# Approval durations (CP.PHAR.418 I.A / II.A "12 months or duration of doxorubicin therapy, whichever is
# less"; I.B "3 days", the course), as docs/decisions.md computes them: end = start + 12 calendar months - 1
# day, or start + 2 days, both inclusive.
CARDIOPROTECTION_APPROVAL_MONTHS = 12
EXTRAVASATION_APPROVAL_DAYS = EXTRAVASATION_COURSE_DAYS

if sorted(EXTRAVASATION_DAILY_CAP_MG) != list(range(1, EXTRAVASATION_COURSE_DAYS + 1)):
    raise RuntimeError("the I.B.4 caps must name every day of the extravasation course, and no other")
