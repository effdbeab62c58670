"""Cardiac dysfunction recorded during therapy (clinical/cardiac_dysfunction.py; docs/facts.md "Documented
answers against the record"): what contradicts "responding positively to therapy" (II.A.3)."""

from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical.cardiac_dysfunction import dysfunction_during
from cds_service.clinical.codes import ICD10CM, LOINC
from cds_service.fhir.pool import Resource
from tests.clinical.builders import condition, pool_of, snomed_condition

BEGAN, ORDER = date(2026, 9, 17), date(2026, 12, 10)


def lvef(rid: str, day: str, percent: float, code: str = "10230-1") -> Resource:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": day,
        "valueQuantity": {"value": percent, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
    }


@pytest.mark.parametrize(
    "finding",
    [
        condition("cm", "I42.7", onset="2026-11-30"),
        condition("hf", "I50.22", onset="2026-12-02"),
        snomed_condition("hf", "703272007", onset="2026-12-02"),
        condition("undated", "I50.9"),  # could have arisen during therapy
    ],
)
def test_a_cardiomyopathy_or_heart_failure_since_therapy_began_contradicts(finding: Resource) -> None:
    found = dysfunction_during(pool_of(finding), BEGAN, ORDER)
    assert found.value is True and found.evidence == (f"Condition/{finding['id']}",)


def test_one_before_therapy_one_refuted_or_another_disease_does_not() -> None:
    before = condition("old", "I42.0", onset="2019-01-01")
    refuted = condition("no", "I50.22", onset="2026-12-01", verification="refuted")
    other = condition("htn", "I10", onset="2026-12-01")
    assert dysfunction_during(pool_of(before, refuted, other), BEGAN, ORDER).value is False


def test_words_name_it_when_no_code_is_read() -> None:
    unlisted = snomed_condition("cm", "429589006", onset="2026-11-30")
    unlisted["code"]["text"] = "Anthracycline-induced cardiomyopathy"
    assert dysfunction_during(pool_of(unlisted), BEGAN, ORDER).value is True
    # an ICD-10 code says what the condition is: its words are not read against it
    coded = condition("c", "I10", system=ICD10CM, onset="2026-11-30")
    coded["code"]["text"] = "hypertension, no heart failure"
    assert dysfunction_during(pool_of(coded), BEGAN, ORDER).value is False


@pytest.mark.parametrize(
    ("readings", "contradicts"),
    [
        ([("2026-05-28", 63), ("2026-09-10", 58), ("2026-11-30", 41)], True),  # a fall of 22 points to 41
        ([("2026-05-28", 55), ("2026-11-30", 38)], True),  # under 40 %
        ([("2026-05-28", 58), ("2026-11-30", 49)], False),  # 9 points: not the moderate fall
        ([("2026-05-28", 63), ("2026-10-30", 41), ("2026-12-01", 57)], False),  # recovered since
        ([("2026-05-28", 63), ("2026-08-30", 41)], False),  # before the therapy began
    ],
)
def test_an_ejection_fraction_falling_as_the_esc_defines_dysfunction(
    readings: list[tuple[str, float]], contradicts: bool
) -> None:
    pool = pool_of(*(lvef(f"ef{i}", day, value) for i, (day, value) in enumerate(readings)))
    found = dysfunction_during(pool, BEGAN, ORDER)
    assert found.value is contradicts
    if contradicts:
        assert "LVEF" in found.reason


def percent(rid: str, day: str, value: float, **code: object) -> Resource:
    """A percentage nothing read names (``code`` as given, none by default)."""
    resource = lvef(rid, day, value)
    resource["code"] = dict(code)
    return resource


def test_a_percentage_nothing_read_names_could_be_the_lvef_that_fell() -> None:
    """docs/facts.md "Information loss never flips a decision": with no dysfunction read, a % value with no
    code read and no words, dated since the therapy began (or undated), could be the latest LVEF: "no
    dysfunction" is not settled."""
    baseline = lvef("ef0", "2026-05-28", 62)
    for maybe in (
        percent("x", "2026-11-30", 44),
        percent("x", "2026-11-30", 44, coding=[{"system": "urn:oid:2.999.1", "code": "10230-1"}]),
        {**percent("x", "2026-11-30", 44), "effectiveDateTime": None},
    ):
        found = dysfunction_during(pool_of(baseline, maybe), BEGAN, ORDER)
        assert (found.value, found.unread, found.settled) == (False, ("Observation/x",), None)
        assert "Observation/x could be an LVEF the service cannot read" in found.reason
    # dated after the order, named as something else, coded in LOINC as another test: no LVEF
    for other in (
        percent("x", "2026-12-20", 44),
        percent("x", "2026-11-30", 97, text="O2 saturation"),
        lvef("x", "2026-11-30", 44, code="59408-5"),
    ):
        found = dysfunction_during(pool_of(baseline, other), BEGAN, ORDER)
        assert (found.value, found.unread) == (False, ())


def test_a_percentage_before_therapy_could_be_the_reading_a_fall_is_measured_from() -> None:
    """Before the therapy it is no latest reading: it bears only when the latest one read is 40-49 %."""
    maybe = percent("x", "2026-05-28", 62)
    fallen = dysfunction_during(pool_of(maybe, lvef("now", "2026-11-30", 44)), BEGAN, ORDER)
    assert (fallen.value, fallen.unread) == (False, ("Observation/x",))
    normal = dysfunction_during(pool_of(maybe, lvef("now", "2026-11-30", 58)), BEGAN, ORDER)
    assert (normal.value, normal.unread) == (False, ())


def test_an_lvef_whose_date_or_value_cannot_be_read_could_be_the_one_that_fell() -> None:
    baseline = lvef("ef0", "2026-05-28", 62)
    undated = {**lvef("x", "2026-11-30", 44), "effectiveDateTime": None}
    valueless = lvef("x", "2026-11-30", 44)
    del valueless["valueQuantity"]
    for maybe in (undated, valueless):
        found = dysfunction_during(pool_of(baseline, maybe), BEGAN, ORDER)
        assert (found.value, found.unread) == (False, ("Observation/x",))
    not_measured = {**valueless, "dataAbsentReason": {"text": "not performed"}}
    assert dysfunction_during(pool_of(baseline, not_measured), BEGAN, ORDER).unread == ()
