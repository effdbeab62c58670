"""Anthracycline regimens an active CarePlan plans (CONTRACT §2.1 "Planned totals need a known extent").

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

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from cds_service.clinical.administrations import Administration
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.codes import NAME_PATTERNS, Agent
from cds_service.clinical.doses import Dose, dose_on
from cds_service.clinical.drugs import agent_of_concept, agent_of_medication
from cds_service.clinical.fhir_read import concept_text, dicts, obj, status_of
from cds_service.clinical.schedule import PlannedSchedule, planned_schedule, states_extent
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

# FHIR R4 care-plan-activity-status codes that plan nothing more.
_ACTIVITY_DONE = frozenset({"cancelled", "stopped", "completed", "entered-in-error"})


@dataclass(frozen=True)
class PlannedActivity:
    reference: str  # "CarePlan/<id>"
    agent: Agent
    schedule: PlannedSchedule
    states_extent: bool


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
    """The activities of active CarePlans that plan one of ``agents``, with their schedules."""
    found: list[PlannedActivity] = []
    for plan in _active_plans(pool):
        written = obj(plan.get("period")).get("start") or plan.get("created")
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
            schedule = planned_schedule(as_order) if stated else PlannedSchedule((), open_ended=True)
            found.append(PlannedActivity(reference_of(plan), agent, schedule, stated))
    return found


def regimen_stated(activities: Iterable[PlannedActivity]) -> frozenset[Agent]:
    """The drugs whose regimen an active CarePlan states in full."""
    return frozenset(activity.agent for activity in activities if activity.states_extent)


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
        if not activity.states_extent:
            doses.append(
                Dose(
                    activity.reference,
                    activity.agent,
                    None,
                    None,
                    planned=True,
                    note="planned extent not stated: the CarePlan activity gives no count or end",
                )
            )
            continue
        after = latest.get(activity.agent, date.min)
        for planned in activity.schedule.doses:
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
            doses.append(dose._replace(note=dose.note or "planned in the CarePlan", remark=remark))
    return doses


# A drug named anywhere in a plan's words (not only where a medication's name starts, as ``drugs`` reads
# an order): "AC: doxorubicin 60 mg/m2 and cyclophosphamide every 21 days" names doxorubicin.
_NAMED = tuple(
    (agent, re.compile(r"\b(?:" + "|".join(names) + r")\b", re.IGNORECASE)) for agent, names in NAME_PATTERNS
)
# A plan's words are read up to this many characters (a bound on the work; a plan's title, description and
# notes are a few hundred).
_MAX_PLAN_TEXT = 20_000


def _plan_words(plan: Resource) -> str:
    """The words of a CarePlan: title, description, notes, and each activity's description, code, outcome,
    progress notes and reference display."""
    parts: list[str] = [
        str(plan.get(key)) for key in ("title", "description") if isinstance(plan.get(key), str)
    ]
    parts += [note["text"] for note in dicts(plan.get("note")) if isinstance(note.get("text"), str)]
    for activity in dicts(plan.get("activity")):
        detail = obj(activity.get("detail"))
        if isinstance(detail.get("description"), str):
            parts.append(detail["description"])
        parts.append(concept_text(detail.get("code")))
        parts.append(concept_text(activity.get("outcomeCodeableConcept")))
        parts += [
            note["text"] for note in dicts(activity.get("progress")) if isinstance(note.get("text"), str)
        ]
        display = obj(activity.get("reference")).get("display")
        if isinstance(display, str):
            parts.append(display)
    text, size = [], 0
    for part in parts:
        if size >= _MAX_PLAN_TEXT:
            break
        text.append(part[: _MAX_PLAN_TEXT - size])
        size += len(text[-1])
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
        for agent, pattern in _NAMED:
            if agent in agents and (reference, agent) not in read and pattern.search(words):
                note = f"the CarePlan names {agent.value}, but its doses and extent cannot be read"
                found.append(Dose(reference, agent, None, None, planned=True, note=note))
    return found
