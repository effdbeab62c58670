"""A dose against the records it names (clinical/administration_conflicts.py, docs/facts.md "A dose and the
records it names"): the order or Encounter a dose names may contradict it, which makes the dose an unknown
part of its totals, never a dose."""

from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical.administration_conflicts import conflicts
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
