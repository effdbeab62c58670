"""Where one hook call's patient data is: the plain values the edge reads off the wire (issue 10).

``fhir/`` is handed this, never the CDS Hooks wire model: the edge (``hooks/``) parses the request and
says, in plain values, which patient and user the call is about, the draft orders, what the client
prefetched and which FHIR server (with which bearer token) holds the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    patient_id: str
    user_id: str
    # context.draftOrders as sent: a Bundle (CDS Hooks 2.0 order-sign context)
    draft_orders: Mapping[str, Any]
    prefetch: Mapping[str, Any] = field(default_factory=dict)
    # fhirServer and fhirAuthorization.access_token (None: not sent)
    server: str | None = None
    token: str | None = None

    @property
    def context(self) -> dict[str, Any]:
        """The hook context's identifiers by their CDS Hooks names: what prefetch tokens are filled from."""
        return {"userId": self.user_id, "patientId": self.patient_id}
