"""A body measurement that jumps away from the patient's readings on both sides of it and back is set aside
(docs/facts.md "Plausibility", "A reading that jumps and comes back"); real change, which runs one way, is
kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.plausibility import JUMP_FACTORS, Plausibility, Reading
from tests.clinical.builders import height, weight

ADULT = "1970-05-01"


def series(kind: str, start: str, values: list[float], every: int = 7) -> list[Reading]:
    first = datetime.fromisoformat(start).replace(tzinfo=UTC)
    return [
        Reading(kind, first + timedelta(days=every * i), value, f"Observation/{kind}-{i}")
        for i, value in enumerate(values)
    ]


def set_aside(screened_notes: tuple[str, ...]) -> list[str]:
    return [note.split(" set aside:")[0] for note in screened_notes]


def test_a_weight_far_from_both_its_neighbours_is_set_aside_and_the_nearest_kept_one_sizes_the_dose() -> None:
    # 69-70 kg at every visit, 41 kg on the morning of the last dose (69 a week before, 68.8 a week after):
    # 41/69 is 0.59, not half, so the median rule alone kept it
    observations = [
        height("h", "2026-08-03T08:30:00Z", 165),
        weight("w1", "2026-08-24T08:30:00Z", 70),
        weight("w2", "2026-09-14T08:30:00Z", 69.5),
        weight("w3", "2026-10-05T08:30:00Z", 69.5),
        weight("w-a", "2026-11-09T09:00:00Z", 69),
        weight("w5", "2026-11-16T08:30:00Z", 41),
        weight("w-b", "2026-11-23T09:00:00Z", 68.8),
    ]
    body = BodySurfaceArea(observations, plausibility=Plausibility(ADULT))
    assert set_aside(body.set_aside) == ["Observation/w5"]
    assert (
        "jumps down from the readings either side of it (69 kg on 2026-11-09 and 68.8 kg" in body.set_aside[0]
    )
    found = body.on(datetime(2026, 11, 16, 10, tzinfo=UTC))
    assert found is not None and found.evidence == ("Observation/h", "Observation/w-b")
    assert found.m2 == pytest.approx(1.7756, abs=1e-3)


@pytest.mark.parametrize(
    ("kind", "values", "aside"),
    [
        ("weight", [70, 70, 92, 69], [2]),  # 1.31 times the 70 before it and 1.33 the 69 after
        ("weight", [70, 70, 88, 69], []),  # 1.26 and 1.28: a fluid overload that came and went
        ("weight", [70, 56, 70], []),  # 70/56 is 1.25: a large paracentesis between two visits
        ("weight", [70, 53, 70], [1]),  # 70/53 is 1.32
        ("bsa", [1.78, 1.77, 1.37, 1.77], [2]),  # the BSA of 41 kg among those of 69 kg
        ("bsa", [2.3, 2.3, 2.0, 2.3], []),  # a BSA capped at 2.0 m2 beside the actual
    ],
)
def test_how_far_a_jump_must_go(kind: str, values: list[float], aside: list[int]) -> None:
    readings = series(kind, "2026-09-01", values)
    notes = Plausibility(ADULT).screen(readings).set_aside
    assert set_aside(notes) == [f"Observation/{kind}-{i}" for i in aside]
    if aside:
        assert f"by a factor of {JUMP_FACTORS[kind]:g} or more" in notes[0]


@pytest.mark.parametrize(
    "values",
    [
        [80, 76, 72, 68, 64, 60, 56, 52],  # a steady loss of 4 kg a week, 35 % in seven weeks
        [52, 56, 60, 64, 68, 72],  # regained as steadily
        [70, 70, 58, 57, 57, 56],  # a step that holds (an amputation, a large paracentesis)
        [70, 69, 70, 41],  # a step at the end: no reading after it to say it came back
        [41, 69, 70, 69],  # nor one before the first
    ],
)
def test_real_change_runs_one_way_and_is_kept(values: list[float]) -> None:
    screened = Plausibility(ADULT).screen(series("weight", "2026-09-01", values))
    assert screened.set_aside == ()


def test_a_childs_growth_is_kept_and_a_height_that_dips_and_grows_back_is_not() -> None:
    # An infant's weight from birth, monthly: it nearly doubles in three months, one way
    infant = Plausibility("2026-01-01").screen(series("weight", "2026-01-01", [3.3, 4.5, 5.6, 6.4, 7.0], 30))
    assert infant.set_aside == ()
    # A child of 9's height over a year, growing
    child = Plausibility("2017-03-01").screen(series("height", "2026-01-05", [130, 133, 136, 139], 90))
    assert child.set_aside == ()
    # A height 11 % under the child's heights either side of it months apart: no child shrinks and grows back
    dipped = Plausibility("2017-03-01").screen(series("height", "2026-01-05", [130, 133, 119, 136], 90))
    assert set_aside(dipped.set_aside) == ["Observation/height-2"]
    assert "by a factor of 1.1 or more" in dipped.set_aside[0]


def test_neighbours_beyond_the_window_are_not_compared() -> None:
    # The readings either side are over 90 days away: a weight's neighbours are within 90 days
    readings = series("weight", "2026-01-01", [70, 41, 69], 100)
    assert Plausibility(ADULT).screen(readings).set_aside == ()


def test_two_readings_that_agree_corroborate_each_other() -> None:
    # 41 kg charted twice an hour apart among 69s: each has the other beside it, so neither jumps alone
    readings = [
        *series("weight", "2026-11-02", [69, 69]),
        Reading("weight", datetime(2026, 11, 16, 8, tzinfo=UTC), 41, "Observation/a"),
        Reading("weight", datetime(2026, 11, 16, 9, tzinfo=UTC), 41.2, "Observation/b"),
        Reading("weight", datetime(2026, 11, 23, 9, tzinfo=UTC), 68.8, "Observation/c"),
    ]
    assert Plausibility(ADULT).screen(readings).set_aside == ()


def test_of_readings_that_alternate_only_the_ones_most_others_disagree_with_go() -> None:
    readings = series("weight", "2026-09-01", [69, 41, 69, 41, 69])
    assert set_aside(Plausibility(ADULT).screen(readings).set_aside) == [
        "Observation/weight-1",
        "Observation/weight-3",
    ]


def test_the_jump_rule_does_not_depend_on_the_order_of_the_readings() -> None:
    readings = series("weight", "2026-09-01", [70, 69, 41, 68.8, 90, 69])
    plausible = Plausibility(ADULT)
    assert plausible.screen(readings) == plausible.screen(list(reversed(readings)))
