"""The doses an order plans, with their dates: FHIR R4/STU3 MedicationRequest and DSTU2 MedicationOrder.

Each ``dosageInstruction`` is one line: its per-dose amount and its Timing, read in full and in closed form
by ``clinical.timing`` (docs/facts.md "How a schedule is read"). The doses are listed only once their number
is known to be within ``limits.PLANNED_DOSES_PER_ORDER``: a schedule planning more, one whose Timing cannot be
read, or one whose dates fall beyond the calendar is ``unread`` (with the reason) and lists none, so the facts
it feeds are unknown rather than counted. Where the Timing gives a range, the doses beyond the fewest are
``optional``. An order with no dosage line is one dose of unknown amount on its date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import orjson

from cds_service.clinical.fhir_read import as_list, codings, dicts, dose_quantity, number, obj, parse_date
from cds_service.clinical.limits import PLANNED_DOSES_PER_ORDER
from cds_service.clinical.timing import TimingRead, read_timing
from cds_service.fhir.pool import Resource


@dataclass(frozen=True)
class PlannedDose:
    when: date | None
    amount: tuple[float, str] | None  # (value, unit) as written: mg, g, mg/m2, ...


@dataclass(frozen=True)
class PlannedSchedule:
    """The doses an order plans for certain (``doses``), those a range may add (``optional``), whether more
    may come with no end stated (``open_ended``), or why none can be counted (``unread``)."""

    doses: tuple[PlannedDose, ...]
    open_ended: bool = False
    optional: tuple[PlannedDose, ...] = ()
    unread: str = ""

    def __post_init__(self) -> None:
        # The cap holds by construction (``SchedulePlan.schedule``); this says so where it matters.
        if len(self.doses) + len(self.optional) > PLANNED_DOSES_PER_ORDER.value:
            raise ValueError("a planned schedule longer than limits.PLANNED_DOSES_PER_ORDER")

    @property
    def every_dose(self) -> tuple[PlannedDose, ...]:
        """The doses the order may give, the optional ones included (what the order as written allows)."""
        return self.doses + self.optional

    @property
    def last_date(self) -> date | None:
        """The latest day a dose may fall on."""
        dates = [d.when for d in self.every_dose if d.when is not None]
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


def dose_amounts(dosage: dict[str, Any]) -> tuple[tuple[tuple[float, str], str], ...]:
    """Every per-dose amount one dosage line writes, each with its ``doseAndRate.type`` code ("ordered",
    "calculated"; "" when none): R4 allows several (the dose as ordered beside the dose the system
    calculated from it), and each is read, so two that disagree are seen (``plausibility``)."""
    found: list[tuple[tuple[float, str], str]] = []
    for dose_and_rate in dicts(dosage.get("doseAndRate")):
        amount = dose_quantity(dose_and_rate.get("doseQuantity"))
        if amount is not None:
            kind = next((code for _system, code in codings(dose_and_rate.get("type"))), "")
            found.append((amount, kind[:40]))
    if not found and (amount := dose_quantity(dosage.get("doseQuantity"))) is not None:
        found.append((amount, ""))
    return tuple(found)


def dose_range(dosage: dict[str, Any]) -> tuple[tuple[float, str], tuple[float, str]] | None:
    """The per-dose range of one dosage (R4 ``doseAndRate[].doseRange``, STU3 ``doseRange``): its low and
    high, each as written; ``None`` when it has none, or either end cannot be read."""
    for dose_and_rate in [*dicts(dosage.get("doseAndRate")), dosage]:
        found = obj(dose_and_rate.get("doseRange"))
        if found:
            low, high = dose_quantity(found.get("low")), dose_quantity(found.get("high"))
            return (low, high) if low is not None and high is not None else None
    return None


def _many(count: int) -> str:
    return str(count) if count < 10**9 else "over a billion"


@dataclass(frozen=True)
class _Line:
    """One dosage line: its per-dose amount and its Timing read in closed form."""

    amount: tuple[float, str] | None
    timing: TimingRead

    def doses(self) -> tuple[list[PlannedDose], list[PlannedDose]]:
        """``(certain, optional)``: the fewest doses, then those a range may add."""
        dates = self.timing.dates()
        fewest = self.timing.fewest
        return (
            [PlannedDose(when, self.amount) for when in dates[:fewest]],
            [PlannedDose(when, self.amount) for when in dates[fewest:]],
        )


def _line(dosage: dict[str, Any], fallback: date | None) -> _Line:
    # Several amounts for the one dose (doseAndRate "ordered" beside "calculated"): the smallest as written,
    # whatever order they came in; where they disagree the reader of the doses sets them aside
    # (``doses.amounts_disagree``).
    amounts = dose_amounts(dosage)
    amount = min(amount for amount, _kind in amounts) if len(amounts) > 1 else dose_amount(dosage)
    return _Line(amount, read_timing(dosage.get("timing"), fallback))


# --- one order ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchedulePlan:
    """An order's schedule in closed form: how many doses it plans (``size``) before any is listed."""

    lines: tuple[_Line, ...]
    fallback: date | None
    unread: str = ""

    @property
    def size(self) -> int:
        return 0 if self.unread else sum(line.timing.size for line in self.lines)

    def most_a_day(self) -> Fraction | None:
        """The most doses a day its lines' Timings give together (``TimingRead.most_a_day``), or ``None``
        when it has no line or a line gives no spacing: the order does not say how close its doses come."""
        rates = [line.timing.most_a_day() for line in self.lines]
        if not rates or any(rate is None for rate in rates):
            return None
        return sum((rate for rate in rates if rate is not None), Fraction(0))

    def schedule(self, *, unread: str = "") -> PlannedSchedule:
        """The doses, listed: at most ``limits.PLANNED_DOSES_PER_ORDER``; beyond it (or ``unread`` given by
        the caller, a bound over several orders) none, and the reason why."""
        why = unread or self.unread
        if why:
            return PlannedSchedule((), unread=why)
        certain: list[PlannedDose] = []
        optional: list[PlannedDose] = []
        open_ended = False
        for line in self.lines:
            found, maybe = line.doses()
            certain.extend(found)
            optional.extend(maybe)
            open_ended = open_ended or line.timing.most is None
        if not self.lines:
            certain.append(PlannedDose(self.fallback, None))
        key = _by_date
        return PlannedSchedule(tuple(sorted(certain, key=key)), open_ended, tuple(sorted(optional, key=key)))


