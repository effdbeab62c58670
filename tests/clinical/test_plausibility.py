"""Not plausible is not a fact (docs/facts.md "Plausibility"): what the record cannot vouch for, and why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cds_service.clinical.amputations import amputations
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.codes import ICD10CM, Agent
from cds_service.clinical.plausibility import (
    BODY_RANGES,
    GROWING_HEIGHT_WINDOW,
    HUMAN_RANGE,
    Plausibility,
    Reading,
    dose_not_credible,
    vital_status,
)
from tests.clinical.builders import bsa, height, patient, pool_of, weight

ON = date(2026, 11, 28)


def reading(kind: str, day: str, value: float, rid: str | None = None) -> Reading:
    when = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return Reading(kind, when, value, f"Observation/{rid or kind + '-' + day}")


# Vital status


def test_a_deceased_flag_without_a_date_is_deceased_now() -> None:
    found = vital_status({"resourceType": "Patient", "id": "p", "deceasedBoolean": True}, ON)
    assert (found.value, found.evidence) == (True, ("Patient/p",))
    assert "no date of death" in found.reason


@pytest.mark.parametrize(("died", "words"), [("2026-11-01", "on or before"), ("2026-11-28", "on or before")])
def test_a_date_of_death_on_or_before_the_order_date_says_so(died: str, words: str) -> None:
    found = vital_status({"resourceType": "Patient", "id": "p", "deceasedDateTime": died}, ON)
    assert found.value is True and f"deceased on {died}, {words} the order date" in found.reason


def test_a_date_of_death_after_the_order_or_unreadable_is_still_deceased() -> None:
    later = vital_status({"resourceType": "Patient", "id": "p", "deceasedDateTime": "2027-03-01"}, ON)
    assert later.value is True and "after the order date" in later.reason
    unreadable = vital_status({"resourceType": "Patient", "id": "p", "deceasedDateTime": "soon"}, ON)
    assert unreadable.value is True and "unreadable" in unreadable.reason
    odd = vital_status({"resourceType": "Patient", "id": "p", "deceasedBoolean": "yes"}, ON)
    assert odd.value is True


def test_alive_or_no_patient_is_not_deceased() -> None:
    assert vital_status({"resourceType": "Patient", "id": "p", "deceasedBoolean": False}, ON).value is False
    assert vital_status({"resourceType": "Patient", "id": "p"}, ON).value is False
    assert vital_status(None, ON).value is False


# Age


def test_an_age_the_record_cannot_vouch_for_is_unknown() -> None:
    assert Plausibility("1972-03-15").age_on(ON) == (54, "age on 2026-11-28")
    before, why = Plausibility("2027-01-01").age_on(ON)
    assert before is None and "before the birth date 2027-01-01" in why
    ancient, why = Plausibility("1880-01-01").age_on(ON)
    assert ancient is None and "not plausible" in why
    assert Plausibility("2008").age_on(date(2026, 6, 1))[0] is None  # 17 or 18
    assert Plausibility(None).age_on(ON) == (None, "the Patient has no birth date")


def test_a_growing_childs_height_sizes_only_doses_within_a_year() -> None:
    plausible = Plausibility("2010-06-01")
    assert plausible.height_window(date(2026, 5, 31)) == GROWING_HEIGHT_WINDOW  # 15
    assert plausible.height_window(date(2028, 6, 1)) == timedelta.max  # 18
    assert Plausibility(None).height_window(ON) == GROWING_HEIGHT_WINDOW  # age unknown: growing


# Body measurements


def test_the_range_table_spans_every_age_and_bounds_each_kind() -> None:
    assert sorted(BODY_RANGES) == list(range(21))
    for ranges in BODY_RANGES.values():
        for low, high in ranges:
            assert 0 < low < high
        for (low, high), (human_low, human_high) in zip(ranges, HUMAN_RANGE, strict=True):
            assert human_low <= low and high <= human_high
    # a grown woman's 64.5 "cm" (inches) is outside, 150 cm is inside
    adult = BODY_RANGES[20].height_cm
    assert not adult[0] <= 64.5 <= adult[1] and adult[0] <= 150 <= adult[1]


@pytest.mark.parametrize(
    ("birth", "kind", "value", "kept"),
    [
        ("1972-03-15", "height", 64.5, False),  # an adult's 164 cm typed in inches
        ("1972-03-15", "height", 164, True),
        ("1972-03-15", "weight", 0.07, False),  # 70 g for 70 kg
        ("1972-03-15", "weight", 27.2, True),  # within range: only agreement can catch it
        ("2023-06-01", "height", 37.4, False),  # a 3-year-old's 95 cm in inches
        ("2023-06-01", "height", 95, True),
        ("2023-06-01", "weight", 140, False),
        (None, "height", 64.5, True),  # age unknown: only the human extremes apply
        (None, "height", 12, False),
    ],
)
def test_a_measurement_outside_the_range_for_the_age_is_set_aside(
    birth: str | None, kind: str, value: float, kept: bool
) -> None:
    screened = Plausibility(birth).screen([reading(kind, "2026-11-20", value, "m")])
    assert bool(screened.kept[kind]) is kept
    if not kept:
        (note,) = screened.set_aside
        assert note.startswith("Observation/m set aside: ") and "outside the plausible" in note
        assert screened.aside_by_kind[kind] == 1


def test_a_measurement_before_birth_is_set_aside() -> None:
    screened = Plausibility("2020-05-01").screen([reading("weight", "2019-01-01", 3.4, "w")])
    assert screened.kept["weight"] == [] and "before the birth date 2020-05-01" in screened.set_aside[0]


def test_a_weight_ten_times_the_others_is_set_aside_and_the_others_kept() -> None:
    readings = [reading("weight", day, 30) for day in ("2026-09-01", "2026-10-01", "2026-11-01")]
    readings.append(reading("weight", "2026-11-20", 300, "slip"))
    screened = Plausibility(None).screen(readings)
    assert [r.value for r in screened.kept["weight"]] == [30, 30, 30]
    (note,) = screened.set_aside
    assert note.startswith("Observation/slip set aside: weight 300 kg") and "3 of 3 near it" in note


def test_of_two_readings_that_disagree_neither_is_trusted() -> None:
    screened = Plausibility("1972-03-15").screen(
        [reading("weight", "2026-10-01", 60, "kg"), reading("weight", "2026-11-20", 27.2, "lb")]
    )
    assert screened.kept["weight"] == [] and len(screened.set_aside) == 2


def test_readings_far_apart_in_time_are_not_compared() -> None:
    weights = [reading("weight", "2025-01-01", 100), reading("weight", "2026-11-01", 45)]
    assert len(Plausibility("1972-03-15").screen(weights).kept["weight"]) == 2  # a year apart
    # a child's heights nine years apart double: growth, not a slip
    heights = [reading("height", "2017-06-01", 75), reading("height", "2026-11-01", 150)]
    assert len(Plausibility("2016-06-01").screen(heights).kept["height"]) == 2


def test_a_charted_bsa_agreeing_with_its_height_and_weight_is_kept() -> None:
    same_day = [reading("height", "2026-11-20", 165), reading("weight", "2026-11-20", 60)]
    right = Plausibility("1972-03-15").screen([*same_day, reading("bsa", "2026-11-20", 1.7, "b")])
    assert len(right.kept["bsa"]) == 1 and right.set_aside == () and right.conflicts == ()


def test_a_charted_bsa_far_from_its_height_and_weight_alone_conflicts_neither_side_is_used() -> None:
    """Two measures of body size that disagree: which is wrong cannot be told from them alone."""
    same_day = [reading("height", "2026-11-20", 165, "h"), reading("weight", "2026-11-20", 60, "w")]
    screened = Plausibility("1972-03-15").screen([*same_day, reading("bsa", "2026-11-20", 1.0, "b")])
    (conflict,) = screened.conflicts
    assert conflict.bsa == "Observation/b" and conflict.pair == ("Observation/h", "Observation/w")
    assert "which is wrong cannot be told" in conflict.reason and "1.66 m2" in conflict.reason
    assert screened.set_aside == (conflict.reason,)
    body = BodySurfaceArea(
        [height("h", "2026-11-20", 165), weight("w", "2026-11-20", 60), bsa("b", "2026-11-20", 1.0)],
        plausibility=Plausibility("1972-03-15"),
    )
    assert body.on(date(2026, 11, 20)) is None
    assert "which is wrong cannot be told" in body.missing_reason(date(2026, 11, 20))


def test_a_bsa_carried_forward_beside_every_visits_weight_conflicts_at_every_visit() -> None:
    """A BSA of 1.17 m2 charted at each visit beside 165 cm and 68 kg (1.77 m2): each side repeats
    itself, so the patient's readings bear out both, and neither sizes a dose."""
    visits = ("2026-09-14", "2026-10-05", "2026-10-26")
    measures = [height("h", "2026-07-28", 165)]
    for i, day in enumerate(visits):
        measures += [weight(f"w{i}", f"{day}T08:40:00Z", 68), bsa(f"b{i}", f"{day}T08:40:00Z", 1.17)]
    body = BodySurfaceArea(measures, plausibility=Plausibility("1970-01-01"))
    for day in visits:
        assert body.on(datetime.fromisoformat(f"{day}T10:15:00+00:00")) is None
    assert "bear out both" in body.missing_reason(date(2026, 10, 5))


