"""Why no BSA: "not charted" is not "charted, but older than N days" (a card once said "no BSA,
height or weight charted" of measurements charted before the window)."""

from __future__ import annotations

from datetime import date

from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.doses import dose_on
from tests.clinical.builders import bsa, height, weight

ORDER_DAY = date(2026, 11, 28)


def test_nothing_charted() -> None:
    body = BodySurfaceArea([])
    assert body.on(ORDER_DAY) is None
    assert body.missing_reason(ORDER_DAY) == "no BSA, height or weight charted"


def test_height_and_weight_charted_but_older_than_their_windows() -> None:
    body = BodySurfaceArea([height("h", "2025-06-01", 120), weight("w", "2026-03-01", 25)])
    assert body.on(ORDER_DAY) is None
    assert body.missing_reason(ORDER_DAY) == (
        "height charted, but older than 365 days; weight charted, but older than 180 days"
    )


def test_a_weight_charted_only_long_after_a_past_dose() -> None:
    body = BodySurfaceArea([height("h", "2026-11-01", 120), weight("w", "2026-11-01", 25)])
    # The height (300 days later) still sizes it; the weight does not.
    assert body.missing_reason(date(2026, 1, 5)) == "weight charted, but only more than 180 days later"


def test_an_old_charted_bsa_and_no_weight() -> None:
    body = BodySurfaceArea([bsa("b", "2025-01-01", 1.8), height("h", "2026-11-01", 170)], adult=True)
    assert body.missing_reason(ORDER_DAY) == "BSA charted, but older than 180 days; weight not charted"


def test_an_mg_dose_says_why_it_could_not_be_converted() -> None:
    body = BodySurfaceArea([weight("w", "2025-01-01", 70), height("h", "2025-01-01", 170)], adult=True)
    dose = dose_on(
        "MedicationAdministration/a", "doxorubicin", ORDER_DAY, (90.0, "mg"), body, fallback=ORDER_DAY
    )
    assert dose.mg_m2 is None
    assert dose.note == "mg dose: weight charted, but older than 180 days"