def _by_date(dose: PlannedDose) -> tuple[bool, date]:
    return dose.when is None, dose.when or date.min


def schedule_plan(order: Resource) -> SchedulePlan:
    """How many doses ``order`` plans and how to list them, in closed form (no dose listed yet).

    A pure function of the order's JSON, asked of the same order by several readers of one hook (its
    regimen, its purpose, its course, the ratio's doses) and of the same order again at select, sign and
    dispatch: kept by the order's JSON (a plan is immutable), as drug recognition keeps a coding's drug.
    Bounded in entries and in the size of each key (a larger order is read, not kept); emptied when full.
    """
    try:
        key = orjson.dumps(order)
    except TypeError:  # orjson.JSONEncodeError: not JSON (an integer past 64 bits, say)
        return _schedule_plan(order)
    if len(key) > _PLANS_MAX_BYTES:
        return _schedule_plan(order)
    found = _PLANS.get(key)
    if found is None:
        if len(_PLANS) >= _PLANS_MAX:
            _PLANS.clear()
        found = _PLANS[key] = _schedule_plan(order)
    return found


# Plans kept by their order's JSON (``schedule_plan``): an order is a few kilobytes; a plan holds its
# lines read in closed form, never its doses listed.
_PLANS: dict[bytes, SchedulePlan] = {}
_PLANS_MAX = 1024
_PLANS_MAX_BYTES = 16384


