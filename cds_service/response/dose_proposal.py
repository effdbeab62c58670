"""The largest dose CP.PHAR.418 allows, as an update of the draft order (Propose Alternate Request card).

Two limits: I.A.5.a / II.A.4.a, dexrazoxane ≤ 10 times the doxorubicin dose given with it; I.B.4, for an
extravasation course, ≤ 2,000 mg on days 1 and 2 and ≤ 1,000 mg on day 3. The proposal keeps the order's own
dose unit (mg/m², mg or g, converting with the BSA the facts used) and rounds down, so it never exceeds the
limit; every other element of the draft stays as it was (the CDS Hooks sandbox applies a suggestion only when
`medicationCodeableConcept` keeps its text and first coding), except the free text of each instruction the
proposal changes: `dosageInstruction.text` and `patientInstruction` still state the old dose, and a signed
order must not contradict itself, so they are dropped (the structured dose is what the EHR renders).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cds_service.clinical.facts import ClinicalFacts
from cds_service.policy.thresholds import EXTRAVASATION_DAILY_CAP_MG, MAX_DOSE_RATIO

_UNIT_ALIASES = {"mg/m2": "mg/m2", "mg/m^2": "mg/m2", "mg/m²": "mg/m2", "mg": "mg", "g": "g"}
_MG_PER_UNIT = {"mg": 1.0, "g": 1000.0}


def _daily_cap(day: int) -> float:
    cap = EXTRAVASATION_DAILY_CAP_MG.get(day)
    return math.inf if cap is None else cap.value


@dataclass(frozen=True)
class DoseProposal:
    order: dict[str, Any]
    summary: str  # what changes, in words
    rule: str  # the criterion that sets the limit


def _unit(quantity: dict[str, Any]) -> str | None:
    for key in ("code", "unit"):
        value = quantity.get(key)
        if isinstance(value, str) and value.strip().lower() in _UNIT_ALIASES:
            return _UNIT_ALIASES[value.strip().lower()]
    return None


def _dose_quantities(instruction: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for dose_and_rate in instruction.get("doseAndRate") or []:
        if isinstance(dose_and_rate, dict) and isinstance(dose_and_rate.get("doseQuantity"), dict):
            yield dose_and_rate["doseQuantity"]


def _round_down(value: float, decimals: int) -> float:
    factor = 10.0**decimals
    return math.floor(value * factor + 1e-9) / factor


def _in_unit(limit_mg: float | None, limit_mg_m2: float | None, unit: str, bsa: float | None) -> float | None:
    """The limit expressed in `unit` (mg/m2, mg or g), or None when the BSA needed is unknown."""
    if unit == "mg/m2":
        if limit_mg_m2 is not None:
            return _round_down(limit_mg_m2, 1)
        return _round_down(limit_mg / bsa, 1) if limit_mg is not None and bsa else None
    per_unit = _MG_PER_UNIT[unit]
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
        repeat = ((instruction or {}).get("timing") or {}).get("repeat") or {}
        count = repeat.get("count")
        span = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1
        days.append(range(first, first + span))
        first += span
    return days


def _ratio_proposal(facts: ClinicalFacts, order: dict[str, Any]) -> DoseProposal | None:
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
            f"dexrazoxane {limit_mg_m2:g} mg/m² per dose: 10 times the doxorubicin dose of "
            f"{doxorubicin:g} mg/m² (ordered ratio {ratio:.1f}:1)"
        ),
        rule="I.A.5.a / II.A.4.a",
    )


def _extravasation_proposal(facts: ClinicalFacts, order: dict[str, Any]) -> DoseProposal | None:
    over = [day for day in facts.extravasation_course if day.mg is not None and day.mg > _daily_cap(day.day)]
    if not over:
        return None
    proposed = copy.deepcopy(order)
    instructions = proposed.get("dosageInstruction") or []
    limits: list[tuple[float | None, float | None]] = []
    for days in _course_days(instructions):
        caps = [_daily_cap(day) for day in days if day in EXTRAVASATION_DAILY_CAP_MG]
        limits.append((min(caps) if caps else None, None))
    if not _capped(proposed, limits, facts.bsa_m2.value):
        return None
    return DoseProposal(
        order=proposed,
        summary="dexrazoxane at most 2,000 mg on days 1 and 2 and 1,000 mg on day 3 (ordered: "
        + ", ".join(f"day {day.day} {day.mg:,.0f} mg" for day in over if day.mg is not None)
        + ")",
        rule="I.B.4",
    )


def dose_proposal(facts: ClinicalFacts | None, order: dict[str, Any]) -> DoseProposal | None:
    """The draft with its dose lowered to the policy's limit, or None when the dose is within it (or the
    limit cannot be expressed in the order's unit)."""
    if facts is None or not order:
        return None
    return _extravasation_proposal(facts, order) or _ratio_proposal(facts, order)
