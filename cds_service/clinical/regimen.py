"""Orders still in play (the draft orders being signed and active orders) and the doses they have to come.

CONTRACT §3 "Planned / anticipated cumulative dose": every dose of a draft order; for an active order (or a
draft being re-signed, which administrations already reference) only the doses still to come, so nothing
counts twice with the administrations already recorded:

* when administrations reference the order (``request``, DSTU2/STU3 ``prescription``), its schedule less
  that many doses (the earliest ones are the ones given);
* otherwise the doses scheduled from the approval start on, less any on or before the latest recorded
  administration of the same drug (a dose given on the day, not linked to its order, is not counted again);
* a dose the schedule dated before the approval start and not recorded as given (the order still active)
  may be delayed or may never come: an unknown part, so it can neither meet a threshold nor deny on one;
* a dose whose date is unknown, or an open-ended schedule, is an unknown part of the planned total.

An ``instance-order`` (one occurrence of a parent order, FHIR R4 MedicationRequest.intent) whose parent is
in play is not counted beside it: its dose is one of the parent's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from cds_service.clinical.administrations import Administration
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.codes import Agent
from cds_service.clinical.doses import Dose, dose_on
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.fhir_read import status_of
from cds_service.clinical.orders import MEDICATION_ORDER_TYPES, not_going_ahead
from cds_service.clinical.schedule import PlannedSchedule, order_date, planned_schedule
from cds_service.fhir.pool import Resource, ResourcePool, reference_of


@dataclass(frozen=True)
class OrderInPlay:
    resource: Resource
    reference: str
    agent: Agent
    draft: bool
    schedule: PlannedSchedule


def orders_in_play(pool: ResourcePool, agents: frozenset[Agent]) -> list[OrderInPlay]:
    """Draft orders (any status) and active orders of ``agents``, each once; never a prohibition or a
    proposal (``not_going_ahead``)."""
    drafts = {id(order) for order in pool.draft_orders}
    found: list[OrderInPlay] = []
    for order in pool.of_type(*MEDICATION_ORDER_TYPES):
        draft = id(order) in drafts
        if not_going_ahead(order) or (not draft and status_of(order) != "active"):
            continue
        agent = agent_of(order, pool)
        if agent is None or agent not in agents:
            continue
        found.append(OrderInPlay(order, reference_of(order), agent, draft, planned_schedule(order)))
    in_play = {order.reference for order in found}
    return [order for order in found if not _occurrence_of(order.resource, in_play)]


def _occurrence_of(order: Resource, parents: set[str]) -> bool:
    if order.get("intent") != "instance-order":
        return False
    based_on = [b.get("reference") for b in order.get("basedOn") or [] if isinstance(b, dict)]
    return any(
        isinstance(ref, str) and ref.split("/_history/")[0].endswith(tuple(parents)) for ref in based_on
    )


def doses_to_come(
    orders: Iterable[OrderInPlay],
    administrations: Iterable[Administration],
    body: BodySurfaceArea,
    *,
    start: date,
) -> list[Dose]:
    """The planned doses of ``orders`` not yet given, converted to mg/m² with the current BSA."""
    administrations = list(administrations)
    given = Counter(a.request for a in administrations if a.request)
    last_given: dict[Agent, date] = {}
    for a in administrations:
        if a.when is not None and a.when > last_given.get(a.agent, date.min):
            last_given[a.agent] = a.when
    planned: list[Dose] = []
    for order in orders:
        if order.schedule.open_ended:
            planned.append(
                Dose(order.reference, order.agent, None, None, planned=True, note="open-ended schedule")
            )
        doses = list(order.schedule.doses)
        # A draft that administrations already reference is an order being re-signed: its given doses
        # are in the administered total, so it is read like an active order (nothing counts twice).
        if not order.draft or given[order.reference]:
            if given[order.reference]:
                doses = doses[given[order.reference] :]
            else:
                given_until = last_given.get(order.agent, date.min)
                doses = [d for d in doses if d.when is None or (d.when > given_until and d.when >= start)]
            overdue = [d for d in doses if d.when is not None and d.when < start]
            doses = [d for d in doses if d.when is None or d.when >= start]
            planned.extend(
                Dose(
                    order.reference,
                    order.agent,
                    d.when,
                    None,
                    planned=True,
                    note="scheduled before the approval start, not recorded as given: delayed or abandoned",
                )
                for d in overdue
            )
        for planned_dose in doses:
            if planned_dose.when is None and not order.draft and not given[order.reference]:
                planned.append(
                    Dose(
                        order.reference,
                        order.agent,
                        None,
                        None,
                        planned=True,
                        note="undated dose of an active order: cannot tell whether already given",
                    )
                )
                continue
            planned.append(
                dose_on(
                    order.reference,
                    order.agent,
                    planned_dose.when,
                    planned_dose.amount,
                    body,
                    fallback=start,
                    planned=True,
                )
            )
    return planned


def current_order_date(order: OrderInPlay) -> date:
    """For choosing among several orders: the latest written wins (undated ones last)."""
    return order_date(order.resource) or date.min
