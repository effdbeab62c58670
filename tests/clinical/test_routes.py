"""Routes of a dose (clinical/routes.py, docs/facts.md "Routes"): only a dose that reached the circulation
is one of the cumulative totals; a local instillation is set aside, a regional route or one not read is an
unknown part, no route at all counts as charted."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cds_service.clinical.codes import SNOMED
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.routes import LOCAL, NOT_READ, REGIONAL, SYSTEMIC, administration_route, route_of
from cds_service.fhir.pool import Resource
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    administration,
    medication_request,
    patient,
    pool_of,
)


def _snomed(code: str, display: str, text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"coding": [{"system": SNOMED, "code": code, "display": display}]}
    if text is not None:
        found["text"] = text
    return found


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        (None, ""),
        (_snomed("47625008", "Intravenous route", "IV"), SYSTEMIC),
        ({"text": "IV push over 10 min"}, SYSTEMIC),
        (_snomed("372471009", "Intravesical route"), LOCAL),
        (_snomed("37737002", "Intravesical route (qualifier value)", "Intravesical"), LOCAL),
        ({"text": "bladder instillation"}, LOCAL),
        (_snomed("58100008", "Intra-arterial route", "hepatic artery (TACE)"), REGIONAL),
        (_snomed("38239002", "Intraperitoneal route"), REGIONAL),
        ({"text": "TACE"}, REGIONAL),
        # a code not listed, a system not read, words naming no route: not read is not absent
        (_snomed("54471007", "Buccal route"), NOT_READ),
        ({"coding": [{"system": "http://example.org/routes", "code": "17"}]}, NOT_READ),
        ({"text": "five times"}, NOT_READ),
        # a code and words naming different kinds of route contradict each other
        (_snomed("47625008", "Intravenous route", "intravesical"), NOT_READ),
    ],
)
def test_a_route_reads_as_systemic_local_regional_or_not_read(route: Any, kind: str) -> None:
    assert route_of(route).kind == kind


def test_an_administration_route_is_read_once_per_route_and_kept_as_charted() -> None:
    dose = administration("a", DOXORUBICIN, "2024-05-06T14:00:00Z", (50, "mg"))
    assert administration_route(dose).kind == ""
    dose["dosage"]["route"] = _snomed("37737002", "Intravesical route (qualifier value)", "Intravesical")
    first, again = administration_route(dose), administration_route(dose)
    assert first == again
    assert (first.kind, first.said) == (LOCAL, "Intravesical")


def _facts(*resources: Resource) -> ClinicalFacts:
    dex = medication_request("dex", DEXRAZOXANE, (600, "mg/m2"), authored="2026-12-10")
    pool = pool_of(patient(), *resources, drafts=[dex])
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=date(2026, 12, 10), line_of_business_map={})


def _by(route: dict[str, Any] | None, rid: str, day: int) -> Resource:
    dose = administration(rid, DOXORUBICIN, f"2024-05-{day:02d}T14:00:00Z", (50, "mg/m2"))
    if route is not None:
        dose["dosage"]["route"] = route
    return dose


def test_a_local_instillation_is_set_aside_and_said_a_regional_route_counts_up_to_its_dose() -> None:
    iv = [_by(_snomed("47625008", "Intravenous route"), f"iv{i}", i + 1) for i in range(4)]
    bladder = [
        _by(_snomed("372471009", "Intravesical route", "Intravesical"), f"bladder{i}", 10 + i)
        for i in range(2)
    ]
    facts = _facts(*iv, *bladder, _by(None, "no-route", 20))
    total = facts.cumulative_doxorubicin
    assert (total.value, total.set_aside) == (
        250,
        (
            "MedicationAdministration/bladder0, MedicationAdministration/bladder1 set aside: doxorubicin "
            "given by the route 'Intravesical': not a systemic dose",
        ),
    )
    assert total.set_aside[0] in facts.set_aside
    tace = _facts(
        *iv, _by(_snomed("58100008", "Intra-arterial route", "TACE"), "tace", 21)
    ).cumulative_doxorubicin
    # a regional route: anywhere from nothing to the whole dose charted reached the circulation
    assert (tace.known_mg_m2, tace.possible_mg_m2, tace.unknown_parts) == (200, 50, 0)
    assert tace.reaches(250) is None and tace.reaches(251) is False and tace.reaches(200) is True
    assert any("counted from nothing to its whole dose" in note for note in tace.set_aside)


def _ordered(route: dict[str, Any]) -> Resource:
    order = medication_request("dox-order", DOXORUBICIN, (50, "mg"), status="active", authored="2026-11-01")
    order["dosageInstruction"][0]["route"] = route
    return order


def test_a_local_instillation_ordered_is_no_concurrent_doxorubicin_and_plans_no_systemic_dose() -> None:
    facts = _facts(_ordered(_snomed("372471009", "Intravesical route", "Intravesical")))
    assert facts.concurrent_doxorubicin.value is False
    assert "MedicationRequest/dox-order: doxorubicin given by the route 'Intravesical'" in (
        facts.concurrent_doxorubicin.reason
    )
    assert facts.planned_doxorubicin.value == 0


def test_a_regional_route_ordered_leaves_concurrency_and_its_doses_unknown() -> None:
    facts = _facts(_ordered(_snomed("58100008", "Intra-arterial route", "hepatic artery (TACE)")))
    assert facts.concurrent_doxorubicin.value is None
    assert "ordered by the route 'hepatic artery (TACE)'" in facts.concurrent_doxorubicin.reason
    assert facts.planned_doxorubicin.unknown_parts == 1
