from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.clinical import schedule as plans
from cds_service.clinical.codes import GTS_ABBREVIATION
from cds_service.clinical.limits import PLANNED_DOSES_PER_ORDER
from cds_service.clinical.schedule import (
    PlannedDose,
    PlannedSchedule,
    order_date,
    planned_schedule,
    range_in_words,
)
from cds_service.fhir.pool import Resource
from tests.clinical.builders import DOXORUBICIN, medication_request, timing


def test_count_with_period_from_bounds_start() -> None:
    order = medication_request(
        "o", DOXORUBICIN, (50, "mg/m2"), timing_=timing(count=4, period=21, start="2026-10-05")
    )
    schedule = planned_schedule(order)
    assert [d.when for d in schedule.doses] == [
        date(2026, 10, 5),
        date(2026, 10, 26),
        date(2026, 11, 16),
        date(2026, 12, 7),
    ]
    assert schedule.doses[0].amount == (50, "mg/m2")
    assert schedule.last_date == date(2026, 12, 7)


def test_count_starts_on_the_order_date_without_bounds() -> None:
    order = medication_request(
        "o", DOXORUBICIN, (50, "mg/m2"), authored="2026-10-05", timing_=timing(count=2, period=14)
    )
    assert [d.when for d in planned_schedule(order).doses] == [date(2026, 10, 5), date(2026, 10, 19)]


def test_bounds_period_with_frequency_and_period() -> None:
    # every 21 days from 1 Oct to 31 Dec inclusive: 1 Oct, 22 Oct, 12 Nov, 3 Dec, 24 Dec
    order = medication_request(
        "o", DOXORUBICIN, (60, "mg/m2"), timing_=timing(period=21, start="2026-10-01", end="2026-12-31")
    )
    schedule = planned_schedule(order)
    assert len(schedule.doses) == 5
    assert schedule.last_date == date(2026, 12, 24)


def test_count_with_no_spacing_keeps_the_number_not_the_dates() -> None:
    order = medication_request("o", DOXORUBICIN, (50, "mg/m2"), timing_={"repeat": {"count": 3}})
    doses = planned_schedule(order).doses
    assert len(doses) == 3
    assert all(d.when is None for d in doses)


def test_no_timing_is_one_dose_on_the_order_date() -> None:
    order = medication_request("o", DOXORUBICIN, (50, "mg/m2"), authored="2026-10-05")
    assert [d.when for d in planned_schedule(order).doses] == [date(2026, 10, 5)]


def test_repeat_without_count_or_end_is_open_ended() -> None:
    order = medication_request("o", DOXORUBICIN, (50, "mg/m2"), timing_=timing(period=21, start="2026-10-05"))
    schedule = planned_schedule(order)
    assert schedule.open_ended
    assert schedule.doses == ()


def test_dstu2_medication_order_shape() -> None:
    order = {
        "resourceType": "MedicationOrder",
        "dateWritten": "2026-10-05T10:00:00Z",
        "dosageInstruction": [
            {
                "timing": {"repeat": {"count": 2, "frequency": 1, "period": 3, "periodUnits": "wk"}},
                "doseQuantity": {"value": 90, "unit": "mg", "code": "mg"},
            }
        ],
    }
    assert order_date(order) == date(2026, 10, 5)
    doses = planned_schedule(order).doses
    assert [d.when for d in doses] == [date(2026, 10, 5), date(2026, 10, 26)]
    assert doses[0].amount == (90, "mg")


def test_events_are_dates() -> None:
    order = medication_request(
        "o", DOXORUBICIN, (50, "mg/m2"), timing_={"event": ["2026-11-02", "2026-10-12T09:00:00Z"]}
    )
    assert [d.when for d in planned_schedule(order).doses] == [date(2026, 10, 12), date(2026, 11, 2)]