def test_the_side_the_other_readings_bear_out_is_kept() -> None:
    # Weights of 60 kg at three visits bear out the Mosteller BSA (1.66): the lone charted 1.0 goes.
    measures = [reading("height", "2026-08-01", 165, "h")] + [
        reading("weight", day, 60, f"w-{day}") for day in ("2026-09-01", "2026-10-01", "2026-11-20")
    ]
    screened = Plausibility("1972-03-15").screen([*measures, reading("bsa", "2026-11-20", 1.0, "b")])
    assert screened.kept["bsa"] == [] and screened.conflicts == ()
    assert "which the patient's other readings bear out" in screened.set_aside[0]
    # Charted BSAs of 1.0 at three visits and one weight beside the last: the charted side is borne
    # out, and that height and weight do not size a dose together
    charted = [reading("bsa", day, 1.0, f"b-{day}") for day in ("2026-09-01", "2026-10-01", "2026-11-20")]
    screened = Plausibility("1972-03-15").screen(
        [reading("height", "2026-11-20", 165, "h"), reading("weight", "2026-11-20", 60, "w"), *charted]
    )
    assert len(screened.kept["bsa"]) == 3
    assert [(c.bsa, c.pair) for c in screened.conflicts] == [("", ("Observation/h", "Observation/w"))]


