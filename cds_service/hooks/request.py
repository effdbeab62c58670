"""CDS Hooks 2.0 requests of the three hooks served, as wire models: strict on what the spec requires,
lenient on the rest.

Required (CDS Hooks 2.0 §Calling a CDS Service, and each hook's context):

- every hook: ``hook``, ``hookInstance``, ``context``, ``context.patientId``;
- order-sign: ``context.userId``, ``context.draftOrders``;
- order-select: the same, and ``context.selections`` (order-select 1.0: "The FHIR id of the newly selected
  order(s)", references into ``draftOrders``);
- order-dispatch: ``context.dispatchedOrders`` (references to the orders dispatched) and
  ``context.performer`` (who will perform them); ``context.fulfillmentTasks`` (Task resources) is optional.

Everything else, including unknown fields and extensions, is accepted (CDS Hooks 2.0, "Extensions").
FHIR content stays plain JSON. ``hooks.parse`` checks what these models cannot say (blank strings, bare
ids, selections among the draft orders, reference shapes).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict

from cds_service.fhir.pool import relative_part
from cds_service.fhir.source import Source
from cds_service.response.configuration import ResponseOptions, response_options

# order-dispatch sends no draft orders: its orders are read by reference (``Source.order_references``).
NO_ORDERS: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}


class FhirAuthorization(BaseModel):
    """Only ``access_token`` is used (sent as a Bearer token to fhirServer). ``token_type``, ``expires_in``,
    ``scope``, ``subject`` and ``patient`` are kept as sent, unjudged: a client's slip in a field the service
    never reads is no reason to refuse the hook (and the OpenAPI document can say exactly what is checked)."""

    model_config = ConfigDict(extra="allow")

    access_token: str


class HookCall(BaseModel):
    """What every hook request carries, whatever the hook."""

    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    prefetch: dict[str, Any] | None = None
    extension: dict[str, Any] | None = None

    @property
    @abstractmethod
    def patient_id(self) -> str:
        """The patient, as each hook's context names it."""

    @abstractmethod
    def source(self) -> Source:
        """Where the hook's orders and data are, as each hook's context says."""

    def options(self) -> ResponseOptions:
        """The response options the request's CRD extension asks for."""
        return response_options(self.extension)

    def _token(self) -> str | None:
        return self.fhirAuthorization.access_token if self.fhirAuthorization else None


class OrderSignContext(BaseModel):
    model_config = ConfigDict(extra="allow")

    userId: str
    patientId: str
    encounterId: str | None = None
    draftOrders: dict[str, Any]


class OrderSelectContext(OrderSignContext):
    selections: list[str]


class OrderDispatchContext(BaseModel):
    model_config = ConfigDict(extra="allow")

    patientId: str
    dispatchedOrders: list[str]
    performer: str
    fulfillmentTasks: list[dict[str, Any]] | None = None


class HookRequest(HookCall):
    """An order-sign request."""

    context: OrderSignContext

    @property
    def patient_id(self) -> str:
        return self.context.patientId

    def source(self) -> Source:
        """Where this call's patient data is, in plain values (what ``evaluation`` and ``fhir/`` take)."""
        return Source(
            patient_id=self.context.patientId,
            user_id=self.context.userId,
            draft_orders=self.context.draftOrders,
            prefetch=self.prefetch or {},
            server=self.fhirServer,
            token=self._token(),
        )


class OrderSelectRequest(HookRequest):
    """An order-select request: decided on the selected orders only, among every draft of the session."""

    context: OrderSelectContext

    def source(self) -> Source:
        selected = (relative_part(selection) for selection in self.context.selections)
        return replace(super().source(), decide_on=frozenset(s for s in selected if s is not None))


class OrderDispatchRequest(HookCall):
    """An order-dispatch request: the orders named by reference, read from the prefetch or fhirServer."""

    context: OrderDispatchContext

    @property
    def patient_id(self) -> str:
        return self.context.patientId

    def source(self) -> Source:
        return Source(
            patient_id=self.context.patientId,
            user_id=None,
            draft_orders=NO_ORDERS,
            prefetch=self.prefetch or {},
            server=self.fhirServer,
            token=self._token(),
            order_references=tuple(self.context.dispatchedOrders),
        )