def test_bounds_duration_ends_the_schedule() -> None:
    """Every 21 days for 12 weeks from 5 October: days 0, 21, 42 and 63 (day 84 is past the 12 weeks)."""
    order = {
        "resourceType": "MedicationRequest",
        "authoredOn": "2026-10-05",
        "dosageInstruction": [
            {
                "timing": {
                    "repeat": {
                        "frequency": 1,
                        "period": 21,
                        "periodUnit": "d",
                        "boundsDuration": {"value": 12, "unit": "weeks", "code": "wk"},
                    }
                },
                "doseAndRate": [{"doseQuantity": {"value": 50, "code": "mg/m2"}}],
            }
        ],
    }
    schedule = planned_schedule(order)
    assert not schedule.open_ended
    assert [d.when for d in schedule.doses] == [
        date(2026, 10, 5),
        date(2026, 10, 26),
        date(2026, 11, 16),
        date(2026, 12, 7),
    ]


def test_a_coded_frequency_alone_is_an_open_ended_schedule() -> None:
    """timing.code Q3W with no repeat: several doses on dates the order does not give, not one dose."""
    order = medication_request("o", DOXORUBICIN, (60, "mg/m2"))
    order["dosageInstruction"][0]["timing"] = {"code": {"text": "Q3W"}}
    schedule = planned_schedule(order)
    assert schedule.open_ended and schedule.doses == ()


# --- FHIR Timing in full ----------------------------------------------------------------------------------


def order_with(repeat: dict[str, Any], **timing_: Any) -> Resource:
    """A 50 mg/m² doxorubicin order written 5 October 2026 (a Monday) with this ``timing.repeat``."""
    found = medication_request("o", DOXORUBICIN, (50, "mg/m2"), authored="2026-10-05")
    found["dosageInstruction"][0]["timing"] = {"repeat": repeat, **timing_} if repeat else timing_
    return found


def days_of(schedule: PlannedSchedule) -> list[date | None]:
    return [dose.when for dose in schedule.doses]


D = date(2026, 10, 5)


def test_count_range_plans_the_fewest_and_the_rest_as_optional() -> None:
    schedule = planned_schedule(
        order_with({"count": 4, "countMax": 6, "frequency": 1, "period": 21, "periodUnit": "d"})
    )
    assert days_of(schedule) == [D + timedelta(days=21 * i) for i in range(4)]
    assert [dose.when for dose in schedule.optional] == [D + timedelta(days=84), D + timedelta(days=105)]
    assert schedule.last_date == D + timedelta(days=105)  # the latest day a dose may fall on
    assert not schedule.open_ended and not schedule.unread


def test_count_max_alone_is_at_least_one_dose() -> None:
    schedule = planned_schedule(order_with({"countMax": 3, "frequency": 1, "period": 1, "periodUnit": "wk"}))
    assert len(schedule.doses) == 1 and len(schedule.optional) == 2


def test_bounds_range_counts_the_doses_at_its_low_and_its_high() -> None:
    # every 21 days for 6 to 12 weeks: days 0 and 21 fit in 42 days; 0, 21, 42 and 63 in 84
    repeat = {
        "frequency": 1,
        "period": 21,
        "periodUnit": "d",
        "boundsRange": {"low": {"value": 6, "code": "wk"}, "high": {"value": 12, "code": "wk"}},
    }
    schedule = planned_schedule(order_with(repeat))
    assert days_of(schedule) == [D, D + timedelta(days=21)]
    assert [d.when for d in schedule.optional] == [D + timedelta(days=42), D + timedelta(days=63)]


def test_bounds_range_without_a_high_end_is_open_ended_above_its_low() -> None:
    repeat = {
        "frequency": 1,
        "period": 21,
        "periodUnit": "d",
        "boundsRange": {"low": {"value": 6, "code": "wk"}},
    }
    schedule = planned_schedule(order_with(repeat))
    assert schedule.open_ended and len(schedule.doses) == 2