def test_a_lone_weight_no_height_allows_is_set_aside() -> None:
    # 240 "kg" beside a height of 150 cm: each within its own range for an adult, a BMI of 107 together
    lone = Plausibility("1972-03-15").screen(
        [reading("height", "2026-11-01", 150, "h"), reading("weight", "2026-11-20", 240, "w")]
    )
    assert lone.kept["weight"] == [] and "body-mass index of 106.7" in lone.set_aside[0]
    assert len(lone.kept["height"]) == 1
    # the same weight with another weight near it is compared with that one instead (the outlier rule)
    kept = Plausibility("1972-03-15").screen(
        [reading("height", "2026-11-01", 170, "h"), reading("weight", "2026-11-20", 95, "w")]
    )
    assert len(kept.kept["weight"]) == 1  # BMI 32.9: plausible
    infant = Plausibility("2026-06-01").screen(
        [reading("height", "2026-11-01", 40, "h"), reading("weight", "2026-11-20", 0.9, "w")]
    )
    assert len(infant.kept["weight"]) == 1  # under 2: a preterm infant's BMI is not held to the range


def test_the_screen_does_not_depend_on_the_order_of_the_readings() -> None:
    readings = [
        reading("weight", "2026-11-01", 60, "a"),
        reading("weight", "2026-11-10", 6, "b"),
        reading("height", "2026-11-01", 64.5, "c"),
        reading("weight", "2026-11-05", 61, "d"),
    ]
    plausible = Plausibility("1972-03-15")
    assert plausible.screen(readings) == plausible.screen(list(reversed(readings)))


def test_the_bsa_names_what_was_set_aside_and_is_not_sized_by_it() -> None:
    body = BodySurfaceArea(
        [height("h", "2026-11-27", 64.5), weight("w", "2026-11-27", 60)],
        plausibility=Plausibility("1972-03-15"),
    )
    assert body.on(ON) is None
    assert body.missing_reason(ON) == "no plausible height (1 set aside as implausible)"
    assert body.set_aside[0].startswith("Observation/h set aside: height 64.5 cm")


