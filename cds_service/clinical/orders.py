"""Which draft orders are dexrazoxane (CONTRACT §2: one determination per dexrazoxane order)."""

from __future__ import annotations

from cds_service.clinical.codes import Agent
from cds_service.clinical.drugs import agent_of
from cds_service.fhir.pool import MEDICATION_ORDER_TYPES, Resource, ResourcePool

__all__ = ["MEDICATION_ORDER_TYPES", "dexrazoxane_orders", "not_going_ahead", "prohibits"]


def prohibits(order: Resource) -> bool:
    """An R4 ``doNotPerform`` order forbids the drug: it is neither therapy nor a request to cover."""
    return order.get("doNotPerform") is True


def not_going_ahead(request: Resource) -> bool:
    """A prohibition, or a mere ``proposal`` (R4 request intent: a suggestion nobody has acted on): neither
    is therapy, a planned radiation course or a consultation."""
    return prohibits(request) or request.get("intent") == "proposal"


def dexrazoxane_orders(pool: ResourcePool) -> list[Resource]:
    """The draft orders being signed that are dexrazoxane, in the order the EHR sent them."""
    return [
        order
        for order in pool.draft_orders
        if order.get("resourceType") in MEDICATION_ORDER_TYPES
        and not prohibits(order)
        and agent_of(order, pool) is Agent.DEXRAZOXANE
    ]
