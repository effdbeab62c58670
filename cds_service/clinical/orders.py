"""Which draft orders are dexrazoxane (docs/decisions.md: one determination per dexrazoxane order)."""

from __future__ import annotations

from cds_service.clinical.codes import Agent
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.fhir_read import status_of
from cds_service.fhir.pool import MEDICATION_ORDER_TYPES, Resource, ResourcePool

__all__ = ["MEDICATION_ORDER_TYPES", "dexrazoxane_orders", "not_going_ahead", "prohibits"]

# A draft whose status says it is not going ahead is not an order being signed: it gets no determination,
# no card and no coverage-information (docs/decisions.md "The four decisions"). FHIR R4
# medicationrequest-status.
NOT_SIGNED_STATUSES = frozenset({"cancelled", "stopped", "completed", "entered-in-error"})


def prohibits(order: Resource) -> bool:
    """An R4 ``doNotPerform`` order forbids the drug: it is neither therapy nor a request to cover."""
    return order.get("doNotPerform") is True


def not_going_ahead(request: Resource) -> bool:
    """A prohibition, or a mere ``proposal`` (R4 request intent: a suggestion nobody has acted on): neither
    is therapy, a planned radiation course or a consultation."""
    return prohibits(request) or request.get("intent") == "proposal"


def dexrazoxane_orders(pool: ResourcePool) -> list[Resource]:
    """The draft orders being signed that are dexrazoxane, in the order the EHR sent them; never a draft
    whose status is cancelled, stopped, completed or entered-in-error (``NOT_SIGNED_STATUSES``)."""
    return [
        order
        for order in pool.draft_orders
        if order.get("resourceType") in MEDICATION_ORDER_TYPES
        and not prohibits(order)
        and status_of(order) not in NOT_SIGNED_STATUSES
        and agent_of(order, pool) is Agent.DEXRAZOXANE
    ]