def test_an_adults_height_sizes_doses_at_any_distance_a_childs_within_a_year() -> None:
    measures = [
        height("h", "2026-11-27", 175),
        weight("w15", "2023-05-03", 50),
        weight("w19", "2026-11-27", 60),
    ]
    grown_since = BodySurfaceArea(measures, plausibility=Plausibility("2007-06-01"))
    assert grown_since.on(date(2023, 5, 3)) is None  # 15 at the dose: the height is 3 years away
    assert grown_since.on(ON) is not None
    always_adult = BodySurfaceArea(measures, plausibility=Plausibility("1972-03-15"))
    assert always_adult.on(date(2023, 5, 3)) is not None
    charted = BodySurfaceArea([bsa("b", "2023-05-03", 1.5)], plausibility=Plausibility("2007-06-01"))
    assert charted.on(date(2023, 5, 3)) is not None  # a charted BSA needs no height


def test_a_single_dose_no_regimen_gives_is_not_credible() -> None:
    assert dose_not_credible(Agent.DOXORUBICIN, 75) == ""
    assert "not credible" in dose_not_credible(Agent.DOXORUBICIN, 500)
    assert dose_not_credible(Agent.DEXRAZOXANE, 5000) == ""  # no bound for dexrazoxane
    assert dose_not_credible(Agent.IDARUBICIN, None) == ""


# An adult's heights, and an amputee's body


def test_two_adult_heights_ten_percent_apart_conflict_and_neither_is_trusted() -> None:
    # an amputee measured after the loss beside his height of before: 104 and 178 cm, both adult heights
    screened = Plausibility("1974-02-14").screen(
        [reading("height", "2015-03-02", 178, "before"), reading("height", "2026-08-05", 104, "after")]
    )
    assert screened.kept["height"] == []
    assert "an adult's height does not change" in screened.set_aside[0]
    # heights measured years apart that differ by what age and a stadiometer take away agree
    shrinking = [reading("height", "2006-01-01", 165), reading("height", "2026-01-01", 158)]
    assert len(Plausibility("1940-01-01").screen(shrinking).kept["height"]) == 2


def test_of_three_adult_heights_the_one_the_others_do_not_bear_out_is_set_aside() -> None:
    heights = [
        reading("height", "2020-01-01", 178),
        reading("height", "2024-01-01", 177),
        reading("height", "2026-08-05", 160, "slip"),
    ]
    screened = Plausibility("1974-02-14").screen(heights)
    assert [r.value for r in screened.kept["height"]] == [178, 177]
    assert screened.set_aside[0].startswith("Observation/slip set aside: height 160 cm")


def test_a_height_taken_growing_is_not_held_to_an_adults_tolerance() -> None:
    # 157 cm at 15 and 175 at 19: growth, not a conflict (the adult height is compared with adult ones)
    heights = [reading("height", "2022-06-01", 157), reading("height", "2026-06-01", 175)]
    assert len(Plausibility("2007-01-01").screen(heights).kept["height"]) == 2


def _amputee(onset: str | None, *measures: dict[str, object]) -> BodySurfaceArea:
    condition: dict[str, object] = {
        "resourceType": "Condition",
        "id": "aka",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": ICD10CM, "code": "Z89.611"}]},
    }
    if onset:
        condition["onsetDateTime"] = onset
    pool = pool_of(patient("1974-02-14"), condition)
    return BodySurfaceArea(measures, plausibility=Plausibility.of(pool))


def test_an_amputees_height_and_weight_size_no_dose_after_the_amputation() -> None:
    body = _amputee("2016-05-02", height("h", "2015-03-02", 178), weight("w", "2026-11-27", 57))
    assert body.on(ON) is None
    assert body.missing_reason(ON).startswith(
        "Condition/aka records a limb amputation (Z89.611, 2016-05-02): a height and weight give no "
        "amputee's BSA"
    )
    # a dose before the amputation was sized on the whole body
    whole = _amputee("2016-05-02", height("h", "2015-03-02", 178), weight("w", "2015-03-02", 80))
    assert whole.on(date(2015, 3, 3)) is not None
    # an undated amputation could be before any dose
    assert (
        _amputee(None, height("h", "2015-03-02", 178), weight("w", "2015-03-02", 80)).on(date(2015, 3, 3))
        is None
    )


