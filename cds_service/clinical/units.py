"""UCUM unit conversion for the quantities the facts read (clinical-codes §3.3).

Units are matched on the UCUM code (``Quantity.code``) and, for lenient reading, on the human ``unit``
text an EHR writes when it leaves ``code`` out ("kg", "lbs", "m²"). An unknown unit converts to ``None``,
never to a guess.
"""

from __future__ import annotations

# factor to centimetres
_LENGTH_CM = {"cm": 1.0, "m": 100.0, "mm": 0.1, "[in_i]": 2.54, "in": 2.54, "[in_us]": 2.54, "inch": 2.54}
# factor to kilograms
_MASS_KG = {
    "kg": 1.0,
    "g": 0.001,
    "[lb_av]": 0.45359237,
    "lb": 0.45359237,
    "lbs": 0.45359237,
    "[oz_av]": 0.028349523125,
}
# factor to square metres
_AREA_M2 = {"m2": 1.0, "m^2": 1.0, "m²": 1.0, "cm2": 0.0001}
# drug amount, factor to milligrams
_DOSE_MG = {"mg": 1.0, "g": 1000.0, "ug": 0.001, "mcg": 0.001, "µg": 0.001}
# drug amount per body weight, factor to mg/kg (CONTRACT §2.1 "Doses per kilogram")
_DOSE_MG_KG = {"mg/kg": 1.0, "g/kg": 1000.0, "ug/kg": 0.001, "mcg/kg": 0.001}
# drug amount per body surface area, factor to mg/m²
_DOSE_MG_M2 = {"mg/m2": 1.0, "mg/m^2": 1.0, "mg/m²": 1.0, "g/m2": 1000.0, "ug/m2": 0.001, "mcg/m2": 0.001}


def _convert(value: float, unit: str, table: dict[str, float]) -> float | None:
    # The unit as written first: it is nearly always the UCUM code itself, and every dose of a long
    # history comes through here. No table key has surrounding spaces, so this finds what the
    # stripped lookup would.
    factor = table.get(unit) or table.get(unit.strip()) or table.get(unit.strip().lower())
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
