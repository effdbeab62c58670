"""Where one hook call's patient data is: the plain values the edge reads off the wire.

``fhir/`` is handed this, never the CDS Hooks wire model: the edge (``hooks/``) parses the request and
says, in plain values, which patient and user the call is about, the orders it is about, what the client
prefetched and which FHIR server (with which bearer token) holds the rest.

The orders come one of two ways: as resources (``draft_orders``: order-sign's and order-select's
``context.draftOrders``), or by reference (``order_references``: order-dispatch's
``context.dispatchedOrders``), read from the prefetch or the FHIR server and then judged as draft orders
are (``fhir.gather``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    patient_id: str
    # context.userId ("Practitioner/abc"); None for a hook without a user (order-dispatch)
    user_id: str | None
    # context.draftOrders as sent: a Bundle (CDS Hooks 2.0 order-sign and order-select contexts)
    draft_orders: Mapping[str, Any]
    prefetch: Mapping[str, Any] = field(default_factory=dict)
    # fhirServer and fhirAuthorization.access_token (None: not sent)
    server: str | None = None
    token: str | None = None
    # Orders named by "Type/id" reference (order-dispatch's context.dispatchedOrders), in the order sent.
    order_references: tuple[str, ...] = ()
    # The orders a decision is asked for, by "Type/id" (order-select's context.selections); None: every
    # dexrazoxane order among the call's orders.
    decide_on: frozenset[str] | None = None

    @property
    def context(self) -> dict[str, Any]:
        """The hook context's identifiers by their CDS Hooks names: what prefetch tokens are filled from."""
        context = {"patientId": self.patient_id}
        if self.user_id is not None:
            context["userId"] = self.user_id
        return context
