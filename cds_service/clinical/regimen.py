"""Orders still in play (the draft orders being signed and active orders) and the doses they have to come.

CONTRACT §3 "Planned / anticipated cumulative dose": every dose of a draft order; for an active order only
the doses still to come, so nothing counts twice with the administrations already recorded:

* when administrations reference the order (``request``, DSTU2/STU3 ``prescription``), its schedule less
  that many doses (the earliest ones are the ones given);
* otherwise the doses scheduled from the approval start on;
* a dose whose date is unknown, or an open-ended schedule, is an unknown part of the planned total.
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
from cds_service.clinical.orders import MEDICATION_ORDER_TYPES, prohibits
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
    """Draft orders (any status) and active orders of ``agents``, each once; never a ``doNotPerform``."""
    drafts = {id(order) for order in pool.draft_orders}
    found: list[OrderInPlay] = []
    for order in pool.of_type(*MEDICATION_ORDER_TYPES):
        draft = id(order) in drafts
        if prohibits(order) or (not draft and status_of(order) != "active"):
            continue
        agent = agent_of(order, pool)
        if agent is None or agent not in agents:
            continue
        found.append(OrderInPlay(order, reference_of(order), agent, draft, planned_schedule(order)))
    return found


def doses_to_come(
    orders: Iterable[OrderInPlay],
    administrations: Iterable[Administration],
    body: BodySurfaceArea,
    *,
    start: date,
) -> list[Dose]:
    """The planned doses of ``orders`` not yet given, converted to mg/m² with the current BSA."""
    given = Counter(a.request for a in administrations if a.request)
    planned: list[Dose] = []
    for order in orders:
        if order.schedule.open_ended:
            planned.append(
                Dose(order.reference, order.agent, None, None, planned=True, note="open-ended schedule")
            )
        doses = list(order.schedule.doses)
        if not order.draft:
            if given[order.reference]:
                doses = doses[given[order.reference] :]
            else:
                doses = [d for d in doses if d.when is None or d.when >= start]
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
