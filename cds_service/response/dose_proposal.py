"""The largest dose CP.PHAR.418 allows, as an update of the draft order (Propose Alternate Request card).

Two limits: I.A.5.a / II.A.4.a, dexrazoxane ≤ 10 times the doxorubicin dose given with it; I.B.4, for an
extravasation course, ≤ 2,000 mg on days 1 and 2 and ≤ 1,000 mg on day 3, and no day after the third (the
approval covers 3 days). A course running past day 3 is trimmed: `timing.repeat.count` lowered, or
`boundsPeriod.end` moved to day 3, or an instruction wholly past day 3 removed; an order whose doses cannot be
dated that way (timing events, undated or open-ended doses) gets no proposal. The proposal keeps the order's
own dose unit (mg/m², mg or g, converting with the BSA the facts used) and rounds down, so it never exceeds
the limit; every other element of the draft stays as it was (the CDS Hooks sandbox applies a suggestion only
when `medicationCodeableConcept` keeps its text and first coding), except the free text of each instruction
the proposal changes: `dosageInstruction.text` and `patientInstruction` still state the old dose, and a signed
order must not contradict itself, so they are dropped (the structured dose is what the EHR renders).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.fhir_read import obj
from cds_service.clinical.schedule import planned_schedule
from cds_service.clinical.units import to_mg, to_mg_per_m2
from cds_service.thresholds import EXTRAVASATION_COURSE_DAYS, EXTRAVASATION_DAILY_CAP_MG, MAX_DOSE_RATIO


def _daily_cap(day: int) -> float:
    cap = EXTRAVASATION_DAILY_CAP_MG.get(day)
    return math.inf if cap is None else cap.value


@dataclass(frozen=True)
class DoseProposal:
    order: dict[str, Any]
    summary: str  # what changes, in words
    rule: str  # the criterion that sets the limit
    exceeds: str = "dose"  # what of the order is over the limit: "dose", "course length" or both


def _unit(quantity: dict[str, Any]) -> str | None:
    """The dose's unit when a proposal can be written in it: mg/m² (any spelling), mg or g, read with the
    facts' own unit tables (``clinical.units``)."""
    for key in ("code", "unit"):
        value = quantity.get(key)
        if not isinstance(value, str):
            continue
        if to_mg_per_m2(1.0, value) == 1.0:
            return "mg/m2"
        per_unit = to_mg(1.0, value)
        if per_unit in (1.0, 1000.0):
            return "mg" if per_unit == 1.0 else "g"
    return None


