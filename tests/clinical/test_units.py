from __future__ import annotations

import pytest

from cds_service.clinical.units import to_cm, to_kg, to_m2, to_mg, to_mg_per_m2


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
