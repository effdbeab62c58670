from __future__ import annotations

from datetime import date

from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.fhir.pool import ResourcePool
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    administration,
    medication_request,
    patient,
    pool_of,
    timing,
)


def facts_of(pool: ResourcePool) -> ClinicalFacts:
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=date(2026, 11, 28), line_of_business_map={})


def active_doxorubicin(count: int) -> dict[str, object]:
    return medication_request(
        "dox",
        DOXORUBICIN,
        (60, "mg/m2"),
        status="active",
        authored="2026-05-01",
        timing_=timing(count=count, period=21, start="2026-05-04"),
    )


def given(n: int) -> list[dict[str, object]]:
    days = ["2026-05-04", "2026-05-25", "2026-06-15", "2026-07-06", "2026-07-27", "2026-08-17"]
    return [
        administration(f"a{i}", DOXORUBICIN, days[i], (60, "mg/m2"), request="MedicationRequest/dox")
        for i in range(n)
    ]


DEX = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-08-20")


def test_an_active_order_with_its_count_used_up_is_not_concurrent() -> None:
    facts = facts_of(pool_of(patient(), active_doxorubicin(6), *given(6), drafts=[DEX]))
    assert facts.concurrent_doxorubicin.value is False
    assert facts.dose_ratio.value is None


def test_active_order_with_doses_to_come_is_concurrent_and_ends_on_its_last_dose() -> None:
    facts = facts_of(pool_of(patient(), active_doxorubicin(8), *given(6), drafts=[DEX]))
    assert facts.concurrent_doxorubicin.value is True
    assert facts.dose_ratio.value == 10
    assert facts.last_planned_doxorubicin_date.value == date(2026, 9, 28)  # 4 May + 7 x 21 days


def test_a_delayed_regimen_has_no_known_end() -> None:
    late = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-11-28")
    facts = facts_of(pool_of(patient(), active_doxorubicin(8), *given(6), drafts=[late]))
    assert facts.concurrent_doxorubicin.value is True
    assert facts.planned_doxorubicin.value == 480  # 6 given + 2 still to come, 60 mg/m2 each
    assert facts.last_planned_doxorubicin_date.value is None