def test_frequency_range_over_bounds_is_a_range_of_undated_doses() -> None:
    # once or twice a week for 3 weeks: 3 to 6 doses; the days of the doses after the first are not one day
    repeat = {
        "frequency": 1,
        "frequencyMax": 2,
        "period": 1,
        "periodUnit": "wk",
        "boundsDuration": {"value": 3, "code": "wk"},
    }
    schedule = planned_schedule(order_with(repeat))
    assert days_of(schedule) == [D, None, None]
    assert [d.when for d in schedule.optional] == [None, None, None]


def test_period_range_with_a_count_keeps_the_count_and_dates_only_the_first() -> None:
    repeat = {"count": 4, "frequency": 1, "period": 21, "periodMax": 28, "periodUnit": "d"}
    schedule = planned_schedule(order_with(repeat))
    assert days_of(schedule) == [D, None, None, None] and schedule.optional == ()


def test_day_of_week_keeps_a_daily_dose_to_the_days_named() -> None:
    # daily on Monday, Wednesday and Friday for two weeks from Monday 5 October
    repeat = {
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
        "dayOfWeek": ["mon", "wed", "fri"],
        "boundsPeriod": {"start": "2026-10-05", "end": "2026-10-18"},
    }
    assert days_of(planned_schedule(order_with(repeat))) == [
        D + timedelta(days=n) for n in (0, 2, 4, 7, 9, 11)
    ]


def test_day_of_week_with_a_weekly_period_starts_on_the_first_day_named() -> None:
    # once a week on Thursday, three doses, written on Monday 5 October: 8, 15 and 22 October
    repeat = {"count": 3, "frequency": 1, "period": 1, "periodUnit": "wk", "dayOfWeek": ["thu"]}
    assert days_of(planned_schedule(order_with(repeat))) == [
        date(2026, 10, 8),
        date(2026, 10, 15),
        date(2026, 10, 22),
    ]


def test_day_of_week_every_third_week() -> None:
    repeat = {"count": 3, "frequency": 1, "period": 3, "periodUnit": "wk", "dayOfWeek": ["mon"]}
    assert days_of(planned_schedule(order_with(repeat))) == [
        D,
        D + timedelta(days=21),
        D + timedelta(days=42),
    ]


def test_day_of_week_that_cannot_be_placed_in_its_period_is_not_read() -> None:
    repeat = {"frequency": 1, "period": 10, "periodUnit": "d", "dayOfWeek": ["mon"]}
    schedule = planned_schedule(order_with({**repeat, "boundsDuration": {"value": 8, "code": "wk"}}))
    assert "dayOfWeek" in schedule.unread and schedule.doses == ()
    # a count still says how many: the days it cannot place are left undated
    assert days_of(planned_schedule(order_with({**repeat, "count": 3}))) == [None, None, None]


def test_times_of_day_are_doses_a_day() -> None:
    repeat = {"timeOfDay": ["08:00:00", "20:00:00"], "boundsDuration": {"value": 3, "code": "d"}}
    assert days_of(planned_schedule(order_with(repeat))) == [
        D,
        D,
        D + timedelta(days=1),
        D + timedelta(days=1),
        D + timedelta(days=2),
        D + timedelta(days=2),
    ]


def test_when_codes_are_doses_a_day() -> None:
    repeat = {"when": ["MORN", "EVE"], "offset": 30, "boundsDuration": {"value": 2, "code": "d"}}
    assert len(planned_schedule(order_with(repeat)).doses) == 4


def test_a_frequency_that_disagrees_with_the_times_listed_is_a_range() -> None:
    repeat = {
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
        "timeOfDay": ["08:00", "20:00"],
        "boundsDuration": {"value": 2, "code": "d"},
    }
    schedule = planned_schedule(order_with(repeat))
    assert (len(schedule.doses), len(schedule.optional)) == (2, 2)


def test_an_offset_of_a_day_or_more_is_not_a_time_of_the_event() -> None:
    repeat = {"when": ["HS"], "offset": 1440, "boundsDuration": {"value": 2, "code": "d"}}
    assert "offset" in planned_schedule(order_with(repeat)).unread