def test_a_bsa_charted_since_the_amputation_sizes_the_dose_one_charted_before_does_not() -> None:
    since = _amputee("2016-05-02", bsa("b", "2026-11-20", 1.45), weight("w", "2026-11-27", 57))
    found = since.on(ON)
    assert found is not None and found.m2 == 1.45 and "since the amputation" in found.note
    before = _amputee("2026-11-25", bsa("b", "2026-11-20", 1.8))
    assert before.on(ON) is None


@pytest.mark.parametrize(
    ("code", "text", "read"),
    [
        ("Z89.512", None, True),  # the leg below the knee
        ("Z89.421", None, False),  # toes: no BSA a dose is sized by
        ("Z90.11", "Acquired absence of right breast and nipple", False),  # a mastectomy is no limb
        (None, "Right above-knee amputation", True),
        # the ICD-10 title in words, its code not read; an organ or an edema is no limb lost
        (None, "Acquired absence of right leg above knee", True),
        (None, "Acquired absence of left kidney", False),
        (None, "No absence of leg edema", False),
    ],
)
def test_which_conditions_record_a_limb_amputation(code: str | None, text: str | None, read: bool) -> None:
    concept: dict[str, object] = {}
    if code:
        concept["coding"] = [{"system": ICD10CM, "code": code}]
    if text:
        concept["text"] = text
    pool = pool_of({"resourceType": "Condition", "id": "c", "code": concept})
    assert bool(amputations(pool)) is read


# Nothing measured in the future is a measurement


@pytest.mark.parametrize(
    ("when", "kept"),
    [
        ("2026-11-29T13:59:00+00:00", True),  # still today at -14:00, the last offset FHIR allows
        ("2026-11-29T23:30:00-10:00", False),  # 2026-11-30 09:30 UTC: tomorrow everywhere
        ("2026-11-29", True),  # dated tomorrow: it may be today where it was measured
        ("2026-11-30", False),  # the day after tomorrow
        ("2027-11-27", False),  # the year typed wrong
    ],
)
def test_a_reading_dated_after_today_in_every_time_zone_is_set_aside(when: str, kept: bool) -> None:
    moment = datetime.fromisoformat(when)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    found = Reading("weight", moment, 68.0, "Observation/w")
    screened = Plausibility("1972-03-15", today=ON).screen([found])
    assert (screened.kept["weight"] == [found]) is kept
    if not kept:
        assert screened.set_aside == (
            f"Observation/w set aside: weight 68 kg on {moment.date().isoformat()} is dated after today "
            "(2026-11-28): nothing measured in the future is a measurement",
        )
        assert screened.aside_by_kind["weight"] == 1
    # without a today (a reader asked alone) no reading is held to one
    assert Plausibility("1972-03-15").screen([found]).kept["weight"] == [found]


def test_a_future_reading_sizes_no_dose_and_the_real_ones_do() -> None:
    measures = [
        height("h", "2026-11-01T08:00:00Z", 170),
        weight("w", "2026-11-01T08:00:00Z", 68),
        weight("w-ahead", "2026-12-05T08:00:00Z", 45),  # nearer the order, a week from now
    ]
    body = BodySurfaceArea(measures, plausibility=Plausibility("1972-03-15", today=ON))
    found = body.on(ON)
    assert found is not None and found.evidence == ("Observation/h", "Observation/w")
    assert body.set_aside == (
        "Observation/w-ahead set aside: weight 45 kg on 2026-12-05 is dated after today (2026-11-28): "
        "nothing measured in the future is a measurement",
    )
    # the only weight in the future: no BSA, and why
    alone = BodySurfaceArea(measures[:1] + measures[2:], plausibility=Plausibility("1972-03-15", today=ON))
    assert alone.on(ON) is None and "no plausible weight (1 set aside" in alone.missing_reason(ON)


def test_a_record_dated_after_today_conflicts_whatever_the_orders_date() -> None:
    plausible = Plausibility("1972-03-15", today=ON)
    ahead = date(2026, 12, 8)  # an order written for ten days on
    assert plausible.dated_conflict(date(2026, 12, 5), ahead) == (
        "dated 2026-12-05, after today (2026-11-28): an event still to come"
    )
    # ... even where a day after the order is no conflict (the day a diagnosis was recorded)
    assert "after today" in plausible.dated_conflict(date(2026, 12, 5), ON, after=False)
    # tomorrow may be today where it was written; an order of today still rests on nothing after it
    assert plausible.dated_conflict(date(2026, 11, 29), ahead) == ""
    assert "after the order of 2026-11-28" in plausible.dated_conflict(date(2026, 11, 29), ON)
    assert Plausibility("1972-03-15").dated_conflict(date(2026, 12, 5), ahead) == ""


