"""FHIR R4 Timing read in closed form: how many doses a dosage line plans, and on which days, without a
loop or a list whose length the record chooses (docs/facts.md "How a schedule is read").

* The spacing: ``frequency`` (to ``frequencyMax``) per ``period`` (to ``periodMax``) ``periodUnit``; without
  them, the times a day ``timeOfDay`` or ``when`` lists, or a ``code`` of the timing-abbreviation value set
  (BID, Q8H, WK...); ``dayOfWeek`` keeps the doses to the days it names; ``offset`` and ``duration`` place a
  dose within its day and say how long it lasts, not which day it falls on.
* The number: ``count`` (to ``countMax``); else the doses that fit the bounds, ``boundsPeriod`` (start to
  end, both days included), ``boundsDuration``, or ``boundsRange`` (from its low to its high duration), from
  the bounds' start (else the first ``event``, else the order's date); else the dated ``event``s; a repeat
  with no end is open-ended (a fewest, no most); nothing at all is one dose on the start.

Where the Timing gives a range (``countMax``, ``frequencyMax``, ``periodMax``, ``boundsRange``, or a
``frequency`` that disagrees with the times a day listed), the number of doses is a range (``fewest`` to
``most``); when the spacing is a range, the doses after the first have no single date. An element that is
present but not a value FHIR allows (a count of 2.5, a period of -1, a ``periodUnit`` of "fortnight", an
event that is not a date) makes the Timing ``unread``, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, time, timedelta
from fractions import Fraction
from typing import Any, Protocol

from cds_service.clinical.codes import DAYS_OF_WEEK, GTS_ABBREVIATION, TIMING_ABBREVIATIONS
from cds_service.clinical.fhir_read import as_list, codings, number, obj, parse_date, read_period
from cds_service.clinical.limits import PLANNED_DOSES_PER_ORDER

# UCUM units of time (FHIR R4 units-of-time) in days, exactly: "mo" and "a" are UCUM's mean Julian month
# (30.4375 d) and year (365.25 d).
UNIT_DAYS: dict[str, Fraction] = {
    "s": Fraction(1, 86400),
    "min": Fraction(1, 1440),
    "h": Fraction(1, 24),
    "d": Fraction(1),
    "wk": Fraction(7),
    "mo": Fraction(487, 16),
    "a": Fraction(1461, 4),
}
_MINUTES_A_DAY = 1440
_DAYS_OF_CALENDAR = date.max.toordinal()


class _Unreadable(Exception):
    """A Timing element that is present but cannot be read: the line's doses cannot be had."""


# --- when the doses fall: two patterns, each in closed form ---------------------------------------------


class _Pattern(Protocol):
    def offset(self, index: int, start: date | None) -> int:
        """Days from the start to dose ``index`` (0 is the first)."""

    def within(self, length: Fraction, start: date | None) -> int:
        """How many doses fall before ``length`` days from the start."""


@dataclass(frozen=True)
class _Uniform:
    """A dose every ``interval`` days (a fraction: 1/3 is three a day), from the start's own day."""

    interval: Fraction

    def offset(self, index: int, start: date | None) -> int:
        return index * self.interval.numerator // self.interval.denominator

    def within(self, length: Fraction, start: date | None) -> int:
        return max(0, math.ceil(length / self.interval))