def test_a_coded_frequency_with_bounds_is_read_from_the_code() -> None:
    # BID for 3 days: six doses, two a day
    code = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": "BID"}]}
    schedule = planned_schedule(order_with({"boundsDuration": {"value": 3, "code": "d"}}, code=code))
    assert days_of(schedule) == [
        D,
        D,
        D + timedelta(days=1),
        D + timedelta(days=1),
        D + timedelta(days=2),
        D + timedelta(days=2),
    ]


def test_a_coded_frequency_is_read_by_its_oid_too() -> None:
    code = {"coding": [{"system": "urn:oid:2.16.840.1.113883.5.1022", "code": "QOD"}]}
    schedule = planned_schedule(order_with({"boundsDuration": {"value": 6, "code": "d"}}, code=code))
    assert days_of(schedule) == [D, D + timedelta(days=2), D + timedelta(days=4)]


def test_a_coded_frequency_not_read_with_bounds_is_not_read() -> None:
    schedule = planned_schedule(
        order_with({"boundsDuration": {"value": 12, "code": "wk"}}, code={"text": "Q3W"})
    )
    assert "timing.code" in schedule.unread and schedule.doses == ()


def test_a_duration_of_each_dose_does_not_change_the_doses() -> None:
    repeat = {
        "count": 2,
        "frequency": 1,
        "period": 21,
        "periodUnit": "d",
        "duration": 1e18,
        "durationUnit": "h",
    }
    assert days_of(planned_schedule(order_with(repeat))) == [D, D + timedelta(days=21)]


@pytest.mark.parametrize(
    ("repeat", "element"),
    [
        ({"count": 2.5}, "count"),
        ({"count": 0}, "count"),
        ({"count": -3}, "count"),
        ({"count": "4"}, "count"),
        ({"count": 4, "countMax": 2}, "countMax"),
        (
            {"frequency": 1, "period": -1, "periodUnit": "d", "boundsDuration": {"value": 2, "code": "wk"}},
            "period",
        ),
        (
            {
                "frequency": 1,
                "period": 1,
                "periodUnit": "fortnight",
                "boundsDuration": {"value": 2, "code": "wk"},
            },
            "periodUnit",
        ),
        (
            {"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": {"value": 0, "code": "d"}},
            "boundsDuration",
        ),
        (
            {
                "frequency": 1,
                "period": 1,
                "periodUnit": "d",
                "boundsPeriod": {"start": "2026-10-05", "end": "2026-10-01"},
            },
            "ends before",
        ),
        (
            {
                "frequency": 1,
                "period": 1,
                "periodUnit": "d",
                "boundsPeriod": {"start": "2026-10-05", "end": "not a date"},
            },
            "end",
        ),
        ({"dayOfWeek": ["someday"]}, "dayOfWeek"),
        ({"timeOfDay": ["25:00"]}, "timeOfDay"),
    ],
)
def test_an_element_present_but_not_readable_makes_the_schedule_unread(
    repeat: dict[str, Any], element: str
) -> None:
    schedule = planned_schedule(order_with(repeat))
    assert element in schedule.unread
    assert schedule.doses == () and schedule.optional == ()


def test_an_event_that_is_not_a_date_makes_the_schedule_unread() -> None:
    found = order_with({})
    found["dosageInstruction"][0]["timing"] = {"event": ["2026-10-05", "the day after"]}
    assert "event" in planned_schedule(found).unread


# --- work bounded whatever the numbers ------------------------------------------------------------


@pytest.mark.parametrize("count", [1e9, 10**18, 1e18])
def test_a_huge_count_lists_no_dose_and_says_why(count: float) -> None:
    schedule = planned_schedule(order_with({"count": count, "frequency": 1, "period": 21, "periodUnit": "d"}))
    assert schedule.doses == () and schedule.optional == ()
    assert f"more than the {PLANNED_DOSES_PER_ORDER.value}" in schedule.unread


