from __future__ import annotations

from datetime import date

from cds_service.clinical.schedule import order_date, planned_schedule
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
