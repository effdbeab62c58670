from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical.bsa import Bsa
from cds_service.clinical.codes import ANTHRACYCLINES, DOXORUBICINS, Agent
from cds_service.clinical.doses import (
    DOXORUBICIN_EQUIVALENCE,
    Dose,
    convert_dose,
    mg_from_mg_m2,
    optional_dose,
    total,
    totals,
)

BSA = Bsa(1.8, "observation", ("Observation/b",))


def test_equivalence_factors_are_feijen_2019_ighg() -> None:
    assert DOXORUBICIN_EQUIVALENCE == {
        Agent.DOXORUBICIN: 1.0,
        Agent.LIPOSOMAL_DOXORUBICIN: 1.0,
        Agent.DAUNORUBICIN: 0.6,
        Agent.EPIRUBICIN: 0.8,
        Agent.IDARUBICIN: 5.0,
        Agent.MITOXANTRONE: 10.0,
    }


def test_mg_is_divided_by_the_bsa() -> None:
    assert convert_dose((90, "mg"), BSA) == (pytest.approx(50), BSA, "")
    assert convert_dose((0.09, "g"), BSA)[0] == pytest.approx(50)


def test_mg_per_m2_is_taken_as_is() -> None:
    assert convert_dose((50, "mg/m2"), None) == (50, None, "")


def test_what_cannot_be_converted_is_unknown_not_zero() -> None:
    assert convert_dose((90, "mg"), None)[0] is None
    assert convert_dose((1.5, "mg/kg"), BSA)[0] is None
    assert convert_dose(None, BSA)[0] is None


def test_mg_from_either_unit() -> None:
    assert mg_from_mg_m2((500, "mg/m2"), BSA) == pytest.approx(900)
    assert mg_from_mg_m2((900, "mg"), None) == 900
    assert mg_from_mg_m2((500, "mg/m2"), None) is None


def test_totals_sum_known_parts_and_count_unknown_ones() -> None:
    doses = [
        Dose("MedicationAdministration/a", Agent.DOXORUBICIN, date(2026, 1, 1), 50.0),
        Dose("MedicationAdministration/b", Agent.EPIRUBICIN, date(2026, 2, 1), 100.0),
        Dose("MedicationAdministration/c", Agent.DOXORUBICIN, date(2026, 3, 1), None),
        Dose("MedicationAdministration/d", Agent.IDARUBICIN, date(2026, 3, 1), 10.0),
    ]
    doxorubicin = total(doses, DOXORUBICINS, equivalents=False, what="dox")
    assert (doxorubicin.known_mg_m2, doxorubicin.unknown_parts, doxorubicin.value) == (50, 1, None)
    assert doxorubicin.unknown_evidence == ("MedicationAdministration/c",)
    # 50 x 1 + 100 x 0.8 + 10 x 5 = 180
    anthracycline = total(doses, ANTHRACYCLINES, equivalents=True, what="anthracycline")
    assert anthracycline.known_mg_m2 == pytest.approx(180)
    assert anthracycline.reaches(150) is True
    assert anthracycline.reaches(250) is None


def test_doses_a_range_may_add_make_the_total_a_range() -> None:
    dose = Dose("MedicationRequest/o", Agent.DOXORUBICIN, date(2026, 11, 28), 50, planned=True)
    certain, maybe = [dose, dose], [optional_dose(dose._replace(when=date(2026, 12, 19)))]
    found = total(certain + maybe, DOXORUBICINS, equivalents=False, what="planned")
    assert (found.known_mg_m2, found.possible_mg_m2, found.possible_parts) == (100, 50, 1)
    assert found.unknown_parts == 0
    assert found.value is None and found.at_most == 150
    assert (found.reaches(100), found.reaches(120), found.reaches(151)) == (True, None, False)
    assert "up to 50.00 mg/m2 more from 1 dose(s) that may or may not count" in found.reason
    # an unknown part leaves no upper end: never below a threshold
    unknown = Dose("MedicationRequest/p", Agent.DOXORUBICIN, None, None, planned=True)
    assert total([*certain, *maybe, unknown], DOXORUBICINS, equivalents=False, what="x").reaches(151) is None


def _planned(reference: str, count: int, mg_m2: float) -> list[Dose]:
    return [
        Dose(reference, Agent.DOXORUBICIN, date(2027, 1 + i % 12, 1), mg_m2, planned=True)
        for i in range(count)
    ]


def test_a_plan_past_the_lifetime_ceiling_is_no_plan_its_doses_one_unknown_part() -> None:
    # 30 doses of 45 mg/m2 planned (1350 mg/m2) for a child never given doxorubicin: a count typed wrong
    found = totals([], _planned("MedicationRequest/doxo", 30, 45.0))
    planned = found.planned_doxorubicin
    assert (planned.known_mg_m2, planned.unknown_parts, planned.value) == (0, 1, None)
    assert planned.reaches(150) is None
    assert planned.unknown_evidence == ("MedicationRequest/doxo",)
    assert "past the 550 mg/m2 lifetime ceiling" in planned.unknown_reasons[0]
    assert found.planned_anthracycline.reaches(150) is None


def test_the_doses_given_stay_counted_beside_a_plan_past_the_ceiling() -> None:
    given = [
        Dose(f"MedicationAdministration/{i}", Agent.DOXORUBICIN, date(2026, i, 1), 50.0) for i in range(1, 5)
    ]
    planned = totals(given, _planned("MedicationRequest/doxo", 12, 50.0)).planned_doxorubicin  # 600 to come
    assert (planned.known_mg_m2, planned.unknown_parts) == (200, 1)
    assert planned.reaches(150) is True  # given alone settles it
    assert planned.reaches(250) is None


def test_only_the_doses_to_come_are_held_to_the_ceiling() -> None:
    """A member continuing under dexrazoxane may pass 550 mg/m2 in all: 200 given and 500 to come is a plan
    of 700, counted as written."""
    given = [
        Dose(f"MedicationAdministration/{i}", Agent.DOXORUBICIN, date(2026, i, 1), 50.0) for i in range(1, 5)
    ]
    planned = totals(given, _planned("MedicationRequest/doxo", 10, 50.0)).planned_doxorubicin
    assert (planned.known_mg_m2, planned.unknown_parts, planned.value) == (700, 0, 700)


def test_a_plan_up_to_the_ceiling_is_counted() -> None:
    # 11 doses of 50: 550 mg/m2, at the ceiling, not past it
    planned = totals([], _planned("MedicationRequest/doxo", 11, 50.0)).planned_doxorubicin
    assert (planned.known_mg_m2, planned.unknown_parts, planned.value) == (550, 0, 550)
