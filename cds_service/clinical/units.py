"""UCUM unit conversion for the quantities the facts read (UCUM, unitsofmeasure.org).

"Dose units" ruling (docs/facts.md "Units"): a Quantity's unit is read from its UCUM ``code`` first, then
from its ``unit`` text in any common spelling: any letter case, ``mg/m2``, ``mg/m^2``, ``mg/m²``,
``mg per m2``, the words ("milligrams per square metre" or "meter"), and likewise mg, g, mcg / µg, mg/kg,
kg, lb, cm, m, inches and m². ``normalize`` turns a spelling into the UCUM code it means; an unknown unit
converts to ``None``, never to a guess. A ``code`` and a ``unit`` text that both read as units but not as
the same one (``mg/m2`` beside "mg") conflict: reading the code first says where to look, not which of
two contradicting statements of one Quantity is true, so the unit is not known (``disagreeing``).
"""

from __future__ import annotations

import re
from functools import lru_cache

# factor to centimetres
_LENGTH_CM = {"cm": 1.0, "m": 100.0, "mm": 0.1, "[in_i]": 2.54, "[in_us]": 2.54}
# factor to kilograms
_MASS_KG = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237, "[oz_av]": 0.028349523125}
# factor to square metres
_AREA_M2 = {"m2": 1.0, "cm2": 0.0001}
# drug amount, factor to milligrams
_DOSE_MG = {"mg": 1.0, "g": 1000.0, "ug": 0.001}
# drug amount per body weight, factor to mg/kg ("Doses per kilogram", docs/facts.md "Record integrity")
_DOSE_MG_KG = {"mg/kg": 1.0, "g/kg": 1000.0, "ug/kg": 0.001}
# drug amount per body surface area, factor to mg/m²
_DOSE_MG_M2 = {"mg/m2": 1.0, "g/m2": 1000.0, "ug/m2": 0.001}

KNOWN_UNITS = frozenset({*_LENGTH_CM, *_MASS_KG, *_AREA_M2, *_DOSE_MG, *_DOSE_MG_KG, *_DOSE_MG_M2})

# Words and symbols EHRs write, to the UCUM atoms above; applied in order to the lower-cased text.
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"[µμ]", "u"),  # micro sign and Greek mu
        (r"²|\^2|\*\*2", "2"),
        (r"\bmicro ?grams?\b|\bmcgs?\b", "ug"),
        (r"\bmilli ?grams?\b|\bmgs\b", "mg"),
        (r"\bkilo ?grams?\b|\bkgs\b", "kg"),
        (r"\bgrams?\b|\bgms?\b", "g"),
        (r"\bpounds?\b|\blbs?\b", "[lb_av]"),
        (r"\bounces?\b|\boz\b", "[oz_av]"),
        (r"\binch(?:es)?\b|\bin\b|\"", "[in_i]"),
        (r"\bsquare centimet(?:er|re)s?\b", "cm2"),
        (r"\bsquare met(?:er|re)s?\b", "m2"),
        (r"\bsq\.? ?met(?:er|re)s?\b|\bsq\.? ?m\b|\bm ?sq\b|\bsqm\b", "m2"),
        (r"\bcentimet(?:er|re)s?\b", "cm"),
        (r"\bmillimet(?:er|re)s?\b", "mm"),
        (r"\bmet(?:er|re)s?\b", "m"),
        (r"\bper\b", "/"),
        (r"\s+", ""),
    )
)


def _spelled(text: str) -> str:
    unit = text.strip().lower()
    for pattern, replacement in _SPELLINGS:
        unit = pattern.sub(replacement, unit)
    return unit.removesuffix(".")


# A unit is a few characters; a longer text is read, not kept in the cache.
_CACHED_CHARS = 48


@lru_cache(maxsize=1024)
def _normalize_cached(text: str) -> str | None:
    if text in KNOWN_UNITS:
        return text
    unit = _spelled(text)
    return unit if unit in KNOWN_UNITS else None


def normalize(text: str) -> str | None:
    """The UCUM code a unit spelling means, among the units read ("MG/M^2" -> "mg/m2"), else ``None``."""
    if len(text) > _CACHED_CHARS:
        return _normalize_cached.__wrapped__(text)
    return _normalize_cached(text)


def _convert(value: float, unit: str, table: dict[str, float]) -> float | None:
    # The unit as written first: it is nearly always the UCUM code itself, and every dose of a long
    # history comes through here.
    factor = table.get(unit)
    if factor is None:
        spelled = normalize(unit)
        factor = table.get(spelled) if spelled is not None else None
    return value * factor if factor is not None else None


def to_cm(value: float, unit: str) -> float | None:
    return _convert(value, unit, _LENGTH_CM)


def to_kg(value: float, unit: str) -> float | None:
    return _convert(value, unit, _MASS_KG)


def to_m2(value: float, unit: str) -> float | None:
    return _convert(value, unit, _AREA_M2)


def to_mg(value: float, unit: str) -> float | None:
    """An absolute drug amount in mg (``mg``, ``g``, ``ug``), else ``None``."""
    return _convert(value, unit, _DOSE_MG)


def to_mg_per_m2(value: float, unit: str) -> float | None:
    """A BSA-normalised amount in mg/m², else ``None``."""
    return _convert(value, unit, _DOSE_MG_M2)


def to_mg_per_kg(value: float, unit: str) -> float | None:
    """A weight-normalised amount in mg/kg, else ``None``."""
    return _convert(value, unit, _DOSE_MG_KG)


def _scale(unit: str) -> tuple[str, float] | None:
    """The dimension of a unit read and its factor to that dimension's base (mass in kg, whether a body
    weight or a drug amount), so units written two ways compare ("[in_i]" and "[in_us]", "ug" and "mcg")."""
    for dimension, table, factor in (
        ("length", _LENGTH_CM, 1.0),
        ("mass", _MASS_KG, 1.0),
        ("mass", _DOSE_MG, 1e-6),
        ("area", _AREA_M2, 1.0),
        ("mg/kg", _DOSE_MG_KG, 1.0),
        ("mg/m2", _DOSE_MG_M2, 1.0),
    ):
        if unit in table:
            return dimension, table[unit] * factor
    return None


def same_unit(one: str, other: str) -> bool:
    """Whether two units read (UCUM codes ``normalize`` gives) are the same unit."""
    if one == other:
        return True
    first, second = _scale(one), _scale(other)
    return (
        first is not None
        and second is not None
        and first[0] == second[0]
        and (abs(first[1] - second[1]) <= 1e-9 * max(first[1], second[1]))
    )


_DISAGREEING = "code "


def disagreeing(code: str, text: str) -> str:
    """The unit of a Quantity whose ``code`` and ``unit`` text name different units: it converts to nothing
    (no table holds it) and says why wherever a reader shows it."""
    return f"{_DISAGREEING}{code.strip()[:20]!r} beside the unit text {text.strip()[:20]!r}"


def is_disagreeing(unit: str) -> bool:
    return unit.startswith(_DISAGREEING)
