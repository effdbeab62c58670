"""A dose against the records it names (clinical/administration_conflicts.py, docs/facts.md "A dose and the
records it names"): the order or Encounter a dose names may contradict it, which makes the dose an unknown
part of its totals, never a dose."""

from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical.administration_conflicts import conflicts, sooner_than_its_schedule
from cds_service.clinical.administrations import counted_administrations
from cds_service.clinical.codes import ANTHRACYCLINES
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.fhir.pool import Resource
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    EPIRUBICIN,
    LIPOSOMAL_DOXORUBICIN,
    administration,
    medication_request,
    patient,
    pool_of,
    timing,
)

DOSE_TIME = "2026-11-19T10:10:00-05:00"


def _order(status: str, *, updated: str | None = None, medication: Resource = DOXORUBICIN) -> Resource:
    order = medication_request("cycle-5", medication, (60, "mg/m2"), status=status, authored="2026-11-12")
    if updated:
        order["meta"] = {"lastUpdated": updated}
    return order


def _dose(when: str = DOSE_TIME, request: str = "MedicationRequest/cycle-5") -> Resource:
    return administration("dose-5", DOXORUBICIN, when, (60, "mg/m2"), request=request)


def _why(*resources: Resource) -> dict[str, str]:
    pool = pool_of(patient(), *resources)
    return conflicts(counted_administrations(pool, ANTHRACYCLINES), pool)


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error"])
def test_a_dose_under_a_cancelled_or_erroneous_order_conflicts_whatever_the_dates(status: str) -> None:
    # cancelled: "withdrawn before any administrations have occurred" (FHIR R4); the order last updated
    # after the dose changes nothing
    why = _why(_order(status, updated="2026-12-01T08:00:00Z"), _dose())
    assert list(why) == ["MedicationAdministration/dose-5"]
    assert "MedicationRequest/cycle-5, which is" in why["MedicationAdministration/dose-5"]


@pytest.mark.parametrize("status", ["stopped", "completed", "on-hold"])
def test_a_dose_after_its_order_stopped_conflicts_one_before_does_not(status: str) -> None:
    stopped_before = _why(_order(status, updated="2026-11-18T16:42:00-05:00"), _dose())
    assert stopped_before["MedicationAdministration/dose-5"] == (
        f"charted as given after MedicationRequest/cycle-5 was {status} (last updated 2026-11-18): "
        "not counted"
    )
    # updated after the dose, or not dated at all: the dose may have come before the stop
    assert _why(_order(status, updated="2026-11-19T16:00:00-05:00"), _dose()) == {}
    assert _why(_order(status), _dose()) == {}
    # a dose charted with a date only, on the day of the update, may have come before it
    assert _why(_order(status, updated="2026-11-19T16:00:00-05:00"), _dose("2026-11-19")) == {}
    assert _why(_order(status, updated="2026-11-18T16:00:00-05:00"), _dose("2026-11-19")) != {}


def test_a_dose_under_an_order_of_another_drug_conflicts_doxorubicin_and_liposomal_do_not() -> None:
    assert "an order of epirubicin" in _why(_order("active", medication=EPIRUBICIN), _dose()).get(
        "MedicationAdministration/dose-5", ""
    )
    assert _why(_order("active", medication=LIPOSOMAL_DOXORUBICIN), _dose()) == {}
    assert _why(_order("active"), _dose()) == {}


ONDANSETRON = {
    "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "26225"}],
    "text": "ondansetron 16 mg IV",
}