# Copies of the Patient and ages recorded (docs/facts.md "Copies of the Patient that disagree", "An age
# recorded against the birth date")

TODAY = date(2026, 12, 7)


def _copy(birth: str | None, version: str, **more: object) -> dict[str, object]:
    found = {**patient(birth), "meta": {"versionId": version}, **more}
    return found


@pytest.mark.parametrize("order", [0, 1])
def test_copies_of_the_patient_with_birth_dates_that_disagree_leave_the_age_unknown(order: int) -> None:
    copies = [_copy("1972-03-14", "3"), _copy("2012-03-14", "4")]
    if order:
        copies.reverse()
    age, why = Plausibility.of(pool_of(*copies)).age_on(TODAY)
    assert age is None
    assert why == (
        "the Patient's copies give 2 birth dates, 1972-03-14 and 2012-03-14: age 14 or 54 on 2026-12-07, "
        "which is right is not known"
    )
    # an administration before the earliest of them is before birth, whichever copy is right
    plausible = Plausibility.of(pool_of(*copies))
    assert plausible.before_birth(date(1970, 1, 1)) and not plausible.before_birth(date(2000, 1, 1))


def test_copies_of_the_patient_that_agree_give_its_age() -> None:
    # the same date, and a year-only date the full one falls in, are one birth date: the narrowest read
    same = Plausibility.of(pool_of(_copy("1972-03-14", "3"), _copy("1972-03-14", "4", gender="male")))
    assert same.age_on(TODAY) == (54, "age on 2026-12-07")
    partial = Plausibility.of(pool_of(_copy("1972-03-14", "3"), _copy("1972", "4")))
    assert partial.age_on(TODAY) == (54, "age on 2026-12-07")
    # two dates a day apart give one age far from either birthday: known there, and said to agree
    close = Plausibility.of(pool_of(_copy("1972-03-14", "3"), _copy("1972-03-15", "4")))
    assert close.age_on(TODAY) == (
        54,
        "age on 2026-12-07 (the birth dates 1972-03-14 or 1972-03-15 agree on it)",
    )
    assert close.age_on(date(2026, 3, 14))[0] is None  # 53 or 54 that day
    # a copy with no birth date says nothing against the others
    assert Plausibility.of(pool_of(_copy(None, "3"), _copy("1972-03-14", "4"))).age_on(TODAY)[0] == 54


def test_a_birth_date_that_cannot_be_read_beside_one_that_can_leaves_the_age_unknown() -> None:
    age, why = Plausibility.of(pool_of(_copy("1972-03-14", "3"), _copy("14/03/1972", "4"))).age_on(TODAY)
    assert age is None
    assert why.startswith("the Patient's copies give 2 birth dates, 1972-03-14 and '14/03/1972'")


@pytest.mark.parametrize("order", [0, 1])
def test_a_death_one_copy_records_is_read_whatever_the_others_say(order: int) -> None:
    copies = [_copy("1972-03-14", "3", deceasedDateTime="2026-11-01"), _copy("1972-03-14", "4")]
    if order:
        copies.reverse()
    found = vital_status(copies, TODAY)
    assert found.value is True
    assert found.reason == (
        "the Patient is recorded as deceased on 2026-11-01, on or before the order date 2026-12-07 "
        "(another copy of it does not)"
    )
    assert vital_status([_copy("1972-03-14", "3"), _copy("1972-03-14", "4")], TODAY).value is False
    assert vital_status([], TODAY).value is False


def _stated(rid: str, on: str | None, value: dict[str, object]) -> dict[str, object]:
    found = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "30525-0"}]},
        "subject": {"reference": "Patient/p"},
        **value,
    }
    if on is not None:
        found["effectiveDateTime"] = on
    return found