def test_a_tiny_interval_over_one_day_lists_no_dose() -> None:
    # 1e8 doses a day over a one-day boundsPeriod: 2e8 doses in closed form, none listed
    repeat = {
        "frequency": 10**8,
        "period": 1,
        "periodUnit": "d",
        "boundsPeriod": {"start": "2026-10-05", "end": "2026-10-06"},
    }
    schedule = planned_schedule(order_with(repeat))
    assert schedule.doses == () and "200000000 doses" in schedule.unread


def test_a_period_of_1e15_days_falls_beyond_the_calendar() -> None:
    schedule = planned_schedule(order_with({"count": 2, "frequency": 1, "period": 1e15, "periodUnit": "d"}))
    assert schedule.doses == () and "calendar" in schedule.unread


def test_a_frequency_of_1e_300_is_not_a_frequency() -> None:
    # a frequency is a whole number: with a count, the doses are counted but cannot be dated
    repeat = {"frequency": 1e-300, "period": 1, "periodUnit": "d"}
    assert days_of(planned_schedule(order_with({**repeat, "count": 2}))) == [None, None]
    bounded = planned_schedule(order_with({**repeat, "boundsDuration": {"value": 2, "code": "wk"}}))
    assert bounded.doses == () and "frequency" in bounded.unread


def test_a_bounds_duration_of_1e7_years_with_a_count_is_the_count() -> None:
    repeat = {
        "count": 2,
        "frequency": 1,
        "period": 21,
        "periodUnit": "d",
        "boundsDuration": {"value": 1e7, "code": "a"},
    }
    assert days_of(planned_schedule(order_with(repeat))) == [D, D + timedelta(days=21)]


def test_a_bounds_duration_of_1e7_years_without_a_count_is_too_many_doses() -> None:
    repeat = {"frequency": 1, "period": 21, "periodUnit": "d", "boundsDuration": {"value": 1e7, "code": "a"}}
    assert "more than the" in planned_schedule(order_with(repeat)).unread


def test_too_many_dosage_lines_or_events_are_not_read_one_by_one() -> None:
    lines = medication_request("o", DOXORUBICIN, (50, "mg/m2"))
    lines["dosageInstruction"] = [lines["dosageInstruction"][0]] * (PLANNED_DOSES_PER_ORDER.value + 1)
    assert "dosage lines" in planned_schedule(lines).unread
    events = order_with({})
    events["dosageInstruction"][0]["timing"] = {"event": ["2026-10-05"] * (PLANNED_DOSES_PER_ORDER.value + 1)}
    assert "timing.event" in planned_schedule(events).unread


def test_the_doses_of_all_lines_together_are_capped() -> None:
    many = medication_request("o", DOXORUBICIN, (50, "mg/m2"))
    line = {
        **many["dosageInstruction"][0],
        "timing": {"repeat": {"count": 300, "frequency": 1, "period": 1, "periodUnit": "d"}},
    }
    many["dosageInstruction"] = [line, line]
    schedule = planned_schedule(many)
    assert schedule.doses == () and "600 doses" in schedule.unread


def test_a_schedule_cannot_hold_more_doses_than_the_cap() -> None:
    dose = PlannedDose(D, (50, "mg/m2"))
    with pytest.raises(ValueError, match="PLANNED_DOSES_PER_ORDER"):
        PlannedSchedule((dose,) * (PLANNED_DOSES_PER_ORDER.value + 1))


