from __future__ import annotations

import pytest

from cds_service.clinical.fhir_read import quantity
from cds_service.clinical.units import is_disagreeing, normalize, to_cm, to_kg, to_m2, to_mg, to_mg_per_m2


def test_lengths_in_ucum_units() -> None:
    assert to_cm(1.62, "m") == pytest.approx(162)
    assert to_cm(64, "[in_i]") == pytest.approx(162.56)
    assert to_cm(170, "cm") == 170


def test_masses_in_ucum_units() -> None:
    assert to_kg(160, "[lb_av]") == pytest.approx(72.5747792)
    assert to_kg(72000, "g") == pytest.approx(72)
    assert to_kg(72, "KG") == 72  # lenient on case when the EHR writes the unit text


def test_doses_and_areas() -> None:
    assert to_mg(0.5, "g") == 500
    assert to_mg(500, "ug") == pytest.approx(0.5)
    assert to_mg_per_m2(50, "mg/m2") == 50
    assert to_m2(1.8, "m2") == 1.8


def test_unknown_units_convert_to_nothing() -> None:
    assert to_mg(2, "mg/kg") is None
    assert to_mg_per_m2(90, "mg") is None
    assert to_cm(5, "ft") is None


@pytest.mark.parametrize(
    ("written", "ucum"),
    [
        ("MG/M2", "mg/m2"),
        ("mg/m^2", "mg/m2"),
        ("mg/m²", "mg/m2"),
        ("mg / m2", "mg/m2"),
        ("mg per m2", "mg/m2"),
        ("milligrams per square metre", "mg/m2"),
        ("Milligram per square meter", "mg/m2"),
        ("Milligrams", "mg"),
        ("grams", "g"),
        ("mcg", "ug"),
        ("µg", "ug"),
        ("μg", "ug"),
        ("micrograms", "ug"),
        ("mg/kg", "mg/kg"),
        ("milligrams per kilogram", "mg/kg"),
        ("mcg/kg", "ug/kg"),
        ("lbs", "[lb_av]"),
        ("Kilograms", "kg"),
        ("centimetres", "cm"),
        ("inches", "[in_i]"),
        ("square meters", "m2"),
        ("m²", "m2"),
    ],
)
def test_dose_units_in_any_common_spelling(written: str, ucum: str) -> None:
    assert normalize(written) == ucum


def test_a_unit_not_read_is_none() -> None:
    assert normalize("mL") is None
    assert normalize("{vial}") is None
    assert normalize("mg/m") is None
    assert normalize("x" * 500) is None


def test_conversions_read_the_spelling() -> None:
    assert to_mg_per_m2(50, "milligrams per square metre") == 50
    assert to_mg(500, "mcg") == pytest.approx(0.5)
    assert to_m2(1.8, "square meters") == 1.8


def test_the_ucum_code_first_then_the_unit_text() -> None:
    # a code that is a UCUM unit read, its text the same unit in another spelling or none
    assert quantity({"value": 50, "code": "mg/m2", "unit": "mg/m²"}) == (50.0, "mg/m2")
    assert quantity({"value": 50, "code": "mg/m2"}) == (50.0, "mg/m2")
    assert quantity({"value": 500, "code": "ug", "unit": "mcg"}) == (500.0, "ug")
    assert quantity({"value": 64, "code": "[in_us]", "unit": "inches"}) == (64.0, "[in_us]")
    # a text that is no unit read (a form, a note) says nothing against the code
    assert quantity({"value": 50, "code": "mg/m2", "unit": "mg/m2 IV push"}) == (50.0, "mg/m2")
    # a local code is not a unit: the text is read
    assert quantity({"value": 50, "code": "MGM2", "unit": "mg/m^2"}) == (50.0, "mg/m2")
    assert quantity({"value": 50, "unit": "Milligrams per square metre"}) == (50.0, "mg/m2")
    # neither read: as written, for the reader that cannot convert it to say so
    assert quantity({"value": 2, "code": "{vial}", "unit": "vial"}) == (2.0, "{vial}")


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("mg/m2", "mg"),  # 106 "mg" of a dose coded per m²: read by the code, 424 mg/m2 instead of 240
        ("mg", "mg/m2"),
        ("mg/m2", "milligrams"),
        ("mg", "g"),
        ("mg/kg", "mg"),
        ("kg", "lb"),
        ("cm", "in"),
        ("m2", "cm2"),
    ],
)
def test_a_code_and_a_unit_text_naming_different_units_conflict(code: str, text: str) -> None:
    """Not plausible is not a fact: a Quantity stating two units has no unit the service may read (the
    "dose units" ruling says where to look first, not which of two contradicting statements is true)."""
    value, unit = quantity({"value": 106, "code": code, "unit": text})  # type: ignore[misc]
    assert value == 106 and is_disagreeing(unit)
    assert unit == f"code {code!r} beside the unit text {text!r}"
    assert to_mg(value, unit) is None and to_mg_per_m2(value, unit) is None and to_kg(value, unit) is None
    assert to_cm(value, unit) is None and to_m2(value, unit) is None
