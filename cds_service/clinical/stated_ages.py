"""Ages the record states in Observations (docs/facts.md "An age recorded against the birth date"): read
for the plausibility layer (``clinical.plausibility``), which holds the birth date to them.

An Observation coded with a LOINC age code (``codes.AGE_LOINC``: a lab interface's age at collection, an
age reported or calculated), from whichever key of the request holds it, not entered in error or
cancelled. Its value: a Quantity in years, months, weeks or days (UCUM ``a``, ``mo``, ``wk``, ``d`` or their
spellings; a number with no unit is read in years, the unit LOINC gives these codes) or an integer (years).
Its day: the effective date (a dateTime, a Period's start, an instant), else the day it was issued. An age
Observation whose value cannot be read as a time is stated all the same, unread (``years`` ``None``): an
age the record gives and the service cannot hold to the birth date, as is one with no value and no reason
for it; one whose value a data-absent-reason replaces states nothing.

Not read is not absent (docs/facts.md "Information loss never flips a decision"): an Observation whose code
is not read (no coding in a code system the service reads) is an age all the same when its words (its
code's text and displays, its notes) name an age that is the patient's (not a gestational or bone age, not
an age at some past event), or when nothing names what it is and its value is a time: a record that lost
its LOINC code says no less than one that kept it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from cds_service.clinical import codes
from cds_service.clinical.code_systems import canonical
from cds_service.clinical.fhir_read import (
    codings,
    concept_text,
    dicts,
    number,
    obj,
    parse_date,
    quantity,
    status_of,
)
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_NOT_RECORDED = frozenset({"entered-in-error", "cancelled"})
# The mean Julian year in days (UCUM's "a"): ages in days, weeks and months are read in years by it.
DAYS_A_YEAR = 365.25
# Years per unit of time: UCUM's codes, then the words written in their place.
_YEARS_PER_UNIT: dict[str, float] = {
    "a": 1.0,
    "mo": 1 / 12,
    "wk": 7 / DAYS_A_YEAR,
    "d": 1 / DAYS_A_YEAR,
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), 1.0),
    **dict.fromkeys(("month", "months"), 1 / 12),
    **dict.fromkeys(("week", "weeks"), 7 / DAYS_A_YEAR),
    **dict.fromkeys(("day", "days"), 1 / DAYS_A_YEAR),
}
_VALUES = ("valueQuantity", "valueInteger", "valueString", "valueCodeableConcept", "valueRange", "valueRatio")


class StatedAge(NamedTuple):
    reference: str
    on: date | None  # the day the age was recorded for; None: not dated
    years: float | None  # None: a value that cannot be read as an age
    said: str  # the value as written, for the reasons ("15 a")


def is_read(observation: Resource) -> bool:
    """Whether ``observation`` is coded as an age (read here, not swept as a record no reader reads)."""
    return any(
        system == codes.LOINC and code in codes.AGE_LOINC for system, code in codings(observation.get("code"))
    )


# Words naming an age, and the ages that are not the patient's age when recorded (a fetus's, a skeleton's,
# the age at an earlier event).
_AGE = re.compile(r"\bage\b", re.IGNORECASE)
_OTHER_AGE = re.compile(
    r"\b(?:gestational|gestation|bone|skeletal|menarche|menopause|onset|diagnosis|death|first|when)\b",
    re.IGNORECASE,
)


def _could_be_an_age(observation: Resource) -> bool:
    """Not coded as an age, but could be one (see the module docstring)."""
    concept = observation.get("code")
    if any(canonical(system) is not None for system, _code in codings(concept)):
        return False
    notes = (note["text"] for note in dicts(observation.get("note")) if isinstance(note.get("text"), str))
    words = " ".join((concept_text(concept), *notes))
    if _AGE.search(words):
        return not _OTHER_AGE.search(words)
    if words.strip():
        return False  # it says what it is, and that is no age
    value = _value(observation)
    return value is not None and value[0] is not None and "valueQuantity" in observation


def _day(observation: Resource) -> date | None:
    for key in ("effectiveDateTime", "effectiveInstant"):
        if (found := parse_date(observation.get(key))) is not None:
            return found
    return parse_date(obj(observation.get("effectivePeriod")).get("start")) or parse_date(
        observation.get("issued")
    )


def _value(observation: Resource) -> tuple[float | None, str] | None:
    """The age in years and as written; ``None`` when the Observation says no age was recorded (a
    data-absent-reason in its value's place). A value missing with no reason given is not read, not
    nothing (an age not read: ``None`` years)."""
    written = next(((key, observation[key]) for key in _VALUES if key in observation), None)
    if written is None:
        return None if observation.get("dataAbsentReason") else (None, "no value")
    key, value = written
    if key == "valueInteger":
        years = number(value)
        return years, f"{str(value)[:20]} (years)"
    if key == "valueQuantity":
        return quantity_years(value)
    return None, f"a {key} {str(value)[:40]}"


def quantity_years(value: object) -> tuple[float | None, str]:
    """An age written as a Quantity (FHIR Age: UCUM ``a``, ``mo``, ``wk``, ``d`` or their spellings; no
    unit read in years) in years, ``None`` when it cannot be read as one, and as written."""
    amount = obj(value).get("value")
    unit = obj(value).get("code") or obj(value).get("unit")
    if unit is None:
        return number(amount), f"{str(amount)[:20]} (years)"
    said = f"{str(amount)[:20]} {str(unit)[:20]}"
    found = quantity(value)
    if found is None:
        return None, said
    per = _YEARS_PER_UNIT.get(found[1].strip().lower())
    return (found[0] * per if per is not None else None), said


def stated_ages(pool: ResourcePool) -> tuple[StatedAge, ...]:
    """Every age an Observation of the record states, by reference."""
    found: list[StatedAge] = []
    for observation in pool.of_type("Observation"):
        if status_of(observation) in _NOT_RECORDED or not (
            is_read(observation) or _could_be_an_age(observation)
        ):
            continue
        value = _value(observation)
        if value is None:
            continue
        years, said = value
        found.append(StatedAge(reference_of(observation), _day(observation), years, said))
    return tuple(sorted(found, key=lambda s: (s.on or date.min, s.reference)))