@pytest.mark.parametrize(
    ("medication", "said"),
    [
        (ONDANSETRON, "'ondansetron 16 mg IV'"),
        # a drug code the service does not list, no words: a drug identified all the same
        ({"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "26225"}]}, "26225"),
        ({"coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "0173-0442-02"}]}, "0173-0442-02"),
        # words alone, a local code beside them
        ({"coding": [{"system": "urn:oid:1.2.3.4", "code": "77"}], "text": "Ondansetron"}, "'Ondansetron'"),
    ],
)
def test_a_dose_under_an_order_of_a_drug_not_identified_but_named_otherwise_conflicts(
    medication: dict[str, object], said: str
) -> None:
    why = _why(_order("completed", medication=medication), _dose()).get("MedicationAdministration/dose-5", "")
    assert why.startswith("charted as doxorubicin under MedicationRequest/cycle-5, an order of ")
    assert said in why
    assert why.endswith("which names no doxorubicin: which drug was given is not known: not counted")


@pytest.mark.parametrize(
    "medication",
    [
        # a local code alone: the order's drug cannot be read at all
        {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.99", "code": "12345"}]},
        # its words name the dose's drug, anywhere (a regimen), or its liposomal form
        {
            "coding": [{"system": "urn:oid:1.2.3.4", "code": "9"}],
            "text": "AC: cyclophosphamide + doxorubicin",
        },
        {"text": "Premedication before Adriamycin"},
        # a code it does not list beside a display naming the drug
        {
            "coding": [
                {
                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "1790115",
                    "display": "doxorubicin hydrochloride 50 MG per 25 ML",
                }
            ]
        },
    ],
)
def test_a_dose_under_an_order_not_read_or_naming_its_drug_somewhere_does_not_conflict(
    medication: dict[str, object],
) -> None:
    assert _why(_order("active", medication=medication), _dose()) == {}


def test_an_order_of_another_drug_named_by_a_medication_it_references_conflicts() -> None:
    medication = {"resourceType": "Medication", "id": "ondansetron", "code": ONDANSETRON}
    order = _order("active", medication=ONDANSETRON)
    del order["medicationCodeableConcept"]
    order["medicationReference"] = {"reference": "Medication/ondansetron"}
    assert (
        "an order of 'ondansetron 16 mg IV'"
        in _why(medication, order, _dose())["MedicationAdministration/dose-5"]
    )
    # a Medication not in the data, named only by a display
    order["medicationReference"] = {"reference": "Medication/elsewhere", "display": "Ondansetron 16 mg"}
    assert "an order of 'Ondansetron 16 mg'" in _why(order, _dose())["MedicationAdministration/dose-5"]
    order["medicationReference"] = {"reference": "Medication/elsewhere"}
    assert _why(order, _dose()) == {}


def test_the_order_is_found_contained_or_under_any_key_and_an_order_not_sent_raises_nothing() -> None:
    dose = _dose(request="#c5")
    dose["contained"] = [{**_order("cancelled"), "id": "c5"}]
    assert list(_why(dose)) == ["MedicationAdministration/dose-5"]
    assert _why(_dose()) == {}  # its order is not in the data


@pytest.mark.parametrize(("status", "conflicting"), [("cancelled", True), ("finished", False)])
def test_a_dose_given_during_an_encounter_that_never_took_place_conflicts(
    status: str, conflicting: bool
) -> None:
    dose = _dose(request="")
    dose["context"] = {"reference": "Encounter/visit"}
    encounter = {"resourceType": "Encounter", "id": "visit", "status": status}
    assert bool(_why(encounter, dose)) is conflicting


def _facts(*resources: Resource) -> ClinicalFacts:
    dex = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-12-10")
    pool = pool_of(patient(), *resources, drafts=[dex])
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=date(2026, 12, 10), line_of_business_map={})


def test_the_dose_that_conflicts_is_an_unknown_part_of_the_total_naming_its_order() -> None:
    given = [
        administration(f"dose-{i}", DOXORUBICIN, f"2026-{month}-01T10:00:00Z", (60, "mg/m2"))
        for i, month in enumerate(("08", "09", "10", "11"), start=1)
    ]
    total = _facts(*given, _order("cancelled", updated="2026-11-18T16:42:00-05:00"), _dose())
    assert (total.cumulative_doxorubicin.known_mg_m2, total.cumulative_doxorubicin.unknown_parts) == (240, 1)
    assert total.cumulative_doxorubicin.unknown_reasons == (
        "MedicationAdministration/dose-5: charted as given under MedicationRequest/cycle-5, which is "
        "cancelled (withdrawn before any dose was given): not counted",
    )


def test_a_dose_dated_before_the_order_it_names_was_written_conflicts_unless_that_order_is_signed_now() -> (
    None
):
    later = medication_request("cycle-5", DOXORUBICIN, (60, "mg/m2"), status="active", authored="2026-12-01")
    assert "a dose cannot be given under an order not yet written" in _why(later, _dose()).get(
        "MedicationAdministration/dose-5", ""
    )
    # the draft being signed again under its own id carries today's date over the doses given under it
    pool = pool_of(patient(), _dose(), drafts=[{**later, "status": "draft"}])
    assert conflicts(counted_administrations(pool, ANTHRACYCLINES), pool) == {}


# --- doses against their own order's schedule ---------------------------------------------------------


def _course(timing_: dict[str, object] | None, *days: str, dose: float = 50) -> dict[str, str]:
    """Doses under one completed course order written ``timing_``, one on each of ``days`` (a date, or a
    dateTime), each ``dose`` mg/m2: the doses questioned, with why."""
    order = medication_request(
        "course", DOXORUBICIN, (dose, "mg/m2"), status="completed", authored="2026-06-10", timing_=timing_
    )
    doses = [
        administration(f"d{index}", DOXORUBICIN, day, (dose, "mg/m2"), request="MedicationRequest/course")
        for index, day in enumerate(days, 1)
    ]
    pool = pool_of(patient(), order, *doses)
    return sooner_than_its_schedule(counted_administrations(pool, ANTHRACYCLINES), pool)


EVERY_21_DAYS = timing(count=6, period=21, start="2026-06-16")
CYCLES = ["2026-06-16T10:00:00Z", "2026-07-07T10:00:00Z", "2026-07-28T10:00:00Z", "2026-08-18T10:00:00Z"]


def test_a_dose_the_next_day_under_an_order_given_every_21_days_is_questioned_named() -> None:
    why = _course(EVERY_21_DAYS, *CYCLES, "2026-09-08T10:00:00Z", "2026-09-09T14:30:00Z")
    assert list(why) == ["MedicationAdministration/d6"]
    assert why["MedicationAdministration/d6"] == (
        "charted 28 hours after MedicationAdministration/d5 under MedicationRequest/course, whose timing "
        "gives a dose every 21 days: sooner than its schedule allows (a dose charted on the wrong day, or "
        "charted twice): not counted"
    )
    # by dates alone: a day apart is at most two, still under half of 21
    dated = _course(EVERY_21_DAYS, "2026-09-08", "2026-09-09")
    assert list(dated) == ["MedicationAdministration/d2"]
    # two more the next days: each compared with the last dose kept
    assert list(_course(EVERY_21_DAYS, "2026-09-08", "2026-09-09", "2026-09-10")) == [
        "MedicationAdministration/d2",
        "MedicationAdministration/d3",
    ]


def test_cycles_moved_a_few_days_are_not_questioned() -> None:
    # a cycle delayed a week for counts, one brought forward four days: within half the interval
    moved = ["2026-06-16", "2026-07-14", "2026-07-31", "2026-08-21", "2026-09-01"]
    assert _course(EVERY_21_DAYS, *moved) == {}
    # ten days after: still 10.5 days is half of 21, and ten days dated apart may be eleven
    assert _course(EVERY_21_DAYS, "2026-06-16", "2026-06-26") == {}
    assert list(_course(EVERY_21_DAYS, "2026-06-16T10:00:00Z", "2026-06-26T10:00:00Z")) == [
        "MedicationAdministration/d2"
    ]


def test_a_dose_a_day_under_a_daily_order_and_day_1_and_8_under_twice_in_21_days_are_not_questioned() -> None:
    daily = timing(count=3, period=1, start="2026-09-08")
    assert _course(daily, "2026-09-08T10:00:00Z", "2026-09-09T09:00:00Z", "2026-09-10T11:00:00Z") == {}
    assert _course(daily, "2026-09-08", "2026-09-09", "2026-09-10") == {}
    # day 1 and day 8 of a 21-day cycle, as a frequency: twice every 21 days
    twice = {"repeat": {"count": 8, "frequency": 2, "period": 21, "periodUnit": "d"}}
    assert _course(twice, "2026-06-16", "2026-06-23", "2026-07-07", "2026-07-14") == {}
    # ... and as two lines, each every 21 days from its own day
    order = medication_request(
        "course", DOXORUBICIN, (25, "mg/m2"), status="completed", authored="2026-06-10"
    )
    order["dosageInstruction"] = [
        {"timing": timing(count=4, period=21, start=start)} for start in ("2026-06-16", "2026-06-23")
    ]
    doses = [
        administration(f"d{i}", DOXORUBICIN, day, (25, "mg/m2"), request="MedicationRequest/course")
        for i, day in enumerate(("2026-06-16", "2026-06-23", "2026-07-07", "2026-07-14"), 1)
    ]
    pool = pool_of(patient(), order, *doses)
    assert sooner_than_its_schedule(counted_administrations(pool, ANTHRACYCLINES), pool) == {}
    # day 2 under day 1 and day 8, though, is sooner than either
    assert list(_course(twice, "2026-06-16", "2026-06-17")) == ["MedicationAdministration/d2"]


@pytest.mark.parametrize(
    "timing_",
    [
        None,  # no Timing written
        timing(count=6),  # a count alone: how many, not how often
        {"event": ["2026-09-08", "2026-09-09"]},  # dated events alone
        {"repeat": {"frequency": 1, "period": 21, "periodUnit": "fortnight"}},  # not read
    ],
)
def test_an_order_with_no_readable_spacing_is_not_questioned(timing_: dict[str, object] | None) -> None:
    assert _course(timing_, "2026-09-08", "2026-09-09") == {}


def test_doses_under_different_orders_or_none_are_not_compared_by_this_rule() -> None:
    order = medication_request(
        "course", DOXORUBICIN, (50, "mg/m2"), status="completed", authored="2026-06-10", timing_=EVERY_21_DAYS
    )
    under = administration("d1", DOXORUBICIN, "2026-09-08", (50, "mg/m2"), request="MedicationRequest/course")
    loose = administration("d2", DOXORUBICIN, "2026-09-09", (50, "mg/m2"))
    elsewhere = administration(
        "d3", DOXORUBICIN, "2026-09-10", (50, "mg/m2"), request="MedicationRequest/gone"
    )
    pool = pool_of(patient(), order, under, loose, elsewhere)
    assert sooner_than_its_schedule(counted_administrations(pool, ANTHRACYCLINES), pool) == {}


def test_the_totals_count_the_dose_sooner_than_its_schedule_as_an_unknown_part() -> None:
    order = medication_request(
        "course", DOXORUBICIN, (50, "mg/m2"), status="completed", authored="2026-06-10", timing_=EVERY_21_DAYS
    )
    days = [*CYCLES, "2026-09-08T10:00:00Z", "2026-09-09T14:30:00Z"]
    doses = [
        administration(f"d{i}", DOXORUBICIN, day, (50, "mg/m2"), request="MedicationRequest/course")
        for i, day in enumerate(days, 1)
    ]
    facts = _facts(order, *doses)
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (250, 1)
    assert "sooner than its schedule allows" in total.unknown_reasons[0]