def test_an_age_recorded_more_than_a_year_from_the_birth_dates_leaves_the_age_unknown() -> None:
    fifteen = _stated("obs-age", "2026-11-20T08:00:00-05:00", {"valueQuantity": {"value": 15, "code": "a"}})
    age, why = Plausibility.of(pool_of(patient("2007-10-01"), fifteen)).age_on(TODAY)
    assert age is None
    assert why == (
        "Observation/obs-age records age 15 a (on 2026-11-20), the birth date 2007-10-01 gives 19 on "
        "2026-11-20: more than 1 year apart, which is right is not known"
    )
    # every day's age, not only the order's: the birth date itself is in question
    assert Plausibility.of(pool_of(patient("2007-10-01"), fifteen)).age_on(date(2026, 1, 1))[0] is None


@pytest.mark.parametrize(
    ("on", "value"),
    [
        ("2026-09-30", {"valueInteger": 18}),  # 18.99 written in whole years, rounded down
        ("2026-09-30", {"valueInteger": 19}),  # ... or to the nearest
        ("2020-11-20", {"valueInteger": 13}),  # an age recorded years ago, for then
        ("2026-11-20", {"valueQuantity": {"value": 230, "code": "mo"}}),  # 19 years 2 months, in months
        (None, {"valueInteger": 19}),  # undated, the age now
    ],
)
def test_an_age_recorded_that_the_birth_date_gives_is_no_conflict(
    on: str | None, value: dict[str, object]
) -> None:
    found = Plausibility.of(pool_of(patient("2007-10-01"), _stated("a", on, value))).age_on(TODAY)
    assert found == (19, "age on 2026-12-07")


def test_an_undated_age_older_than_the_birth_date_allows_or_one_not_read_leaves_the_age_unknown() -> None:
    older = _stated("a", None, {"valueInteger": 25})
    age, why = Plausibility.of(pool_of(patient("2007-10-01"), older)).age_on(TODAY)
    assert age is None and "records age 25 (years) (undated)" in why
    # ... or younger: when it was recorded is not read, and it may be recent (the same Observation dated
    # 17 days ago conflicts: losing its date must not settle the age)
    younger = _stated("a", None, {"valueInteger": 15})
    age, why = Plausibility.of(pool_of(patient("2007-10-01"), younger)).age_on(TODAY)
    assert age is None and "records age 15 (years) (undated)" in why
    # a value missing with no reason given is not read; one a data-absent-reason replaces states nothing
    missing = _stated("a", "2026-11-20", {})
    assert Plausibility.of(pool_of(patient("2007-10-01"), missing)).age_on(TODAY)[0] is None
    absent = _stated("a", "2026-11-20", {"dataAbsentReason": {"coding": [{"code": "unknown"}]}})
    assert Plausibility.of(pool_of(patient("2007-10-01"), absent)).age_on(TODAY) == (19, "age on 2026-12-07")
    unread = _stated("a", "2026-11-20", {"valueString": "fifteen"})
    age, why = Plausibility.of(pool_of(patient("2007-10-01"), unread)).age_on(TODAY)
    assert age is None
    assert why == (
        "Observation/a records an age that cannot be read (a valueString fifteen) beside the birth date "
        "2007-10-01: the age is not known"
    )


@pytest.mark.parametrize(
    ("code", "note", "conflicts"),
    [
        ({}, "Age at specimen collection (lab interface)", True),  # its LOINC code lost, its words kept
        ({"text": "Patient age"}, None, True),
        ({"coding": [{"system": "urn:local", "code": "AGE"}]}, None, True),  # nothing names it; a time
        ({"text": "Gestational age"}, None, False),  # a fetus's age, not the patient's
        ({"text": "Bone age"}, None, False),
        ({"text": "Age at diagnosis"}, None, False),
        ({"text": "Duration of symptoms"}, None, False),  # it says what it is, and that is no age
    ],
)
def test_an_observation_whose_code_is_not_read_is_an_age_when_its_words_or_value_say_so(
    code: dict[str, object], note: str | None, conflicts: bool
) -> None:
    """Not read is not absent: an age Observation that lost its LOINC code says no less (docs/facts.md
    "An age recorded against the birth date")."""
    observation = _stated("a", "2026-11-20", {"valueQuantity": {"value": 15, "code": "a"}})
    observation["code"] = code
    if note is not None:
        observation["note"] = [{"text": note}]
    age, _why = Plausibility.of(pool_of(patient("2007-10-01"), observation)).age_on(TODAY)
    assert (age is None) is conflicts


# The order's own date


