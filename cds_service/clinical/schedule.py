"""The doses an order plans, with their dates: FHIR R4/STU3 MedicationRequest and DSTU2 MedicationOrder.

Each ``dosageInstruction`` contributes its doses (CONTRACT §3 "Planned / anticipated cumulative dose"):

* ``timing.repeat.count`` doses (``countMax`` when only it is given), spaced ``period`` / ``frequency``
  from ``boundsPeriod.start`` (else the first ``timing.event``, else the order's date);
* without a count, ``boundsPeriod`` start and end with ``frequency`` per ``period``: one slot per period
  from start to end, inclusive;
* ``timing.event`` dates when nothing else is given;
* no timing at all: one dose (a single administration), on the order's date.

A dose whose date cannot be placed (a count with no period, for example) keeps ``when=None``. A
dosage that only bounds the schedule by a duration, or repeats with neither count nor end, has an
unknown number of doses: ``PlannedSchedule.open_ended`` says so and no doses are invented for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cds_service.clinical.fhir_read import dicts, dose_quantity, number, obj, parse_date
from cds_service.fhir.pool import Resource

# Bound on doses read from one dosage, so a malformed count cannot blow up the hot path.
_MAX_DOSES = 400
_UNIT_DAYS = {"d": 1.0, "wk": 7.0, "h": 1 / 24, "min": 1 / 1440, "s": 1 / 86400, "mo": 30.4375, "a": 365.25}


@dataclass(frozen=True)
class PlannedDose:
    when: date | None
    amount: tuple[float, str] | None  # (value, unit) as written: mg, g, mg/m2, ...


@dataclass(frozen=True)
class PlannedSchedule:
    doses: tuple[PlannedDose, ...]
    open_ended: bool = False

    @property
    def last_date(self) -> date | None:
        dates = [d.when for d in self.doses if d.when is not None]
        return max(dates) if dates else None


def order_date(order: Resource) -> date | None:
    """``authoredOn`` (R4/STU3) or ``dateWritten`` (DSTU2 MedicationOrder)."""
    return parse_date(order.get("authoredOn") or order.get("dateWritten"))


def dose_amount(dosage: dict[str, Any]) -> tuple[float, str] | None:
    """The per-dose amount of one dosage: R4 ``doseAndRate[].doseQuantity``, STU3/DSTU2 ``doseQuantity``."""
    for dose_and_rate in dicts(dosage.get("doseAndRate")):
        found = dose_quantity(dose_and_rate.get("doseQuantity"))
        if found is not None:
            return found
    return dose_quantity(dosage.get("doseQuantity"))


def _interval_days(repeat: dict[str, Any]) -> float | None:
    period = number(repeat.get("period"))
    unit = repeat.get("periodUnit") or repeat.get("periodUnits")  # DSTU2 spells it periodUnits
    frequency = number(repeat.get("frequency")) or 1.0
    if period is None or period <= 0 or not isinstance(unit, str) or unit not in _UNIT_DAYS or frequency <= 0:
        return None
    return period * _UNIT_DAYS[unit] / frequency


def _dates(start: date, interval_days: float, count: int) -> list[date]:
    return [start + timedelta(days=int(i * interval_days)) for i in range(count)]


def _duration_end(start: date | None, duration: dict[str, Any]) -> date | None:
    """The last day of a ``boundsDuration`` from ``start`` (12 weeks from day 0 ends on day 83)."""
    value = number(duration.get("value"))
    unit = duration.get("code") or duration.get("unit")
    if start is None or value is None or value <= 0 or not isinstance(unit, str) or unit not in _UNIT_DAYS:
        return None
    return start + timedelta(days=max(value * _UNIT_DAYS[unit] - 1, 0))


def _dosage_doses(dosage: dict[str, Any], fallback: date | None) -> tuple[list[PlannedDose], bool]:
    amount = dose_amount(dosage)
    timing = obj(dosage.get("timing"))
    repeat = obj(timing.get("repeat"))
    events = sorted(d for d in (parse_date(e) for e in timing.get("event") or []) if d is not None)
    bounds = obj(repeat.get("boundsPeriod"))
    start = parse_date(bounds.get("start")) or (events[0] if events else None) or fallback
    end = parse_date(bounds.get("end")) or _duration_end(start, obj(repeat.get("boundsDuration")))
    interval = _interval_days(repeat)
    count_value = number(repeat.get("count")) or number(repeat.get("countMax"))

    if count_value is not None and count_value >= 1:
        count = min(int(count_value), _MAX_DOSES)
        if interval is not None and start is not None:
            dates: list[date | None] = list(_dates(start, interval, count))
            if end is not None:
                dates = [d for d in dates if d is not None and d <= end]
        elif count == len(events):
            dates = list(events)
        else:
            dates = [start if count == 1 else None] * count
        return [PlannedDose(d, amount) for d in dates], False
    if interval is not None and start is not None and end is not None:
        slots = int((end - start).days // interval) + 1 if interval >= 1 else int((end - start).days + 1)
        per_slot = 1 if interval >= 1 else round(1 / interval)
        dates = [
            d for d in _dates(start, max(interval, 1.0), min(slots, _MAX_DOSES)) for _ in range(per_slot)
        ]
        return [PlannedDose(d, amount) for d in dates[:_MAX_DOSES]], False
    if events:
        return [PlannedDose(d, amount) for d in events[:_MAX_DOSES]], False
    if repeat and (interval is not None or "boundsDuration" in repeat):
        return [], True
    if timing.get("code") and not repeat:
        # A coded frequency alone ("Q3W"): repeated doses on dates the order does not give.
        return [], True
    return [PlannedDose(start, amount)], False


def planned_schedule(order: Resource) -> PlannedSchedule:
    """Every dose the order plans, in date order (undated doses last)."""
    fallback = order_date(order)
    doses: list[PlannedDose] = []
    open_ended = False
    for dosage in dicts(order.get("dosageInstruction")):
        found, unbounded = _dosage_doses(dosage, fallback)
        doses.extend(found)
        open_ended = open_ended or unbounded
    if not doses and not open_ended:
        doses.append(PlannedDose(fallback, None))
    doses.sort(key=lambda d: (d.when is None, d.when or date.min))
    return PlannedSchedule(tuple(doses), open_ended)


def states_extent(order: Resource) -> bool:
    """Whether every dosage line of the order says how many doses it plans: ``repeat.count`` (or
    ``countMax``), a ``boundsPeriod`` with an end, a ``boundsDuration``, or dated ``timing.event``s
    (CONTRACT §2.1 "Planned totals need a known extent"). An order with no dosage line states none."""
    dosages = list(dicts(order.get("dosageInstruction")))
    if not dosages:
        return False
    for dosage in dosages:
        timing = obj(dosage.get("timing"))
        repeat = obj(timing.get("repeat"))
        stated = (
            number(repeat.get("count")) is not None
            or number(repeat.get("countMax")) is not None
            or parse_date(obj(repeat.get("boundsPeriod")).get("end")) is not None
            or bool(obj(repeat.get("boundsDuration")))
            or any(parse_date(event) is not None for event in timing.get("event") or [])
        )
        if not stated:
            return False
    return True
