from __future__ import annotations

from datetime import date, datetime

import pytest

from cds_service.clinical.body_measures_not_read import measures_not_read
from cds_service.clinical.bsa import BodySurfaceArea, mosteller_m2
from cds_service.fhir.pool import ResourcePool
from tests.clinical.builders import bsa, height, weight


def test_mosteller_by_hand() -> None:
    # sqrt(162 cm x 72 kg / 3600) = sqrt(3.24) = 1.8
    assert mosteller_m2(162, 72) == pytest.approx(1.8)


def test_height_and_weight_nearest_in_time() -> None:
    body = BodySurfaceArea(
        [
            height("h1", "2026-01-01", 162),
            weight("w-old", "2026-01-01", 90),
            weight("w-new", "2026-06-01", 72),
        ]
    )
    found = body.on(date(2026, 6, 10))
    assert found is not None
    assert found.m2 == pytest.approx(1.8)
    assert found.source == "mosteller"
    assert found.evidence == ("Observation/h1", "Observation/w-new")
    earlier = body.on(date(2026, 1, 5))
    assert earlier is not None
    assert earlier.m2 == pytest.approx(mosteller_m2(162, 90))


def test_imperial_units() -> None:
    # 64 in = 162.56 cm, 160 lb = 72.5748 kg: sqrt(162.56 x 72.5748 / 3600) = 1.8103
    body = BodySurfaceArea(
        [height("h", "2026-05-01", 64, "[in_i]"), weight("w", "2026-05-01", 160, "[lb_av]")]
    )
    found = body.on(date(2026, 5, 1))
    assert found is not None
    assert found.m2 == pytest.approx(1.8103, abs=1e-4)


def test_nearest_in_time_wins_between_a_charted_bsa_and_height_and_weight() -> None:
    # "Nearest in time wins", docs/facts.md "Record integrity": the height and weight of May 1 size a May 1
    # dose better than a BSA charted in January; a dose in January takes the January BSA.
    body = BodySurfaceArea(
        [height("h", "2026-05-01", 162), weight("w", "2026-05-01", 72), bsa("b", "2026-01-01", 1.95)]
    )
    found = body.on(date(2026, 5, 1))
    assert found is not None
    assert (found.m2, found.source, found.evidence) == (
        pytest.approx(1.8),
        "mosteller",
        ("Observation/h", "Observation/w"),
    )
    january = body.on(date(2026, 1, 2))
    assert january is not None
    assert (january.m2, january.source) == (1.95, "observation")


def test_a_charted_bsa_as_near_as_the_measures_is_kept() -> None:
    body = BodySurfaceArea(
        [height("h", "2026-05-01", 162), weight("w", "2026-05-01", 72), bsa("b", "2026-05-01", 1.95)]
    )
    found = body.on(date(2026, 5, 3))
    assert found is not None
    assert (found.m2, found.source) == (1.95, "observation")


def test_a_child_needs_both_height_and_weight_nearer_than_the_charted_bsa() -> None:
    # A child's height from last year is older than the BSA charted in March: the BSA stays.
    body = BodySurfaceArea(
        [height("h", "2025-06-01", 120), weight("w", "2026-05-01", 24), bsa("b", "2026-03-01", 0.9)]
    )
    found = body.on(date(2026, 5, 1))
    assert found is not None
    assert found.source == "observation"
    adult = BodySurfaceArea(
        [height("h", "2025-06-01", 170), weight("w", "2026-05-01", 70), bsa("b", "2026-03-01", 1.9)],
        adult=True,
    )
    used = adult.on(date(2026, 5, 1))
    assert used is not None
    assert used.source == "mosteller"


def test_weight_nearest_in_time_for_mg_per_kg() -> None:
    body = BodySurfaceArea([weight("w-old", "2026-01-01", 80), weight("w-new", "2026-05-01", 70)])
    assert body.weight_on(date(2026, 4, 20)) == (70.0, "Observation/w-new")
    assert body.weight_on(date(2025, 1, 1)) is None


def test_no_bsa_without_both_height_and_weight() -> None:
    assert BodySurfaceArea([height("h", "2026-05-01", 162)]).on(date(2026, 5, 1)) is None
    assert BodySurfaceArea([]).on(date(2026, 5, 1)) is None