@dataclass(frozen=True)
class _Weekly:
    """``per_day`` doses on each of ``days`` (weekday numbers), every ``weeks``-th week from the start's."""

    weeks: int
    days: tuple[int, ...]
    per_day: int

    def _before(self, day: int) -> int:
        """Dose days before ``day`` counted from the Monday of the start's week (closed form)."""
        cycle = 7 * self.weeks
        return (day // cycle) * len(self.days) + sum(1 for d in self.days if d < day % cycle)

    def offset(self, index: int, start: date | None) -> int:
        if start is None:
            raise _Unreadable("dayOfWeek gives no dates without a start date")
        first = start.weekday()
        target = self._before(first) + index // self.per_day
        cycles, position = divmod(target, len(self.days))
        return cycles * 7 * self.weeks + self.days[position] - first

    def within(self, length: Fraction, start: date | None) -> int:
        if start is None:
            raise _Unreadable("dayOfWeek cannot be counted without a start date")
        if length <= 0:
            return 0
        first = start.weekday()
        return (self._before(first + math.ceil(length)) - self._before(first)) * self.per_day


@dataclass(frozen=True)
class _Spacing:
    """The spacing of a line's doses: ``fastest`` (most doses) and ``slowest`` when the Timing gives a
    range, the same pattern when it does not."""

    fastest: _Pattern
    slowest: _Pattern

    @property
    def exact(self) -> bool:
        return self.fastest == self.slowest


# --- reading the Timing's elements ------------------------------------------------------------------------


def _positive(repeat: dict[str, Any], key: str) -> Fraction | None:
    """A positive decimal element, exactly; absent is ``None``; present and not positive is unreadable."""
    if key not in repeat or repeat[key] is None:
        return None
    value = number(repeat[key])
    if value is None or value <= 0:
        raise _Unreadable(f"timing.repeat.{key} {str(repeat[key])[:40]!r} is not a positive number")
    return Fraction(value)


def _whole(repeat: dict[str, Any], key: str) -> int | None:
    """A positiveInt element (``count``, ``frequency``...): a whole number of at least 1."""
    found = _positive(repeat, key)
    if found is None:
        return None
    if found.denominator != 1:
        raise _Unreadable(f"timing.repeat.{key} {float(found):g} is not a whole number")
    return int(found)


def _days_of(value: Any, unit: Any, what: str) -> Fraction:
    """A duration in days: ``value`` in a UCUM unit of time."""
    amount = number(value)
    if amount is None or amount <= 0:
        raise _Unreadable(f"{what} {str(value)[:40]!r} is not a positive duration")
    if not isinstance(unit, str) or unit.strip() not in UNIT_DAYS:
        raise _Unreadable(f"{what} unit {str(unit)[:40]!r} is not a unit of time the service reads")
    return Fraction(amount) * UNIT_DAYS[unit.strip()]


def _duration_days(quantity: Any, what: str) -> Fraction:
    found = obj(quantity)
    return _days_of(found.get("value"), found.get("code") or found.get("unit"), what)


def _count_range(repeat: dict[str, Any]) -> tuple[int, int] | None:
    """``(count, countMax)``: ``countMax`` alone is at least one dose and at most it."""
    count, most = _whole(repeat, "count"), _whole(repeat, "countMax")
    if count is None and most is None:
        return None
    fewest = count if count is not None else 1
    most = most if most is not None else fewest
    if most < fewest:
        raise _Unreadable(f"timing.repeat.countMax {most} is below count {fewest}")
    return fewest, most


def _times_a_day(timing: dict[str, Any], repeat: dict[str, Any]) -> int:
    """How many times a day ``timeOfDay`` or ``when`` lists (0 when neither); ``offset`` checked."""
    times = as_list(repeat.get("timeOfDay"))
    events = as_list(repeat.get("when"))
    if len(times) + len(events) > PLANNED_DOSES_PER_ORDER.value:
        raise _Unreadable("timing.repeat lists more times a day than doses the service reads")
    read: set[time] = set()
    for text in times:
        moment = _time_of_day(text)
        if moment is None:
            raise _Unreadable(f"timing.repeat.timeOfDay {str(text)[:40]!r} is not a time")
        read.add(moment)
    codes = {code.strip() for code in events if isinstance(code, str) and code.strip()}
    if len(codes) != len(events):
        raise _Unreadable("timing.repeat.when holds something that is not an event code")
    if "offset" in repeat:
        offset = number(repeat["offset"])
        # Minutes from a daily event (a meal, waking): a day or more from it is not a time of that event.
        if offset is None or offset < 0 or offset != int(offset) or offset >= _MINUTES_A_DAY:
            raise _Unreadable(
                f"timing.repeat.offset {str(repeat['offset'])[:40]!r} is not minutes within a day"
            )
    return len(read) + len(codes)


def _time_of_day(text: Any) -> time | None:
    if not isinstance(text, str):
        return None
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        return None


def _week_days(repeat: dict[str, Any]) -> tuple[int, ...]:
    days = as_list(repeat.get("dayOfWeek"))
    if len(days) > PLANNED_DOSES_PER_ORDER.value:
        raise _Unreadable("timing.repeat.dayOfWeek lists more days than doses the service reads")
    found = set()
    for day in days:
        if not isinstance(day, str) or day.strip().lower() not in DAYS_OF_WEEK:
            raise _Unreadable(f"timing.repeat.dayOfWeek {str(day)[:40]!r} is not a day of the week")
        found.add(DAYS_OF_WEEK[day.strip().lower()])
    return tuple(sorted(found))


def _abbreviation(timing: dict[str, Any]) -> tuple[int, int, str] | None:
    for system, code in codings(timing.get("code")):
        if system in GTS_ABBREVIATION and code.upper() in TIMING_ABBREVIATIONS:
            return TIMING_ABBREVIATIONS[code.upper()]
    return None


def _spacing(timing: dict[str, Any], repeat: dict[str, Any]) -> _Spacing | None:
    """How the line's doses are spaced, or ``None`` when the Timing does not say (no period)."""
    frequency, frequency_max = _whole(repeat, "frequency"), _whole(repeat, "frequencyMax")
    period, period_max = _positive(repeat, "period"), _positive(repeat, "periodMax")
    unit = repeat.get("periodUnit") or repeat.get("periodUnits")  # DSTU2 spells it periodUnits
    times_a_day = _times_a_day(timing, repeat)
    days = _week_days(repeat)
    if period is None and frequency is None and (code := _abbreviation(timing)) is not None:
        frequency, period, unit = code[0], Fraction(code[1]), code[2]
    if period is None:
        if period_max is not None:
            raise _Unreadable("timing.repeat.periodMax with no period")
        if frequency is not None or not (times_a_day or days):
            return None  # a frequency per nothing, or nothing at all: no spacing
        period, unit = Fraction(1), "d"  # times a day, or days of the week: a daily pattern
    if not isinstance(unit, str) or unit.strip() not in UNIT_DAYS:
        raise _Unreadable(f"timing.repeat.periodUnit {str(unit)[:40]!r} is not a unit of time")
    per_unit = UNIT_DAYS[unit.strip()]
    fewest = frequency if frequency is not None else max(times_a_day, 1)
    most = frequency_max if frequency_max is not None else fewest
    if times_a_day and frequency is not None and frequency_max is None and period * per_unit == 1:
        # A frequency a day beside a list of times that disagrees with it: either may be meant.
        fewest, most = min(frequency, times_a_day), max(frequency, times_a_day)
    if most < fewest or (period_max is not None and period_max < period):
        raise _Unreadable("timing.repeat gives a maximum below its value (frequencyMax or periodMax)")
    shortest = period * per_unit / most
    longest = (period_max if period_max is not None else period) * per_unit / fewest
    if not days:
        return _Spacing(_Uniform(shortest), _Uniform(longest))
    if shortest != longest:
        raise _Unreadable("timing.repeat.dayOfWeek with a range of frequencies or periods")
    period_days = period * per_unit
    if period_days <= 1 and (fewest / period_days).denominator == 1:
        weekly = _Weekly(1, days, int(fewest / period_days))
    elif period_days % 7 == 0 and fewest % len(days) == 0:
        weekly = _Weekly(int(period_days / 7), days, fewest // len(days))
    else:
        raise _Unreadable("timing.repeat.dayOfWeek with a period its days cannot be placed in")
    return _Spacing(weekly, weekly)


def _bounds(repeat: dict[str, Any], start: date | None) -> tuple[Fraction, Fraction | None] | None:
    """The length of the bounds in days, as ``(shortest, longest)`` (``None``: no upper end)."""
    period = obj(repeat.get("boundsPeriod"))
    if period.get("end") is not None:
        end = parse_date(period["end"])
        if end is None:
            raise _Unreadable(f"timing.repeat.boundsPeriod.end {str(period['end'])[:40]!r} is not a date")
        if start is None:
            raise _Unreadable("timing.repeat.boundsPeriod has an end but no start, and the order no date")
        contradiction = read_period(period, "boundsPeriod").contradiction
        if contradiction:
            raise _Unreadable(f"timing.repeat.{contradiction}")
        if end < start:
            raise _Unreadable("timing.repeat.boundsPeriod ends before the order's start")
        length = Fraction((end - start).days + 1)  # both days included
        return length, length
    if repeat.get("boundsDuration") is not None:
        length = _duration_days(repeat["boundsDuration"], "timing.repeat.boundsDuration")
        return length, length
    if repeat.get("boundsRange") is not None:
        bounds = obj(repeat["boundsRange"])
        low = bounds.get("low")
        high = bounds.get("high")
        shortest = _duration_days(low, "timing.repeat.boundsRange.low") if low is not None else Fraction(0)
        longest = _duration_days(high, "timing.repeat.boundsRange.high") if high is not None else None
        if longest is not None and longest < shortest:
            raise _Unreadable("timing.repeat.boundsRange.high is below its low")
        return shortest, longest
    return None


# --- one Timing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimingRead:
    """One Timing read in closed form: ``fewest`` to ``most`` doses (``most`` ``None``: no end stated),
    from ``start``; or ``unread`` with the reason."""

    start: date | None
    fewest: int = 0
    most: int | None = 0
    spacing: _Spacing | None = None
    events: tuple[date, ...] = ()  # the dates of the doses, when the events are the doses
    unread: str = ""

    @property
    def size(self) -> int:
        """How many doses listing it would make (the most, or the fewest when there is no end)."""
        return self.most if self.most is not None else self.fewest

    def dates(self) -> list[date | None]:
        """The day of each dose, ``size`` of them: call only once ``size`` is known to be within a cap."""
        size = self.size
        pattern = self.spacing.fastest if self.spacing is not None and self.spacing.exact else None
        # A count with no spacing says how many, not when (one dose alone is on the start); a spacing that
        # is a range places the first dose only.
        first = self.start if self.spacing is not None or size == 1 else None
        found: list[date | None] = []
        for index in range(size):
            if self.events:
                found.append(self.events[index])
            elif pattern is not None and self.start is not None:
                found.append(self.start + timedelta(days=pattern.offset(index, self.start)))
            else:
                found.append(first if index == 0 else None)
        return found

    def most_a_day(self) -> Fraction | None:
        """The most doses a day its spacing gives (the fastest when it is a range: a dose every 8 hours is 3,
        one every 21 days 1/21, Monday and Thursday every week 2/7), or ``None`` when it gives no spacing
        (unread, a count or dated events alone)."""
        if self.unread or self.spacing is None:
            return None
        pattern = self.spacing.fastest
        if isinstance(pattern, _Uniform):
            return 1 / pattern.interval
        if isinstance(pattern, _Weekly):
            return Fraction(len(pattern.days) * pattern.per_day, 7 * pattern.weeks)
        return None

    def beyond_calendar(self) -> bool:
        """Whether its last dose would fall after the calendar's last day (a period of 1e15 days)."""
        pattern = self.spacing.fastest if self.spacing is not None and self.spacing.exact else None
        if pattern is None or self.start is None or self.size < 2 or self.events:
            return False
        return self.start.toordinal() + pattern.offset(self.size - 1, self.start) > _DAYS_OF_CALENDAR


def read_timing(timing: Any, fallback: date | None) -> TimingRead:
    """A dosage line's ``timing``; ``fallback``: the order's date, where the doses start when nothing in the
    Timing says."""
    try:
        return _read(obj(timing), fallback)
    except _Unreadable as why:
        return TimingRead(None, unread=str(why))


def _read(timing: dict[str, Any], fallback: date | None) -> TimingRead:
    repeat = obj(timing.get("repeat"))
    written_events = as_list(timing.get("event"))
    if len(written_events) > PLANNED_DOSES_PER_ORDER.value:
        raise _Unreadable(f"timing.event lists {len(written_events)} dates, more than the service reads")
    events = [parse_date(event) for event in written_events]
    if any(event is None for event in events):
        raise _Unreadable("a timing.event is not a date")
    dated = sorted(event for event in events if event is not None)
    written_start = obj(repeat.get("boundsPeriod")).get("start")
    bounds_start = parse_date(written_start) if written_start is not None else None
    if written_start is not None and bounds_start is None:
        raise _Unreadable(f"timing.repeat.boundsPeriod.start {str(written_start)[:40]!r} is not a date")
    start = bounds_start or (dated[0] if dated else None) or fallback

    counted = _count_range(repeat)
    bounds = _bounds(repeat, start)
    try:
        spacing = _spacing(timing, repeat)
    except _Unreadable:
        if counted is None or bounds is not None:
            raise
        spacing = None  # the count says how many; when, the spacing that cannot be read would have said

    if counted is not None:
        fewest, most = counted
        if bounds is not None and spacing is not None:
            shortest, longest = bounds
            fewest = min(fewest, spacing.slowest.within(shortest, start) if shortest > 0 else 1)
            if longest is not None:
                most = min(most, spacing.fastest.within(longest, start))
        if spacing is None and len(dated) == most == fewest:
            return TimingRead(start, fewest, most, events=tuple(dated))
        return TimingRead(start, fewest, max(most, fewest), spacing)
    if bounds is not None:
        if spacing is None:
            if timing.get("code") is not None:
                raise _Unreadable("timing.code is not a timing abbreviation the service reads")
            if "boundsPeriod" in repeat:
                return TimingRead(start, 1, 1)  # a window with no frequency: one dose, at its start
            return TimingRead(start, 0, None)  # a duration with no frequency: how many is not said
        shortest, longest = bounds
        fewest = spacing.slowest.within(shortest, start) if shortest > 0 else 1
        upper = spacing.fastest.within(longest, start) if longest is not None else None
        return TimingRead(start, fewest, upper if upper is None else max(upper, fewest), spacing)
    if dated:
        return TimingRead(start, len(dated), len(dated), events=tuple(dated))
    if spacing is not None or (timing.get("code") is not None and not repeat):
        # Repeating with no count and no end (or a coded frequency alone, "Q3W"): how many is not said.
        return TimingRead(start, 0, None, spacing)
    return TimingRead(start, 1, 1)
