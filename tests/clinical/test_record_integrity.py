"""docs/facts.md "Record integrity" dose rulings as read from the record (clinical/administrations.py,
clinical/doses.py, clinical/units.py): given by then, one dose counted once, doses per kilogram."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cds_service.clinical.administrations import (
    counted_administrations,
    given_by,
    merge_duplicates,
    order_day_clock,
    same_day_undated,
)
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.codes import ANTHRACYCLINES, Agent
from cds_service.clinical.doses import convert_dose, dose_on
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.units import to_mg_per_kg
from cds_service.fhir.pool import Resource
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    EPIRUBICIN,
    administration,
    height,
    medication_request,
    patient,
    pool_of,
    weight,
)


def test_records_of_one_dose_to_the_minute_are_merged_whatever_their_ids_seconds_or_offsets() -> None:
    found = merge_duplicates(
        counted_administrations(
            pool_of(
                administration("b", DOXORUBICIN, "2026-11-07T09:00:05Z", (50, "mg/m2")),
                administration("a", DOXORUBICIN, "2026-11-07T04:00:59-05:00", (50, "mg/m2")),
                administration("c", DOXORUBICIN, "2026-11-07T09:00:00+00:00", (0.05, "g/m2")),
            ),
            ANTHRACYCLINES,
        )
    )
    assert len(found) == 1
    assert found[0].reference == "MedicationAdministration/a"
    assert found[0].merged == (
        "MedicationAdministration/a",
        "MedicationAdministration/b",
        "MedicationAdministration/c",
    )


def test_another_minute_another_dose_or_another_drug_is_not_merged() -> None:
    found = merge_duplicates(
        counted_administrations(
            pool_of(
                administration("a", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2")),
                administration("b", DOXORUBICIN, "2026-11-07T09:01:00Z", (50, "mg/m2")),
                administration("c", DOXORUBICIN, "2026-11-07T09:00:00Z", (40, "mg/m2")),
                administration("d", EPIRUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2")),
            ),
            ANTHRACYCLINES,
        )
    )
    assert len(found) == 4
    assert all(a.merged == () for a in found)


def test_a_bare_date_repeating_a_dose_of_that_day_is_flagged_and_the_timed_record_kept() -> None:
    found = counted_administrations(
        pool_of(
            administration("a-day", DOXORUBICIN, "2026-11-07", (50, "mg/m2")),
            administration("b-timed", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2")),
            administration("c-other-day", DOXORUBICIN, "2026-11-08", (50, "mg/m2")),
        ),
        ANTHRACYCLINES,
    )
    assert same_day_undated(found) == {"MedicationAdministration/a-day": "MedicationAdministration/b-timed"}


def test_given_by_the_order_date_on_the_orders_clock() -> None:
    [evening] = counted_administrations(
        pool_of(administration("e", DOXORUBICIN, "2026-11-29T01:00:00Z", (50, "mg/m2"))), ANTHRACYCLINES
    )
    order_day = date(2026, 11, 28)
    clock = order_day_clock("2026-11-28T08:00:00-05:00")
    assert clock == timezone(timedelta(hours=-5))
    assert given_by(evening, order_day, clock) is True  # 20:00 -05:00 on the order date
    assert given_by(evening, order_day, None) is False  # no clock on the order: the date as charted
    assert order_day_clock("2026-11-28") is None


def test_given_by_compares_dates_and_leaves_an_undated_dose_undecided() -> None:
    [later, same_day, undated] = sorted(
        counted_administrations(
            pool_of(
                administration("a-later", DOXORUBICIN, "2026-12-01T09:00:00Z", (50, "mg/m2")),
                administration("b-same-day", DOXORUBICIN, "2026-11-28T23:30:00Z", (50, "mg/m2")),
                {
                    "resourceType": "MedicationAdministration",
                    "id": "c-undated",
                    "status": "completed",
                    "medicationCodeableConcept": DOXORUBICIN,
                    "dosage": {"dose": {"value": 50, "unit": "mg/m2"}},
                },
            ),
            ANTHRACYCLINES,
        ),
        key=lambda a: a.reference,
    )
    cutoff = date(2026, 11, 28)
    assert (
        given_by(later, cutoff, None),
        given_by(same_day, cutoff, None),
        given_by(undated, cutoff, None),
    ) == (
        False,
        True,
        None,
    )
    assert same_day.moment == datetime(2026, 11, 28, 23, 30, tzinfo=UTC)


def test_mg_per_kg_is_converted_with_the_weight_nearest_in_time_then_the_bsa() -> None:
    assert to_mg_per_kg(1.5, "mg/kg") == 1.5
    assert to_mg_per_kg(1.5, "mg") is None
    body = BodySurfaceArea(
        [
            height("h", "2026-06-01", 170),
            weight("w-june", "2026-06-01", 70),
            weight("w-nov", "2026-11-01", 60),
        ],
        adult=True,
    )
    dose = dose_on(
        "MedicationAdministration/x",
        Agent.DOXORUBICIN,
        date(2026, 6, 2),
        (1.4, "mg/kg"),
        body,
        fallback=date(2026, 11, 28),
    )
    # 1.4 x 70 = 98 mg; BSA sqrt(170 x 70 / 3600) = 1.81812: 53.90 mg/m²
    assert dose.mg_m2 is not None
    assert round(dose.mg_m2, 2) == 53.9
    assert dose.weight is not None and dose.weight.reference == "Observation/w-june"
    assert "weight nearest in time" in dose.remark
    # no weight near: unknown, never zero
    assert convert_dose((1.4, "mg/kg"), None, None)[0] is None
    far = dose_on(
        "MedicationAdministration/y",
        Agent.DOXORUBICIN,
        date(2025, 1, 1),
        (1.4, "mg/kg"),
        body,
        fallback=date(2026, 11, 28),
    )
    assert far.mg_m2 is None


def _facts(*resources: Resource, authored: str = "2026-11-28") -> ClinicalFacts:
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored=authored)
    pool = pool_of(patient(), *resources, drafts=[dex])
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=date(2026, 11, 28), line_of_business_map={})


def test_a_dose_dated_after_the_order_is_an_unknown_part_and_says_so() -> None:
    facts = _facts(
        administration("given", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2")),
        administration("ahead", EPIRUBICIN, "2026-12-01T09:00:00Z", (50, "mg/m2")),
    )
    assert facts.cumulative_doxorubicin.value == 50
    assert facts.cumulative_anthracycline.value is None
    assert facts.cumulative_anthracycline.unknown_reasons == (
        "MedicationAdministration/ahead: dated after the order: not counted",
    )


def test_dexrazoxane_dated_after_the_order_is_no_prior_therapy_and_today_caps_a_future_order() -> None:
    later = _facts(administration("dex-ahead", DEXRAZOXANE, "2026-12-02T09:00:00Z", (500, "mg/m2")))
    assert later.prior_dexrazoxane_cardioprotection.value is False
    # an order written for next week, read today: a dose charted between today and then is not given yet
    future = _facts(
        administration("dox-ahead", DOXORUBICIN, "2026-12-01T09:00:00Z", (50, "mg/m2")), authored="2026-12-05"
    )
    assert future.cumulative_doxorubicin.value is None


def test_merged_records_are_all_named_in_the_totals_evidence() -> None:
    facts = _facts(
        administration("a", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2")),
        administration("b", DOXORUBICIN, "2026-11-07T09:00:30Z", (50, "mg/m2")),
    )
    assert facts.cumulative_doxorubicin.value == 50
    assert facts.cumulative_doxorubicin.evidence == (
        "MedicationAdministration/a",
        "MedicationAdministration/b",
    )
    assert facts.cumulative_doxorubicin.merged == (
        "2 records of one dose merged (MedicationAdministration/a, MedicationAdministration/b)",
    )


def test_one_dose_charted_in_mg_and_in_mg_per_m2_is_merged_through_the_bsa() -> None:
    # 90 mg for a patient of 1.8 m² (162 cm, 72 kg) is 50 mg/m²: the pump's record and the nurse's
    facts = _facts(
        height("h", "2026-11-01", 162),
        weight("w", "2026-11-01", 72),
        administration("nurse", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2")),
        administration("pump", DOXORUBICIN, "2026-11-07T09:00:40Z", (90, "mg")),
        administration("later", DOXORUBICIN, "2026-11-21T09:00:00Z", (60, "mg")),
    )
    assert facts.cumulative_doxorubicin.known_mg_m2 == pytest.approx(50 + 60 / 1.8)
    assert facts.cumulative_doxorubicin.merged == (
        "2 records of one dose merged (MedicationAdministration/nurse, MedicationAdministration/pump)",
    )


def test_the_same_dose_charted_again_minutes_later_is_never_a_second_known_dose() -> None:
    # a barcode MAR at 10:15 and a smart-pump feed at 10:19: one infusion, or a second dose no regimen gives
    facts = _facts(
        administration("mar", DOXORUBICIN, "2026-11-07T10:15:00-05:00", (60, "mg/m2")),
        administration("pump", DOXORUBICIN, "2026-11-07T10:19:00-05:00", (60, "mg/m2")),
        administration("next", DOXORUBICIN, "2026-11-21T10:15:00-05:00", (60, "mg/m2")),
    )
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (120, 1)
    assert total.unknown_reasons == (
        "MedicationAdministration/pump: the same dose as MedicationAdministration/mar charted 4 min after "
        "it: one infusion charted twice, or a second dose no regimen gives: not counted",
    )
    # an hour and a minute apart: two doses (a day apart is the shortest interval of any regimen)
    apart = _facts(
        administration("mar", DOXORUBICIN, "2026-11-07T10:15:00-05:00", (30, "mg/m2")),
        administration("pump", DOXORUBICIN, "2026-11-07T11:16:00-05:00", (30, "mg/m2")),
    )
    assert apart.cumulative_doxorubicin.value == 60


def test_one_dose_charted_with_two_amounts_is_an_unknown_part_not_the_larger_nor_the_sum() -> None:
    # a correction kept beside the original, the same minute: 60 and 75 mg/m2
    facts = _facts(
        administration("original", DOXORUBICIN, "2026-11-07T10:15:00-05:00", (60, "mg/m2")),
        administration("corrected", DOXORUBICIN, "2026-11-07T10:15:00-05:00", (75, "mg/m2")),
        administration("copy", DOXORUBICIN, "2026-11-07T10:15:00-05:00", (60, "mg/m2")),
        administration("next", DOXORUBICIN, "2026-11-21T10:15:00-05:00", (60, "mg/m2")),
    )
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (60, 1)
    (why,) = total.unknown_reasons
    assert why.startswith("MedicationAdministration/copy: MedicationAdministration/copy, ")
    assert "MedicationAdministration/corrected" in why and "MedicationAdministration/original" in why
    assert "(60 mg/m2, 75 mg/m2) for one dose within 60 min: which was given is not known" in why
    # the order the records came in does not matter
    again = _facts(
        administration("next", DOXORUBICIN, "2026-11-21T10:15:00-05:00", (60, "mg/m2")),
        administration("corrected", DOXORUBICIN, "2026-11-07T10:15:00-05:00", (75, "mg/m2")),
        administration("copy", DOXORUBICIN, "2026-11-07T10:15:00-05:00", (60, "mg/m2")),
        administration("original", DOXORUBICIN, "2026-11-07T10:15:00-05:00", (60, "mg/m2")),
    )
    assert again.cumulative_doxorubicin == total


def test_a_dose_charted_as_given_with_a_reason_it_was_not_given_is_an_unknown_part() -> None:
    refused = administration("refused", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2"))
    refused["statusReason"] = [{"text": "patient refused"}]
    total = _facts(refused, administration("given", DOXORUBICIN, "2026-10-17T09:00:00Z", (50, "mg/m2")))
    assert (total.cumulative_doxorubicin.known_mg_m2, total.cumulative_doxorubicin.unknown_parts) == (50, 1)
    # stopped, with why it was stopped: the dose recorded counts
    stopped = {**refused, "status": "stopped"}
    assert _facts(stopped).cumulative_doxorubicin.value == 50


def test_an_administration_charted_as_part_of_another_of_its_drug_is_counted_within_it() -> None:
    whole = administration("infusion", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2"))
    part = administration("bag-2", DOXORUBICIN, "2026-11-07T10:00:00Z", (25, "mg/m2"))
    part["partOf"] = [{"reference": "MedicationAdministration/infusion"}]
    total = _facts(whole, part).cumulative_doxorubicin
    assert (total.value, total.remarks) == (
        50,
        ("1 dose(s) MedicationAdministration/bag-2 charted as part of it: counted within it, once",),
    )


def test_a_dose_charted_in_progress_for_longer_than_any_infusion_runs_is_an_unknown_part() -> None:
    """An infusion nobody closed: started weeks before the order, still "in-progress"; the 96-hour
    infusion of yesterday still counts."""
    facts = _facts(
        administration("open", DOXORUBICIN, "2026-10-17T09:00:00Z", (50, "mg/m2"), status="in-progress"),
        administration("running", DOXORUBICIN, "2026-11-25T09:00:00Z", (50, "mg/m2"), status="in-progress"),
    )
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (50, 1)
    assert total.unknown_reasons == (
        "MedicationAdministration/open: charted in progress since 2026-10-17, longer than any infusion "
        "runs: how much was given is not known: not counted",
    )


def test_a_dose_whose_period_ends_before_it_starts_is_an_unknown_part_named() -> None:
    """The record contradicts itself: it does not date the dose, so whether it was given by the order
    date is not known; never the dose that reaches a threshold."""
    backwards = administration("backwards", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2"))
    del backwards["effectiveDateTime"]
    backwards["effectivePeriod"] = {"start": "2026-11-07T09:00:00Z", "end": "2025-11-07T09:30:00Z"}
    facts = _facts(backwards, administration("given", DOXORUBICIN, "2026-10-17T09:00:00Z", (50, "mg/m2")))
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (50, 1)
    assert total.unknown_reasons == (
        "MedicationAdministration/backwards: its effectivePeriod ends before it starts "
        "(2026-11-07T09:00:00Z to 2025-11-07T09:30:00Z): the record contradicts itself: when it was given "
        "is not known: not counted",
    )
    # the same period the right way round dates the dose, which counts
    backwards["effectivePeriod"] = {"start": "2026-11-07T09:00:00Z", "end": "2026-11-07T09:30:00Z"}
    assert _facts(backwards).cumulative_doxorubicin.value == 50


def test_a_second_dose_of_the_day_under_another_order_beyond_a_days_most_is_an_unknown_part() -> None:
    """Cycle 4 charted at 10:00 under the course's order and again at 15:10 under an order written at
    14:55: 120 mg/m2 of doxorubicin in one day is no regimen's (75 at most), so the later is an unknown part,
    named; the first counts. A regimen's day split in two within the most (50 + 25), doses on consecutive
    days, and two doses under the one order that plans them are not questioned."""
    first = administration(
        "c4", DOXORUBICIN, "2026-11-07T10:00:00-05:00", (60, "mg/m2"), request="MedicationRequest/course"
    )
    again = administration(
        "c4-again",
        DOXORUBICIN,
        "2026-11-07T15:10:00-05:00",
        (60, "mg/m2"),
        request="MedicationRequest/reentry",
    )
    total = _facts(first, again).cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (60, 1)
    assert total.unknown_reasons == (
        "MedicationAdministration/c4-again: a second doxorubicin dose on 2026-11-07 beside "
        "MedicationAdministration/c4, under MedicationRequest/reentry (the first under "
        "MedicationRequest/course): 120 mg/m2 in one day is more than any regimen gives (75 mg/m2): the same "
        "dose charted again, or a dose not given: not counted",
    )
    # the same two records with no order named on the later one: not all under one order, questioned too
    unnamed = {k: v for k, v in again.items() if k != "request"}
    assert _facts(first, unnamed).cumulative_doxorubicin.unknown_parts == 1
    split = {
        **again,
        "dosage": {
            "dose": {"value": 15, "unit": "mg/m2", "system": "http://unitsofmeasure.org", "code": "mg/m2"}
        },
    }
    assert _facts(first, split).cumulative_doxorubicin.value == 75
    next_day = administration(
        "c4-d2", DOXORUBICIN, "2026-11-08T10:00:00-05:00", (60, "mg/m2"), request="MedicationRequest/reentry"
    )
    assert _facts(first, next_day).cumulative_doxorubicin.value == 120
    same_order = {**again, "request": {"reference": "MedicationRequest/course"}}
    assert _facts(first, same_order).cumulative_doxorubicin.value == 120


def test_a_dose_charted_as_a_bound_is_an_unknown_part_never_its_number() -> None:
    """'<60 mg/m2' (Quantity.comparator) says the dose was less than 60, not 60: no amount to count."""
    bound = administration("bound", DOXORUBICIN, "2026-11-07T09:00:00Z", (60, "mg/m2"))
    bound["dosage"]["dose"]["comparator"] = "<"
    total = _facts(bound, administration("given", DOXORUBICIN, "2026-10-17T09:00:00Z", (50, "mg/m2")))
    dox = total.cumulative_doxorubicin
    assert (dox.known_mg_m2, dox.unknown_parts) == (50, 1)
    assert dox.unknown_reasons == (
        "MedicationAdministration/bound: its dose is charted as a bound ('<60 mg/m2'), not an amount: how "
        "much was given is not known: not counted",
    )


def test_a_dose_dated_by_a_datetime_outside_its_own_period_is_an_unknown_part() -> None:
    twice = administration("twice", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2"))
    twice["effectivePeriod"] = {"start": "2025-11-07T09:00:00Z", "end": "2025-11-07T09:30:00Z"}
    total = _facts(twice).cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (0, 1)
    assert "falls outside its effectivePeriod (2025-11-07 to 2025-11-07)" in total.unknown_reasons[0]
    twice["effectivePeriod"] = {"start": "2026-11-07T09:00:00Z", "end": "2026-11-07T09:30:00Z"}
    assert _facts(twice).cumulative_doxorubicin.value == 50


@pytest.mark.parametrize(
    "note",
    [
        "Dose HELD - ANC 0.4, not given",
        "dose withheld for neutropenia",
        "Not administered: line occluded",
        "omitted per oncology",
        "Patient refused",
        "infusion cancelled, platelets 40",
        "patient did not receive chemo today",
        "held today's dose",
    ],
)
def test_a_completed_dose_whose_note_says_it_was_not_given_is_an_unknown_part_named(
    note: str,
) -> None:
    held = administration("held", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2"))
    held["note"] = [{"text": note}]
    total = _facts(held, administration("given", DOXORUBICIN, "2026-10-17T09:00:00Z", (50, "mg/m2")))
    assert (total.cumulative_doxorubicin.known_mg_m2, total.cumulative_doxorubicin.unknown_parts) == (50, 1)
    (why,) = total.cumulative_doxorubicin.unknown_reasons
    assert why.startswith("MedicationAdministration/held: charted as given, but its own words say it was not")
    # DSTU2 writes its note as a string
    dstu2 = {**held, "note": note}
    assert _facts(dstu2).cumulative_doxorubicin.unknown_parts == 1


@pytest.mark.parametrize(
    "note",
    [
        "held pre-hydration, started after 1 L NS",
        "given after a 1-day hold for ANC",
        "Dose given as ordered; no reaction",
        "premedicated; threshold held",
    ],
)
def test_words_that_do_not_say_the_dose_was_not_given_leave_it_counted(note: str) -> None:
    given = administration("given", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2"))
    given["note"] = [{"text": note}]
    assert _facts(given).cumulative_doxorubicin.value == 50


def test_a_stopped_dose_whose_words_say_why_it_stopped_counts_what_was_recorded() -> None:
    stopped = administration("stopped", DOXORUBICIN, "2026-11-07T09:00:00Z", (30, "mg/m2"))
    stopped["status"] = "stopped"
    stopped["note"] = [{"text": "infusion stopped, rest of dose not given"}]
    assert _facts(stopped).cumulative_doxorubicin.value == 30


def test_notes_longer_than_the_service_reads_leave_the_dose_unknown() -> None:
    long = administration("long", DOXORUBICIN, "2026-11-07T09:00:00Z", (50, "mg/m2"))
    long["note"] = [{"text": "tolerated well. " * 400}]
    total = _facts(long).cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (0, 1)
    assert "longer than the service reads" in total.unknown_reasons[0]


# --- a record last written before the dose it documents -----------------------------------------------


def _written(rid: str, when: str, updated: str | None) -> Resource:
    dose = administration(rid, DOXORUBICIN, when, (50, "mg/m2"))
    if updated is not None:
        dose["meta"] = {"versionId": "1", "lastUpdated": updated}
    return dose


def test_a_dose_whose_record_was_last_written_before_it_was_given_is_an_unknown_part_both_dates_said() -> (
    None
):
    total = _facts(
        _written("pre-charted", "2026-11-07T10:00:00-05:00", "2026-10-17T16:05:00-05:00"),
        _written("given", "2026-10-17T10:00:00-05:00", "2026-10-17T11:20:00-05:00"),
    ).cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (50, 1)
    assert total.unknown_reasons == (
        "MedicationAdministration/pre-charted: charted as given at 2026-11-07T10:00:00-05:00, but its record "
        "was last written 2026-10-17T16:05:00-05:00, before the dose it documents: a dose charted before it "
        "happened: not counted",
    )


@pytest.mark.parametrize(
    ("when", "updated"),
    [
        ("2026-11-07T10:00:00-05:00", None),  # no update stamp: the usual record
        ("2026-11-07T10:00:00-05:00", "2026-11-07T11:20:00-05:00"),  # written after it
        # within a day: a server's clock, another zone
        ("2026-11-07T10:00:00-05:00", "2026-11-06T16:00:00Z"),
        ("2026-11-07T23:30:00+14:00", "2026-11-06T10:00:00Z"),
        # a date only: its day may begin at 10:00Z the day before (UTC+14), a day's slack before that
        ("2026-11-07", "2026-11-05T11:00:00Z"),
        ("2026-11-07T10:00:00-05:00", "not a date"),  # a stamp not read says nothing against the dose
    ],
)
def test_a_record_written_after_or_within_a_day_of_its_dose_counts(when: str, updated: str | None) -> None:
    assert _facts(_written("given", when, updated)).cumulative_doxorubicin.value == 50


def test_a_date_only_dose_written_more_than_a_day_before_its_day_can_begin_is_an_unknown_part() -> None:
    total = _facts(_written("pre-charted", "2026-11-07", "2026-11-05T09:00:00Z")).cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (0, 1)


# --- one business identifier, one charted event ------------------------------------------------------

MAR = "urn:oid:1.2.840.114350.1.13.99.2.7.2.798268"


def _event(rid: str, when: str, value: str, dose: float = 50, medication: Resource = DOXORUBICIN) -> Resource:
    record = administration(rid, medication, when, (dose, "mg/m2"))
    record["identifier"] = [{"system": MAR, "value": value}]
    return record


def test_records_of_one_identifier_that_agree_are_one_dose_every_record_named() -> None:
    facts = _facts(
        _event("copy", "2026-11-07T09:00:00Z", "MAR-1"),
        # the same minute on another clock, the same dose in g/m2
        {
            **_event("version", "2026-11-07T04:00:00-05:00", "MAR-1", 0.05),
            "dosage": {
                "dose": {"value": 0.05, "unit": "g/m2", "system": "http://unitsofmeasure.org", "code": "g/m2"}
            },
        },
        _event("other", "2026-10-17T09:00:00Z", "MAR-2"),
    )
    assert facts.cumulative_doxorubicin.value == 100
    assert (
        "2 records of one dose merged (MedicationAdministration/copy, MedicationAdministration/version)"
        in (facts.cumulative_doxorubicin.merged)
    )


@pytest.mark.parametrize(
    ("second", "differ"),
    [
        (_event("b", "2026-10-20T10:00:00Z", "MAR-5"), "different dates (2026-09-29T10:00:00+00:00, "),
        (_event("b", "2026-09-29T10:00:00Z", "MAR-5", 60), "different amounts (50 mg/m2, 60 mg/m2)"),
        (_event("b", "2026-09-29", "MAR-5", 60), "different amounts"),
        (_event("b", "2026-09-29T10:00:00Z", "MAR-5", medication=EPIRUBICIN), "different drugs"),
    ],
)
def test_records_of_one_identifier_that_disagree_are_one_unknown_part_naming_both(
    second: Resource, differ: str
) -> None:
    total = _facts(
        _event("a", "2026-09-29T10:00:00Z", "MAR-5"), second, _event("c", "2026-08-17T10:00:00Z", "MAR-4")
    ).cumulative_anthracycline
    assert (total.known_mg_m2, total.unknown_parts) == (50, 1)
    (why,) = total.unknown_reasons
    assert why.startswith(
        "MedicationAdministration/a: one charted event with MedicationAdministration/b (the same "
        "identifier), but they chart "
    )
    assert differ in why


def test_one_identifier_is_read_as_one_event_through_a_record_that_carries_two_and_in_any_order() -> None:
    both = _event("b", "2026-09-29T10:00:00Z", "MAR-5")
    both["identifier"].append({"system": "urn:pump", "value": "P-9"})
    pump = administration("c", DOXORUBICIN, "2026-10-20T10:00:00Z", (50, "mg/m2"))
    pump["identifier"] = [{"system": "urn:pump", "value": "P-9"}]
    first = _event("a", "2026-09-29T10:00:00Z", "MAR-5")
    for records in ([first, both, pump], [pump, both, first]):
        total = _facts(*records).cumulative_doxorubicin
        assert (total.known_mg_m2, total.unknown_parts) == (0, 1)
        assert "MedicationAdministration/b, MedicationAdministration/c" in total.unknown_reasons[0]


def test_a_value_with_no_system_or_another_system_is_no_shared_identifier() -> None:
    a = administration("a", DOXORUBICIN, "2026-09-29T10:00:00Z", (50, "mg/m2"))
    b = administration("b", DOXORUBICIN, "2026-10-20T10:00:00Z", (50, "mg/m2"))
    a["identifier"] = [{"value": "5"}]
    b["identifier"] = [{"value": "5"}]
    c = _event("c", "2026-08-17T10:00:00Z", "5")
    d = {**_event("d", "2026-07-27T10:00:00Z", "5"), "identifier": [{"system": "urn:other", "value": "5"}]}
    assert _facts(a, b, c, d).cumulative_doxorubicin.value == 200


def test_of_records_of_one_event_that_agree_the_one_charted_with_a_time_is_kept() -> None:
    found = merge_duplicates(
        counted_administrations(
            pool_of(_event("a", "2026-11-07", "MAR-1"), _event("b", "2026-11-07T09:00:00Z", "MAR-1")),
            ANTHRACYCLINES,
        )
    )
    assert [(a.reference, a.merged, a.disagreement) for a in found] == [
        ("MedicationAdministration/b", ("MedicationAdministration/a", "MedicationAdministration/b"), "")
    ]