def test_entered_in_error_and_unit_less_observations_are_not_read() -> None:
    wrong = weight("w-bad", "2026-05-02", 40)
    wrong["status"] = "entered-in-error"
    unitless = weight("w-nounit", "2026-05-02", 45)
    del unitless["valueQuantity"]["code"], unitless["valueQuantity"]["unit"]
    body = BodySurfaceArea([height("h", "2026-05-01", 162), weight("w", "2026-04-01", 72), wrong, unitless])
    found = body.on(date(2026, 5, 2))
    assert found is not None
    assert found.m2 == pytest.approx(1.8)


def test_a_measurement_too_far_from_the_dose_does_not_size_it() -> None:
    """A child's height from five years ago, or a weight from last year, would misstate the BSA: no BSA
    (the dose is an unknown part) rather than a wrong one."""
    old_height = BodySurfaceArea([height("h", "2021-11-01", 110), weight("w", "2026-11-27", 35)])
    assert old_height.on(date(2026, 11, 28)) is None
    old_weight = BodySurfaceArea([height("h", "2026-06-01", 170), weight("w", "2025-03-01", 50)])
    assert old_weight.on(date(2026, 11, 28)) is None
    stale_bsa = BodySurfaceArea(
        [bsa("b", "2025-01-01", 1.5), height("h", "2026-06-01", 170), weight("w", "2026-11-01", 68)]
    )
    found = stale_bsa.on(date(2026, 11, 28))
    assert found is not None and found.source == "mosteller"  # the fresher height and weight are used


def test_an_implausible_measurement_is_a_charting_slip_not_a_size() -> None:
    """A weight of "70 g" (for 70 kg) or a BSA of 190 m² sizes no dose."""
    slip = BodySurfaceArea([height("h", "2026-11-01", 165), weight("w", "2026-11-01", 70, "g")])
    assert slip.on(date(2026, 11, 28)) is None
    assert BodySurfaceArea([bsa("b", "2026-11-01", 190)]).on(date(2026, 11, 28)) is None


def test_an_adults_height_from_years_ago_still_sizes_a_dose() -> None:
    readings = [height("h", "2024-10-01", 165), weight("w", "2026-11-20", 70)]
    assert BodySurfaceArea(readings, adult=True).on(date(2026, 11, 28)) is not None
    assert BodySurfaceArea(readings).on(date(2026, 11, 28)) is None  # a child's would be stale


def test_nearest_in_time_is_read_on_the_real_times_of_the_dose_and_measures() -> None:
    """A BSA charted 5 minutes before a 09:40 dose is nearer than a height and weight of 08:30: the charted
    BSA sizes it (read as the dose's date at noon UTC, the height and weight had looked nearer)."""
    measures = [
        height("h", "2026-08-27T08:30:00-05:00", 165),
        weight("w", "2026-08-27T08:30:00-05:00", 70.7),
        bsa("b", "2026-08-27T09:35:00-05:00", 1.8),
    ]
    body = BodySurfaceArea(measures, adult=True)
    dose = datetime.fromisoformat("2026-08-27T09:40:00-05:00")
    found = body.on(dose)
    assert found is not None and (found.m2, found.source) == (1.8, "observation")
    early = body.on(datetime.fromisoformat("2026-08-27T08:31:00-05:00"))
    assert early is not None and early.source == "mosteller"


def test_a_dose_with_a_date_only_is_as_near_to_every_measure_of_its_day_and_the_charted_bsa_wins() -> None:
    measures = [
        height("h", "2026-08-27T08:30:00-05:00", 165),
        weight("w", "2026-08-27T08:30:00-05:00", 70.7),
        bsa("b", "2026-08-27T16:00:00-05:00", 1.8),
    ]
    found = BodySurfaceArea(measures, adult=True).on(date(2026, 8, 27))
    assert found is not None and found.source == "observation"


def test_a_measure_whose_code_and_unit_text_disagree_is_not_read_and_is_named_as_such() -> None:
    # 64 coded "cm" with the unit text "in": 64 cm or 163 cm is not known
    slip = height("h", "2026-11-27", 64)
    slip["valueQuantity"]["unit"] = "in"
    body = BodySurfaceArea([slip, weight("w", "2026-11-27", 60)], adult=True)
    assert body.on(date(2026, 11, 28)) is None
    pool = ResourcePool()
    pool.add(slip)
    assert measures_not_read(pool) == [("Observation/h", date(2026, 11, 27))]
