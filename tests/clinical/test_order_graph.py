"""One dose, every link (docs/facts.md "One dose, every link"): the order graph, and the planned totals
and ratio it gives."""

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.clinical.codes import Agent
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.order_graph import OrderNode, fulfilled_schedule, order_graph
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.schedule import PlannedDose, PlannedSchedule
from cds_service.fhir.pool import ResourcePool
from tests.clinical.builders import medication_request, patient, pool_of, timing

TODAY = date(2026, 11, 28)
DOX = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3639"}]}
EPI = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3995"}]}
DEXRAZOXANE = {"coding": [{"system": "http://www.whocc.no/atc", "code": "V03AF02"}]}
GROUP = {"system": "urn:example:requisition", "value": "R-1"}


def node(rid: str, agent: Agent = Agent.DOXORUBICIN, **fields: Any) -> OrderNode:
    return OrderNode(
        {"resourceType": "MedicationRequest", "id": rid, **fields}, f"MedicationRequest/{rid}", agent
    )


def ref(rid: str) -> dict[str, str]:
    return {"reference": f"MedicationRequest/{rid}"}


def test_a_release_based_on_a_plan_fulfils_it_and_links_both_ways() -> None:
    graph = order_graph([node("plan", intent="plan"), node("c1", intent="order", basedOn=[ref("plan")])])
    assert graph.fulfils == {"MedicationRequest/c1": ("MedicationRequest/plan", "basedOn")}
    assert graph.members("MedicationRequest/plan") == ("MedicationRequest/c1",)
    assert graph.linked("MedicationRequest/plan") == {"MedicationRequest/c1"}


def test_only_an_order_of_the_same_drug_is_fulfilled() -> None:
    graph = order_graph([node("plan", intent="plan"), node("epi", Agent.EPIRUBICIN, basedOn=[ref("plan")])])
    assert graph.fulfils == {}


def test_a_shared_group_identifier_with_a_plan_is_a_release_and_without_one_siblings() -> None:
    with_plan = order_graph(
        [
            node("plan", intent="plan", groupIdentifier=GROUP),
            node("c1", intent="order", groupIdentifier=GROUP),
        ]
    )
    assert with_plan.fulfils == {"MedicationRequest/c1": ("MedicationRequest/plan", "groupIdentifier")}
    siblings = order_graph([node("a", groupIdentifier=GROUP), node("b", groupIdentifier=GROUP)])
    assert siblings.fulfils == {}
    assert siblings.group == {
        "MedicationRequest/a": "MedicationRequest/a",
        "MedicationRequest/b": "MedicationRequest/a",
    }


def test_replacements_follow_chains_and_leave_loops() -> None:
    chain = order_graph(
        [node("a"), node("b", priorPrescription=ref("a")), node("c", priorPrescription=ref("b"))]
    )
    assert chain.replaced_by == {
        "MedicationRequest/a": "MedicationRequest/c",
        "MedicationRequest/b": "MedicationRequest/c",
    }
    loop = order_graph([node("x", priorPrescription=ref("y")), node("y", priorPrescription=ref("x"))])
    assert loop.replaced_by == {}


def test_a_release_of_a_replaced_plan_belongs_to_its_replacement() -> None:
    graph = order_graph(
        [
            node("old-plan", intent="plan"),
            node("new-plan", intent="plan", priorPrescription=ref("old-plan")),
            node("c1", basedOn=[ref("old-plan")]),
        ]
    )
    assert graph.fulfils["MedicationRequest/c1"][0] == "MedicationRequest/new-plan"


def test_a_re_order_of_a_release_inherits_its_plan() -> None:
    graph = order_graph(
        [
            node("plan", intent="plan"),
            node("c1", basedOn=[ref("plan")]),
            node("c1-again", priorPrescription=ref("c1")),
        ]
    )
    assert graph.replaced_by == {"MedicationRequest/c1": "MedicationRequest/c1-again"}
    assert graph.fulfils["MedicationRequest/c1-again"][0] == "MedicationRequest/plan"


def test_two_orders_replacing_one_order_are_siblings() -> None:
    graph = order_graph(
        [node("a"), node("b", priorPrescription=ref("a")), node("c", priorPrescription=ref("a"))]
    )
    assert graph.group["MedicationRequest/b"] == graph.group["MedicationRequest/c"]