def _schedule_plan(order: Resource) -> SchedulePlan:
    fallback = order_date(order)
    written = as_list(order.get("dosageInstruction"))
    cap = PLANNED_DOSES_PER_ORDER.value
    if len(written) > cap:
        return SchedulePlan(
            (), fallback, f"{len(written)} dosage lines, more than the {cap} doses read per order"
        )
    lines = tuple(_line(dosage, fallback) for dosage in dicts(written))
    unread = next((line.timing.unread for line in lines if line.timing.unread), "")
    if unread:
        return SchedulePlan(lines, fallback, f"its timing cannot be read: {unread}")
    size = sum(line.timing.size for line in lines)
    if size > cap:
        return SchedulePlan(
            lines, fallback, f"it plans {_many(size)} doses, more than the {cap} the service reads per order"
        )
    if any(line.timing.beyond_calendar() for line in lines):
        return SchedulePlan(lines, fallback, "its doses would fall beyond the last date of the calendar")
    return SchedulePlan(lines, fallback)


def planned_schedule(order: Resource) -> PlannedSchedule:
    """Every dose the order plans, in date order (undated doses last)."""
    return schedule_plan(order).schedule()


def states_extent(order: Resource) -> bool:
    """Whether every dosage line of the order says how many doses it plans: ``repeat.count`` (or
    ``countMax``), a ``boundsPeriod`` with an end, a ``boundsDuration``, a ``boundsRange`` with a high end,
    or dated ``timing.event``s (docs/facts.md "A planned total needs a known extent"). An order with no
    dosage line states none."""
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
            or obj(repeat.get("boundsRange")).get("high") is not None
            or any(parse_date(event) is not None for event in as_list(timing.get("event")))
        )
        if not stated:
            return False
    return True


def dates_anchored(order: Resource) -> bool:
    """Whether every dosage line dates its doses from a start it states (``boundsPeriod.start``, or dated
    ``timing.event``s), not from the order's date by default: its doses' dates then say which are still to
    come, whatever was given before under the same order."""
    dosages = list(dicts(order.get("dosageInstruction")))
    if not dosages:
        return False
    for dosage in dosages:
        timing = obj(dosage.get("timing"))
        start = parse_date(obj(obj(timing.get("repeat")).get("boundsPeriod")).get("start"))
        if start is None and not any(parse_date(event) is not None for event in as_list(timing.get("event"))):
            return False
    return True


# A regimen's length written as a range in words: "4 to 6 cycles", "4-6 courses", "up to 6 doses".
_RANGE_IN_WORDS = re.compile(
    r"\b(?:\d+\s*(?:-|\u2013|\u2014|to|or)\s*\d+|up\s+to\s+\d+)\s*(?:more\s+)?"
    r"(?:cycles?|courses?|doses?|rounds?|infusions?|treatments?|blocks?)\b",
    re.IGNORECASE,
)
_LONGEST_TEXT_READ = 2000  # characters of one text element searched (a sig, a note): the rest is prose


def range_in_words(texts: Iterable[Any]) -> str:
    """The first regimen length written as a range in ``texts`` ("4 to 6 cycles"), or "". The structured
    timing cannot say it, so whatever the timing counts, the planned total may be larger."""
    for text in texts:
        if isinstance(text, str):
            found = _RANGE_IN_WORDS.search(text[:_LONGEST_TEXT_READ])
            if found:
                return found.group(0)
    return ""


def order_texts(order: Resource) -> list[Any]:
    """The free text an order writes its regimen in: each dosage line's ``text`` and
    ``patientInstruction``, and the order's ``note``s."""
    texts: list[Any] = []
    for dosage in dicts(order.get("dosageInstruction")):
        texts += [dosage.get("text"), dosage.get("patientInstruction")]
    texts += [note.get("text") for note in dicts(order.get("note"))]
    return texts