def _dose_quantities(instruction: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each dose the instruction writes: its ``doseQuantity``, or both ends of a ``doseRange`` (a range
    whose top exceeds the limit is capped there, and so is its low end when that exceeds it too)."""
    for dose_and_rate in instruction.get("doseAndRate") or []:
        if not isinstance(dose_and_rate, dict):
            continue
        if isinstance(dose_and_rate.get("doseQuantity"), dict):
            yield dose_and_rate["doseQuantity"]
        elif isinstance(dose_and_rate.get("doseRange"), dict):
            for end in ("low", "high"):
                if isinstance(dose_and_rate["doseRange"].get(end), dict):
                    yield dose_and_rate["doseRange"][end]


def _round_down(value: float, decimals: int) -> float:
    factor = 10.0**decimals
    return math.floor(value * factor + 1e-9) / factor


def _in_unit(limit_mg: float | None, limit_mg_m2: float | None, unit: str, bsa: float | None) -> float | None:
    """The limit expressed in `unit` (mg/m2, mg or g), or None when the BSA needed is unknown."""
    if unit == "mg/m2":
        if limit_mg_m2 is not None:
            return _round_down(limit_mg_m2, 1)
        return _round_down(limit_mg / bsa, 1) if limit_mg is not None and bsa else None
    per_unit = to_mg(1.0, unit) or 1.0  # "mg" or "g" (``_unit``)
    if limit_mg is None:
        limit_mg = limit_mg_m2 * bsa if limit_mg_m2 is not None and bsa else None
    return None if limit_mg is None else _round_down(limit_mg / per_unit, 0 if unit == "mg" else 3)


FREE_TEXT_ELEMENTS = ("text", "patientInstruction")


def _drop_free_text(instruction: dict[str, Any]) -> None:
    """The instruction's free text describes the dose as ordered: once the dose changes, it would contradict
    the structured elements."""
    for element in FREE_TEXT_ELEMENTS:
        instruction.pop(element, None)


def _capped(
    order: dict[str, Any], limits: list[tuple[float | None, float | None]], bsa: float | None
) -> bool:
    """Lower every dose above its limit in place; `limits[i]` is (mg, mg/m²) for dosageInstruction i."""
    changed = False
    for instruction, (limit_mg, limit_mg_m2) in zip(
        order.get("dosageInstruction") or [], limits, strict=False
    ):
        lowered = False
        for quantity in _dose_quantities(instruction):
            unit, value = _unit(quantity), quantity.get("value")
            if unit is None or not isinstance(value, int | float):
                continue
            allowed = _in_unit(limit_mg, limit_mg_m2, unit, bsa)
            if allowed is not None and value > allowed:
                quantity["value"] = int(allowed) if allowed == int(allowed) else allowed
                lowered = True
        if lowered:
            _drop_free_text(instruction)
            changed = True
    return changed


def _course_days(instructions: list[Any]) -> list[range]:
    """The course days each dosageInstruction covers: consecutive, `timing.repeat.count` days each (one when
    absent), in `sequence` order as written."""
    days, first = [], 1
    for instruction in instructions:
        # imperfect drafts (docs/api.md "Bad input"): any of these may be a list or a string instead of an
        # object
        repeat = obj(obj(obj(instruction).get("timing")).get("repeat"))
        count = repeat.get("count")
        span = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1
        days.append(range(first, first + span))
        first += span
    return days


def _ratio_proposal(facts: ClinicalFacts, order: dict[str, Any], pathway: str | None) -> DoseProposal | None:
    ratio, doxorubicin = facts.dose_ratio.value, facts.doxorubicin_dose_mg_m2.value
    if ratio is None or doxorubicin is None or ratio <= MAX_DOSE_RATIO.value:
        return None
    limit_mg_m2 = MAX_DOSE_RATIO.value * doxorubicin
    proposed = copy.deepcopy(order)
    instructions = proposed.get("dosageInstruction") or []
    if not _capped(proposed, [(None, limit_mg_m2)] * len(instructions), facts.bsa_m2.value):
        return None
    return DoseProposal(
        order=proposed,
        summary=(
            f"dexrazoxane {_one_decimal(limit_mg_m2)} mg/m² per dose: 10 times the doxorubicin dose of "
            f"{_one_decimal(doxorubicin)} mg/m² (ordered ratio {ratio:.1f}:1)"
        ),
        # The same limit sits in I.A.5.a (initial) and II.A.4.a (continued therapy): name the one in use.
        rule="II.A.4.a" if pathway is not None and pathway.startswith("II") else "I.A.5.a",
    )


COURSE_DAYS = EXTRAVASATION_COURSE_DAYS  # I.B.4 caps days 1 to 3; the approval is 3 days


def _dates(order: dict[str, Any], instruction: Any) -> list[date] | None:
    """The dates `instruction` plans, or None when one cannot be dated."""
    schedule = planned_schedule({**order, "dosageInstruction": [instruction]})
    dates = [dose.when for dose in schedule.doses]
    # Unread, open-ended, or a range of doses: no single list of dates to trim.
    if schedule.unread or schedule.open_ended or schedule.optional or any(when is None for when in dates):
        return None
    return [when for when in dates if when is not None]


def _trim_instruction(instruction: dict[str, Any], dates: list[date], last: date) -> dict[str, Any] | None:
    """`instruction` planning no dose after `last`, or None when its timing cannot say so."""
    repeat = ((instruction.get("timing") or {}).get("repeat")) or {}
    count = repeat.get("count")
    kept = [when for when in dates if when <= last]
    trimmed = copy.deepcopy(instruction)
    new_repeat = trimmed["timing"]["repeat"] if repeat else {}
    if isinstance(count, int) and not isinstance(count, bool) and count == len(dates):
        new_repeat["count"] = len(kept)
        new_repeat.pop("countMax", None)
    elif count is None and "countMax" not in repeat and isinstance(repeat.get("boundsPeriod"), dict):
        if not repeat["boundsPeriod"].get("end"):
            return None
        new_repeat["boundsPeriod"]["end"] = last.isoformat()
    else:
        return None
    _drop_free_text(trimmed)
    return trimmed


def _trimmed_course(facts: ClinicalFacts, order: dict[str, Any]) -> tuple[dict[str, Any], int] | None:
    """The order with no dose after course day 3 and the number of course days it had, or None when it
    cannot be trimmed. An order within the 3 days comes back as it is."""
    last_day = max((day.day for day in facts.extravasation_course), default=0)
    if last_day <= COURSE_DAYS:
        return order, last_day
    instructions = order.get("dosageInstruction")
    own_days = [day.day for day in facts.extravasation_course if facts.order in day.evidence]
    if not isinstance(instructions, list) or not own_days:
        return None
    dated = [_dates(order, instruction) for instruction in instructions]
    if any(dates is None for dates in dated):
        return None
    all_dates = [when for dates in dated if dates for when in dates]
    if not all_dates:
        return None
    # Day 1 of the course: the order's first dose is on its first course day.
    first = min(all_dates) - timedelta(days=min(own_days) - 1)
    last = first + timedelta(days=COURSE_DAYS - 1)
    trimmed: list[Any] = []
    for instruction, dates in zip(instructions, dated, strict=True):
        assert dates is not None
        if all(when <= last for when in dates):
            trimmed.append(instruction)
        elif any(when <= last for when in dates):
            if not isinstance(instruction, dict):
                return None
            shortened = _trim_instruction(instruction, dates, last)
            if shortened is None:
                return None
            trimmed.append(shortened)
        # else: wholly after day 3, removed
    if not trimmed:
        return None
    proposed = {**copy.deepcopy(order), "dosageInstruction": copy.deepcopy(trimmed)}
    check = [_dates(proposed, instruction) for instruction in trimmed]
    if any(dates is None or any(when > last for when in dates) for dates in check):
        return None
    return proposed, last_day


def _only_this_order_from_day_one(facts: ClinicalFacts, order: dict[str, Any]) -> bool:
    """Whether the course is this order's alone, and each of its dosage lines falls on days of one cap.

    Only then does capping the order's own lines give a course within I.B.4 without lowering a dose that
    was within its cap: with a dose already given or another order in the course, or one line over days 1
    to 3 (2,000 and 1,000 mg caps), a capped copy could still exceed a day or halve an allowed one. No
    proposal is better than a wrong one; the card still names each day's cap."""
    if any(day.evidence != (facts.order,) for day in facts.extravasation_course):
        return False
    for days in _course_days(order.get("dosageInstruction") or []):
        # (the capped days looked up in the line's range, not the range walked: a count may be huge)
        caps = {_daily_cap(day) for day in EXTRAVASATION_DAILY_CAP_MG if day in days}
        if len(caps) > 1:
            return False
    return True


def _extravasation_proposal(facts: ClinicalFacts, order: dict[str, Any]) -> DoseProposal | None:
    over = [day for day in facts.extravasation_course if day.mg is not None and day.mg > _daily_cap(day.day)]
    if not over and all(day.day <= COURSE_DAYS for day in facts.extravasation_course):
        return None
    if not _only_this_order_from_day_one(facts, order):
        return None
    course = _trimmed_course(facts, order)
    if course is None:
        return None
    trimmed, ordered_days = course
    proposed = copy.deepcopy(trimmed)
    instructions = proposed.get("dosageInstruction") or []
    limits: list[tuple[float | None, float | None]] = []
    for days in _course_days(instructions):
        caps = [_daily_cap(day) for day in EXTRAVASATION_DAILY_CAP_MG if day in days]
        limits.append((min(caps) if caps else None, None))
    capped = _capped(proposed, limits, facts.bsa_m2.value)
    shortened = ordered_days > COURSE_DAYS
    if not capped and not shortened:
        return None
    over_caps = [day for day in over if day.day <= COURSE_DAYS and day.mg is not None]
    changes, exceeds = [], []
    if capped and over_caps:
        exceeds.append("dose")
        changes.append(
            "dexrazoxane at most 2,000 mg on days 1 and 2 and 1,000 mg on day 3 (ordered: "
            + ", ".join(f"day {day.day} {day.mg:,.0f} mg" for day in over_caps if day.mg is not None)
            + ")"
        )
    if shortened:
        exceeds.append("course length")
        changes.append(f"a {COURSE_DAYS}-day course (ordered: {ordered_days} days)")
    return DoseProposal(
        order=proposed, summary=", ".join(changes), rule="I.B.4", exceeds=" and ".join(exceeds)
    )


def _one_decimal(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def dose_proposal(
    facts: ClinicalFacts | None, order: dict[str, Any], pathway: str | None = None
) -> DoseProposal | None:
    """The draft with its dose lowered to the policy's limit, or None when the dose is within it (or the
    limit cannot be expressed in the order's unit)."""
    if facts is None or not order:
        return None
    return _extravasation_proposal(facts, order) or _ratio_proposal(facts, order, pathway)
