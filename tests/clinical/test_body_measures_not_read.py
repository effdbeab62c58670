"""Body measures not read (clinical/body_measures_not_read.py; docs/facts.md "Information loss never flips a
decision"): a value that could be a height, a weight or a BSA but is not read as one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cds_service.clinical.body_measures_not_read import measures_not_read, nearer_not_read
from cds_service.clinical.bsa import Bsa
from cds_service.fhir.pool import Resource
from tests.clinical.builders import observation, pool_of

ON = date(2026, 11, 28)
YEAR = timedelta(days=365)
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def unnamed(rid: str, when: str, value: float, unit: str, **code: object) -> Resource:
    """An Observation nothing read names: ``code`` as given (none by default)."""
    resource = observation(rid, "8302-2", when, value, unit)
    resource["code"] = dict(code)
    return resource


@pytest.mark.parametrize(
    "resource",
    [
        unnamed("h", "2026-06-01", 165, "cm"),  # no code at all: a length could be a height
        unnamed("w", "2026-06-01", 68, "kg", coding=[{"system": "urn:oid:2.999.1", "code": "8302-2"}]),
        unnamed("b", "2026-06-01", 1.7, "m2", text=""),
        # a local code and words the service does not know, but the category says it is a vital sign
        {
            **unnamed("ht", "2026-06-01", 65, "[in_i]", text="Ht"),
            "category": [{"coding": [{"system": CATEGORY, "code": "vital-signs"}]}],
        },
        unnamed("words", "2026-06-01", 165, "cm", text="Standing height (local)"),  # its words name one
    ],
)
def test_a_value_that_could_be_a_body_measure_is_one_not_read(resource: Resource) -> None:
    assert measures_not_read(pool_of(resource)) == [(f"Observation/{resource['id']}", date(2026, 6, 1))]


@pytest.mark.parametrize(
    "resource",
    [
        observation("head", "9843-4", "2026-06-01", 45, "cm"),  # a LOINC code read: a head circumference
        unnamed("tumour", "2026-06-01", 3, "cm", text="Tumor size"),  # words naming something else
        unnamed("sat", "2026-06-01", 97, "%"),  # not a length, a mass or an area
        observation("height", "8302-2", "2026-06-01", 165, "cm"),  # read as a height
    ],
)
def test_what_is_read_or_named_as_something_else_is_not(resource: Resource) -> None:
    assert measures_not_read(pool_of(resource)) == []


def test_a_measure_not_read_bears_on_a_bsa_its_checks_could_have_compared_it_with() -> None:
    """A charted BSA of this week and a measure not read half a year before: not nearer, but an adult's
    height is compared with the BSA at any distance (it could be the height the BSA conflicts with); a
    growing child's within a year, so one two years before bears on nothing."""
    charted = observation("bsa", "8277-6", "2026-11-25", 1.17, "m2")
    old = unnamed("h", "2026-06-01", 165, "cm")
    older = unnamed("h2", "2024-10-01", 120, "cm")
    bsa = Bsa(1.17, "observation", ("Observation/bsa",))
    pool = pool_of(charted, old, older)
    measures = measures_not_read(pool)
    adult = nearer_not_read(bsa, ON, pool, measures, timedelta.max)
    assert adult.startswith("Observation/h could be a body measure the service cannot read")
    assert nearer_not_read(bsa, ON, pool, measures, YEAR).startswith("Observation/h could be")
    far = [(reference, when) for reference, when in measures if reference == "Observation/h2"]
    assert nearer_not_read(bsa, ON, pool, far, YEAR) == ""
    assert "nearer to it" in nearer_not_read(bsa, date(2024, 10, 2), pool, far, YEAR)
    # without the reach of the checks (the rule before it): only a nearer one bears
    assert nearer_not_read(bsa, ON, pool, measures) == ""


def test_a_measure_read_by_its_code_whose_value_or_date_cannot_be_read_is_one_not_read() -> None:
    """It could be the nearest measure, or the one the BSA conflicts with; one the record says was not
    measured (a data-absent reason) is no measure."""
    undated = {**observation("undated", "8302-2", "2026-06-01", 165, "cm"), "effectiveDateTime": None}
    valueless = observation("valueless", "29463-7", "2026-06-01", 68, "kg")
    del valueless["valueQuantity"]
    unit = observation("unit", "29463-7", "2026-06-02", 10, "stone-ish")
    wrong_kind = observation("wrong-kind", "8302-2", "2026-06-03", 68, "kg")  # a height in kilograms
    absent = {**valueless, "id": "absent", "dataAbsentReason": {"text": "refused"}}
    assert measures_not_read(pool_of(undated, valueless, unit, absent, wrong_kind)) == [
        ("Observation/undated", None),
        ("Observation/unit", date(2026, 6, 2)),
        ("Observation/valueless", date(2026, 6, 1)),
        ("Observation/wrong-kind", date(2026, 6, 3)),
    ]


def test_a_measure_not_read_that_says_it_is_a_weight_is_compared_as_a_weight() -> None:
    """A weight or a BSA is compared with the measures within 90 days of it, not at any distance as an
    adult's height: one half a year before the charted BSA bears on nothing; one a month before does."""
    charted = observation("bsa", "8277-6", "2026-11-25", 1.17, "m2")
    bsa = Bsa(1.17, "observation", ("Observation/bsa",))
    for weight, bears in (
        (unnamed("w", "2026-06-01", 68, "kg"), False),  # a mass: no height
        (unnamed("w", "2026-06-01", 68, "[lb_av]", text="Weight (flowsheet)"), False),
        (unnamed("w", "2026-10-30", 68, "kg"), True),
        (unnamed("w", "2026-06-01", 150, "[lb_av]", text="Stature"), True),  # words say a height
    ):
        pool = pool_of(charted, weight)
        found = nearer_not_read(bsa, ON, pool, measures_not_read(pool), timedelta.max)
        assert bool(found) is bears, weight