def _order(written: str | None) -> dict[str, object]:
    order: dict[str, object] = {"resourceType": "MedicationRequest", "id": "dex"}
    if written is not None:
        order["authoredOn"] = written
    return order


def test_an_order_written_after_today_is_read_as_of_today() -> None:
    plausible = Plausibility("2008-12-20", today=ON)
    day, why = plausible.order_written(_order("2026-12-28"))
    assert day is None
    assert "MedicationRequest/dex: its date 2026-12-28 is after today (2026-11-28)" in why
    assert "read as of today" in why
    # a time and offset: the instant is held to today's end in every time zone (14:00 UTC tomorrow)
    assert plausible.order_written(_order("2026-11-29T20:00:00Z"))[0] is None
    assert plausible.order_written(_order("2026-11-29T08:00:00Z")) == (date(2026, 11, 29), "")


def test_an_order_written_today_tomorrow_or_before_keeps_its_date() -> None:
    plausible = Plausibility("2008-12-20", today=ON)
    assert plausible.order_written(_order("2026-11-28")) == (ON, "")
    assert plausible.order_written(_order("2026-11-29")) == (date(2026, 11, 29), "")  # today somewhere
    assert plausible.order_written(_order("2026-10-05")) == (date(2026, 10, 5), "")
    assert plausible.order_written(_order(None)) == (None, "")
    assert plausible.order_written(_order("2026-13-45")) == (None, "")  # unreadable: said by the caller
    # no today known (a reader asked alone): nothing is held to it
    assert Plausibility("2008-12-20").order_written(_order("2030-01-01")) == (date(2030, 1, 1), "")


# An onset that cannot be the patient's


def _onset(**written: object) -> dict[str, object]:
    return {"resourceType": "Condition", "id": "hl", "recordedDate": "2026-09-01", **written}


def _age(value: float, code: str = "a") -> dict[str, object]:
    return {"value": value, "unit": code, "system": "http://unitsofmeasure.org", "code": code}


@pytest.mark.parametrize(
    "written",
    [
        {"onsetAge": _age(52)},
        {"onsetAge": _age(17)},  # more than a year older than the 15-year-old
        {"onsetRange": {"low": _age(40), "high": _age(50)}},
        {"onsetString": "diagnosed at age 45"},
        {"onsetString": "52 years"},
        {"onsetString": "2005-03-01"},  # before the birth
    ],
)
def test_an_onset_older_than_the_patient_is_not_the_patients(written: dict[str, object]) -> None:
    why = Plausibility("2011-06-01", today=ON).onset_not_the_patients(_onset(**written))
    assert why
    assert "2011-06-01" in why


@pytest.mark.parametrize(
    "written",
    [
        {"onsetAge": _age(15)},
        {"onsetAge": _age(16)},  # within a year of 15 and 3 months: one record's rounding
        {"onsetAge": _age(8, "mo")},
        {"onsetRange": {"low": _age(10), "high": _age(14)}},
        {"onsetString": "2 years ago"},
        {"onsetString": "in the spring"},
        {"onsetAge": {"value": "fifty"}},  # not read as an age: held to nothing
        {"onsetDateTime": "2020-01-01"},
    ],
)
def test_an_onset_the_patient_could_have_is_theirs(written: dict[str, object]) -> None:
    assert Plausibility("2011-06-01", today=ON).onset_not_the_patients(_onset(**written)) == ""


def test_an_onset_age_is_held_to_the_age_when_recorded_else_today() -> None:
    # 52 is older than any age: conflicts whenever recorded; with no birth date nothing is known to hold
    assert Plausibility(None, today=ON).onset_not_the_patients(_onset(onsetAge=_age(52))) == ""
    undated = {"resourceType": "Condition", "id": "hl", "onsetAge": _age(17)}
    assert Plausibility("2011-06-01", today=ON).onset_not_the_patients(undated)  # 15 today
    assert Plausibility("2011-06-01", today=date(2029, 1, 1)).onset_not_the_patients(undated) == ""


def test_a_birth_date_only_an_earlier_copy_of_the_patient_gives_is_read() -> None:
    """The last copy may lack the birth date an earlier version gives: that date is the patient's."""
    age, why = Plausibility(None, other_birth_dates=["1970-05-01"]).age_on(date(2026, 12, 7))
    assert (age, why) == (56, "age on 2026-12-07")