def test_a_released_dose_takes_its_cycles_place_or_is_unplaced() -> None:
    plan = PlannedSchedule(tuple(PlannedDose(date(2026, 12, d), (60.0, "mg/m2")) for d in (1, 22)))
    moved = PlannedSchedule((PlannedDose(date(2026, 12, 4), (45.0, "mg/m2")),))  # 3 days late, reduced
    extra = PlannedSchedule((PlannedDose(date(2026, 12, 12), (60.0, "mg/m2")),))  # no cycle near it
    fulfilled = fulfilled_schedule(plan, [("MedicationRequest/c1", moved), ("MedicationRequest/x", extra)])
    assert fulfilled.schedule.doses == (
        PlannedDose(date(2026, 12, 4), (45.0, "mg/m2")),
        PlannedDose(date(2026, 12, 22), (60.0, "mg/m2")),
    )
    assert fulfilled.unplaced == (("MedicationRequest/x", extra.doses[0]),)
    open_ended = fulfilled_schedule(PlannedSchedule((), open_ended=True), [("MedicationRequest/c1", moved)])
    assert open_ended.schedule == PlannedSchedule(moved.doses, open_ended=True)


def facts_of(pool: ResourcePool) -> ClinicalFacts:
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=TODAY, line_of_business_map={})


def dox(rid: str, amount: float, count: int, **extra: Any) -> dict[str, Any]:
    return medication_request(
        rid,
        DOX,
        (amount, "mg/m2"),
        authored="2026-11-28",
        timing_=timing(count=count, start="2026-11-28", period=21),
        **extra,
    )


DEX = medication_request(
    "dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-11-28", timing_=timing(count=1, start="2026-11-28")
)


def test_a_plan_and_its_release_are_counted_once_with_the_released_amount() -> None:
    plan = dox("plan", 50, 4, status="active", intent="plan")
    alone = facts_of(pool_of(patient(), plan, drafts=[DEX]))
    release = dox("c1", 40, 1, basedOn=[ref("plan")])
    both = facts_of(pool_of(patient(), plan, drafts=[DEX, release]))
    assert alone.planned_doxorubicin.value == 200
    assert both.planned_doxorubicin.value == 190  # the first cycle released at 40, not 50 + 50
    assert any(
        "fulfils MedicationRequest/plan (basedOn)" in note for note in both.planned_doxorubicin.set_aside
    )
    # the ratio holds for the reduced dose too: 500 : 40
    assert both.doxorubicin_dose_mg_m2.value == 40 and both.dose_ratio.value == 12.5


def test_group_siblings_planning_the_same_dose_on_a_day_count_it_once() -> None:
    a = dox("a", 50, 2, status="active", groupIdentifier=GROUP)
    same = dox("b", 50, 1, groupIdentifier=GROUP)
    facts = facts_of(pool_of(patient(), a, drafts=[DEX, same]))
    assert facts.planned_doxorubicin.value == 100
    assert any("counted once" in remark for remark in facts.planned_doxorubicin.remarks)
    different = dox("b", 60, 1, groupIdentifier=GROUP)
    unsure = facts_of(pool_of(patient(), a, drafts=[DEX, different]))
    assert unsure.planned_doxorubicin.value is None and unsure.planned_doxorubicin.known_mg_m2 == 50
    assert any("one or two" in why for why in unsure.planned_doxorubicin.unknown_reasons)


def test_a_released_dose_matching_no_cycle_is_an_unknown_part() -> None:
    plan = dox("plan", 50, 2, status="active", intent="plan")
    release = medication_request(
        "c9",
        DOX,
        (50, "mg/m2"),
        authored="2026-11-28",
        timing_=timing(count=1, start="2026-12-09"),
        basedOn=[ref("plan")],
    )
    facts = facts_of(pool_of(patient(), plan, drafts=[DEX, release]))
    assert facts.planned_doxorubicin.known_mg_m2 == 100 and facts.planned_doxorubicin.unknown_parts == 1


def test_a_dexrazoxane_order_linked_to_this_one_is_never_added_to_its_dose() -> None:
    plan = medication_request(
        "dex-plan",
        DEXRAZOXANE,
        (500, "mg/m2"),
        status="draft",
        authored="2026-11-28",
        timing_=timing(count=4, start="2026-11-28", period=21),
        intent="plan",
    )
    release = {**DEX, "basedOn": [ref("dex-plan")]}
    doxorubicin = dox("dox", 50, 4)
    pool = pool_of(patient(), drafts=[release, plan, doxorubicin])
    facts = extract_facts(pool, release, today=TODAY, line_of_business_map={})
    assert facts.dose_ratio.value == 10  # not 20: the plan is this therapy, not more of it


def test_an_order_cannot_replace_one_written_after_it() -> None:
    """An active order claiming to replace the draft signed today (or any order written after it): the
    link is not read, and the two stand as orders nothing links."""
    early = node("old", authoredOn="2026-09-26", priorPrescription=ref("today"))
    graph = order_graph([early, node("today", authoredOn="2026-11-28")])
    assert graph.replaced_by == {} and graph.group == {}
    later = node("new", authoredOn="2026-11-28", priorPrescription=ref("first"))
    assert order_graph([later, node("first", authoredOn="2026-09-26")]).replaced_by == {
        "MedicationRequest/first": "MedicationRequest/new"
    }
