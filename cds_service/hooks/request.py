"""CDS Hooks 2.0 order-sign request, as a wire model: strict on what the spec requires, lenient on the rest.

Required (CDS Hooks 2.0 §Calling a CDS Service; order-sign context): ``hook``, ``hookInstance``,
``context.userId``, ``context.patientId``, ``context.draftOrders``. Everything else, including unknown
fields and extensions, is accepted (reference/cds-hooks-spec.md §7). FHIR content stays plain JSON.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from cds_service.fhir.source import Source
from cds_service.response.configuration import ResponseOptions, response_options


class FhirAuthorization(BaseModel):
    """Only ``access_token`` is used (sent as a Bearer token to fhirServer). ``token_type``, ``expires_in``,
    ``scope``, ``subject`` and ``patient`` are kept as sent, unjudged: a client's slip in a field the service
    never reads is no reason to refuse the hook (and the OpenAPI document can say exactly what is checked)."""

    model_config = ConfigDict(extra="allow")

    access_token: str


class OrderSignContext(BaseModel):
    model_config = ConfigDict(extra="allow")

    userId: str
    patientId: str
    encounterId: str | None = None
    draftOrders: dict[str, Any]


class HookRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: OrderSignContext
    prefetch: dict[str, Any] | None = None
    extension: dict[str, Any] | None = None

    def source(self) -> Source:
        """Where this call's patient data is, in plain values (what ``evaluation`` and ``fhir/`` take)."""
        return Source(
            patient_id=self.context.patientId,
            user_id=self.context.userId,
            draft_orders=self.context.draftOrders,
            prefetch=self.prefetch or {},
            server=self.fhirServer,
            token=self.fhirAuthorization.access_token if self.fhirAuthorization else None,
        )

    def options(self) -> ResponseOptions:
        """The response options the request's CRD extension asks for."""
        return response_options(self.extension)
