"""Anthracycline regimens an active CarePlan plans ("Planned totals need a known extent", docs/facts.md
"Record integrity").

An active CarePlan whose activities plan an anthracycline counts toward the planned total, and a CarePlan
that states the regimen's extent (``scheduledTiming`` with a count, an end or a duration) lets a planned
total below its threshold be ``not_met`` even when the orders signed so far are only its first cycle.

A plan and the orders for its cycles describe the same doses: the plan adds only the doses dated after
the last dose the orders plan (or were given) for that drug, so nothing counts twice. A plan's doses
dated before the approval start are history, not doses to come.

A care plan named but not read (docs/facts.md "A care plan named but not read"): an active CarePlan whose
title, description, activities or notes name an anthracycline in words, with no activity the service can
read for that drug, plans doses of unknown number and size: an unknown part of the planned totals, so a
total below its threshold is unknown (pend for the treatment plan), never not met.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from cds_service.clinical.administrations import Administration
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.codes import Agent
from cds_service.clinical.doses import Dose, dose_on, optional_dose
from cds_service.clinical.drugs import agent_of_concept, agent_of_medication, named_in_words
from cds_service.clinical.fhir_read import concept_text, dicts, obj, status_of
from cds_service.clinical.limits import CARE_PLAN_WORDS, PLANNED_DOSES_PER_READ
from cds_service.clinical.schedule import (
    PlannedSchedule,
    SchedulePlan,
    range_in_words,
    schedule_plan,
    states_extent,
)
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

# FHIR R4 care-plan-activity-status codes that plan nothing more.
_ACTIVITY_DONE = frozenset({"cancelled", "stopped", "completed", "entered-in-error"})


@dataclass(frozen=True)
class PlannedActivity:
    reference: str  # "CarePlan/<id>"
    agent: Agent
    schedule: PlannedSchedule
    states_extent: bool
    # The regimen's length written as a range in the plan's or the activity's text ("4 to 6 cycles"), or "".
    range_in_words: str = ""


def _agent(detail: dict[str, Any], plan: Resource, pool: ResourcePool) -> Agent | None:
    concept = detail.get("productCodeableConcept")
    if concept is not None:
        return agent_of_concept(concept)
    medication = pool.resolve(detail.get("productReference"), within=plan)
    if medication is not None and medication.get("resourceType") == "Medication":
        return agent_of_medication(medication)
    return None


def _active_plans(pool: ResourcePool) -> list[Resource]:
    return [
        plan
        for plan in pool.of_type("CarePlan")
        if status_of(plan) == "active" and plan.get("intent") != "proposal"
    ]


def planned_activities(pool: ResourcePool, agents: frozenset[Agent]) -> list[PlannedActivity]:
    """The activities of active CarePlans that plan one of ``agents``, with their schedules. Like the orders
    in play, all of them together are listed only within ``limits.PLANNED_DOSES_PER_READ``."""
    read: list[tuple[str, Agent, SchedulePlan | None, str]] = []
    for plan in _active_plans(pool):
        written = obj(plan.get("period")).get("start") or plan.get("created")
        texts = _plan_texts(plan)
        for activity in dicts(plan.get("activity")):
            detail = obj(activity.get("detail"))
            if not detail or status_of(detail) in _ACTIVITY_DONE or detail.get("doNotPerform") is True:
                continue
            agent = _agent(detail, plan, pool)
            if agent is None or agent not in agents:
                continue
            amount = detail.get("dailyAmount") or detail.get("quantity")
            # The activity read as a one-line order, so its timing is read as an order's would be.
            as_order: Resource = {"authoredOn": written, "dosageInstruction": []}
            if isinstance(detail.get("scheduledTiming"), dict):
                dosage: dict[str, Any] = {"timing": detail["scheduledTiming"]}
                if isinstance(amount, dict):
                    dosage["doseAndRate"] = [{"doseQuantity": amount}]
                as_order["dosageInstruction"] = [dosage]
            stated = bool(as_order["dosageInstruction"]) and states_extent(as_order)
            in_words = range_in_words([detail.get("description"), *texts])
            read.append((reference_of(plan), agent, schedule_plan(as_order) if stated else None, in_words))
    planned = sum(found.size for _, _, found, _ in read if found is not None)
    cap = PLANNED_DOSES_PER_READ.value
    over = (
        f"the CarePlans plan {planned} doses together, more than the {cap} read per request"
        if planned > cap
        else ""
    )
    return [
        PlannedActivity(
            reference,
            agent,
            found.schedule(unread=over) if found is not None else PlannedSchedule((), open_ended=True),
            found is not None,
            in_words,
        )
        for reference, agent, found, in_words in read
    ]


def _plan_texts(plan: Resource) -> list[Any]:
    """Where a CarePlan writes its regimen in words: its title, description and notes."""
    return [
        plan.get("title"),
        plan.get("description"),
        *(note.get("text") for note in dicts(plan.get("note"))),
    ]


def regimen_stated(activities: Iterable[PlannedActivity]) -> frozenset[Agent]:
    """The drugs whose regimen an active CarePlan states in full: a schedule read whole, with an extent,
    and no length written as a range beside it."""
    return frozenset(
        activity.agent
        for activity in activities
        if activity.states_extent and not activity.schedule.unread and not activity.range_in_words
    )


def care_plan_doses(
    activities: Iterable[PlannedActivity],
    ordered: Iterable[Dose],
    given: Iterable[Administration],
    body: BodySurfaceArea,
    *,
    start: date,
) -> list[Dose]:
    """The doses CarePlans plan beyond what the orders plan and what was given, per drug, from the
    approval start on; an activity with no stated extent is an unknown part."""
    latest: dict[Agent, date] = {}
    for when, agent in [(d.when, d.agent) for d in ordered] + [(a.when, a.agent) for a in given]:
        if when is not None and when > latest.get(agent, date.min):
            latest[agent] = when
    doses: list[Dose] = []
    for activity in activities:
        unknown = ""
        if not activity.states_extent:
            unknown = "planned extent not stated: the CarePlan activity gives no count or end"
        elif activity.schedule.unread:
            unknown = f"the CarePlan activity's schedule is not read: {activity.schedule.unread}"
        elif activity.range_in_words:
            unknown = f"the CarePlan writes the regimen's length as a range ({activity.range_in_words!r})"
        if unknown:
            doses.append(Dose(activity.reference, activity.agent, None, None, planned=True, note=unknown))
        if not activity.states_extent or activity.schedule.unread:
            continue
        after = latest.get(activity.agent, date.min)
        every = [(d, False) for d in activity.schedule.doses] + [
            (d, True) for d in activity.schedule.optional
        ]
        for planned, optional in every:
            if planned.when is None:
                note = "undated dose of a CarePlan: cannot be told from the ordered ones"
                doses.append(Dose(activity.reference, activity.agent, None, None, planned=True, note=note))
                continue
            if planned.when < start or planned.when <= after:
                continue
            dose = dose_on(
                activity.reference,
                activity.agent,
                planned.when,
                planned.amount,
                body,
                fallback=start,
                planned=True,
            )
            remark = "; ".join(r for r in (f"planned in {activity.reference}", dose.remark) if r)
            dose = dose._replace(note=dose.note or "planned in the CarePlan", remark=remark)
            doses.append(optional_dose(dose) if optional else dose)
    return doses


def _plan_words(plan: Resource) -> str:
    """The words of a CarePlan: title, description, notes, and each activity's description, code, outcome,
    progress notes and reference display; read up to ``limits.CARE_PLAN_WORDS`` characters."""
    cap = CARE_PLAN_WORDS.value
    text: list[str] = []
    size = 0

    def add(parts: Iterable[object]) -> bool:
        nonlocal size
        for part in parts:
            if isinstance(part, str) and part:
                text.append(part[: cap - size])
                size += len(text[-1])
                if size >= cap:
                    return False
        return True

    notes = [note.get("text") for note in dicts(plan.get("note"))]
    if not add([plan.get("title"), plan.get("description"), *notes]):
        return " ".join(text)
    for activity in dicts(plan.get("activity")):
        detail = obj(activity.get("detail"))
        progress = [note.get("text") for note in dicts(activity.get("progress"))]
        parts = [
            detail.get("description"),
            concept_text(detail.get("code")),
            concept_text(activity.get("outcomeCodeableConcept")),
            obj(activity.get("reference")).get("display"),
            *progress,
        ]
        if not add(parts):
            break
    return " ".join(text)


def named_but_not_read(
    pool: ResourcePool, agents: frozenset[Agent], activities: Iterable[PlannedActivity]
) -> list[Dose]:
    """An unknown part of the planned totals for each active CarePlan that names one of ``agents`` in its
    words but has no activity the service reads for that drug (its doses and extent cannot be read)."""
    read = {(activity.reference, activity.agent) for activity in activities}
    found: list[Dose] = []
    for plan in _active_plans(pool):
        reference = reference_of(plan)
        words = _plan_words(plan)
        for agent in named_in_words(words):
            if agent in agents and (reference, agent) not in read:
                note = f"the CarePlan names {agent.value}, but its doses and extent cannot be read"
                found.append(Dose(reference, agent, None, None, planned=True, note=note))
    return found