_NUMBERS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 2, 7, 21, 1e-300, 5e-324, 1e8, 1e15, 1e18, 1e300, 10**30]),
    st.text(max_size=5),
    st.none(),
)
_REPEAT_KEYS = ("count", "countMax", "frequency", "frequencyMax", "period", "periodMax", "offset", "duration")


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(_REPEAT_KEYS), _NUMBERS, max_size=6),
    st.sampled_from(["s", "min", "h", "d", "wk", "mo", "a", "fortnight"]),
    st.one_of(st.none(), _NUMBERS),
    st.sampled_from([None, "boundsDuration", "boundsRange", "boundsPeriod"]),
)
def test_any_numbers_in_a_timing_give_a_schedule_within_the_cap(
    numbers: dict[str, Any], unit: str, bound: Any, bounds_kind: str | None
) -> None:
    repeat: dict[str, Any] = {**numbers, "periodUnit": unit}
    if bounds_kind == "boundsDuration":
        repeat[bounds_kind] = {"value": bound, "code": unit}
    elif bounds_kind == "boundsRange":
        repeat[bounds_kind] = {"low": {"value": 1, "code": "d"}, "high": {"value": bound, "code": unit}}
    elif bounds_kind == "boundsPeriod":
        repeat[bounds_kind] = {"start": "2026-10-05", "end": "2026-12-31"}
    schedule = planned_schedule(order_with(repeat))
    assert len(schedule.doses) + len(schedule.optional) <= PLANNED_DOSES_PER_ORDER.value
    assert all(d.when is None or date(1800, 1, 1) <= d.when <= date.max for d in schedule.every_dose)
    if schedule.unread:
        assert schedule.doses == () and schedule.optional == ()


# --- a regimen's length in words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("50 mg/m2 IV q21 days, 4 to 6 cycles", "4 to 6 cycles"),
        ("4-6 courses planned", "4-6 courses"),
        ("up to 6 doses", "up to 6 doses"),
        ("50 mg/m2 IV every 21 days, 4 doses", ""),
        ("days 1-3 of each cycle", ""),
    ],
)
def test_a_regimen_length_written_as_a_range(text: str, found: str) -> None:
    assert range_in_words([text]) == found


def test_a_plan_is_kept_by_its_order_s_json_and_never_served_for_another() -> None:
    def order(count: int) -> dict[str, object]:
        return {
            "resourceType": "MedicationRequest",
            "authoredOn": "2026-11-28",
            "dosageInstruction": [{"timing": {"repeat": {"count": count, "period": 21, "periodUnit": "d"}}}],
        }

    first = plans.schedule_plan(order(4))
    assert plans.schedule_plan(order(4)) is first  # an equal order: the plan kept
    assert plans.schedule_plan(order(6)).size == 6 and first.size == 4  # another order: its own plan
    big = {**order(2), "note": [{"text": "x" * 20000}]}  # past the key bound: read, not kept
    assert plans.schedule_plan(big) is not plans.schedule_plan(big)
    assert plans.schedule_plan(big).size == 2


@pytest.mark.parametrize(
    ("timings", "most"),
    [
        ([{"repeat": {"frequency": 1, "period": 21, "periodUnit": "d"}}], Fraction(1, 21)),
        ([{"repeat": {"frequency": 2, "period": 21, "periodUnit": "d"}}], Fraction(2, 21)),
        # a range: the fastest
        ([{"repeat": {"frequency": 1, "frequencyMax": 2, "period": 3, "periodUnit": "wk"}}], Fraction(2, 21)),
        ([{"code": {"coding": [{"system": GTS_ABBREVIATION[0], "code": "Q8H"}]}}], Fraction(3)),
        (
            [{"repeat": {"frequency": 2, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "thu"]}}],
            Fraction(2, 7),
        ),
        # two lines, day 1 and day 8 of each 21 days: their doses a day add up
        ([{"repeat": {"frequency": 1, "period": 21, "periodUnit": "d"}}] * 2, Fraction(2, 21)),
        # no spacing in one line: the order does not say how close its doses come
        ([{"repeat": {"frequency": 1, "period": 21, "periodUnit": "d"}}, {"repeat": {"count": 3}}], None),
        ([{"event": ["2026-09-08", "2026-09-09"]}], None),
        ([{"repeat": {"frequency": 1, "period": 21, "periodUnit": "fortnight"}}], None),
        ([], None),
    ],
)
def test_the_most_doses_a_day_an_order_gives(timings: list[dict[str, Any]], most: Fraction | None) -> None:
    order = {"resourceType": "MedicationRequest", "dosageInstruction": [{"timing": t} for t in timings]}
    assert plans.schedule_plan(order).most_a_day() == most
