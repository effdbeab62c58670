"""The coverage-information system action: the draft order echoed unchanged but for the extension.

CRD §resp-29 / §hook-16: one coverage-information update per in-scope order; §resp-37: the updated resource
changes nothing but coverage-information extensions; §found-33: elements the service does not expect are
ignored. So every R4 MedicationRequest draft with an `id` gets its update, echoed exactly as received with
the extension appended, even when the draft itself is not valid R4 (the CDS Hooks sandbox sends `category`
as an object; an EHR may send an element R4 does not have): what this service adds, the extension, is
validated on its own (on a minimal valid MedicationRequest carrying it), and an invalid draft is only logged,
by element path. No update for a DSTU2 `MedicationOrder` (CRD is R4) nor for a draft without an `id` (the
EHR could not match the update to its order): the cards still come and say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL
from cds_service.response.fhir_validation import r4_problem

log = structlog.get_logger(__name__)

# What the extension is validated on: the least a valid R4 MedicationRequest needs.
_MINIMAL_ORDER: dict[str, Any] = {
    "resourceType": "MedicationRequest",
    "status": "draft",
    "intent": "order",
    "medicationCodeableConcept": {"text": "dexrazoxane"},
    "subject": {"reference": "Patient/p"},
}

NO_ID_PROBLEM = "the draft order has no id"


@dataclass(frozen=True)
class OrderUpdate:
    action: dict[str, Any] | None
    problem: str | None = None  # why no action: shown on the card, logged by element path only


def with_coverage_information(order: dict[str, Any], extension: dict[str, Any]) -> dict[str, Any]:
    """A copy of `order` with `extension` appended. An earlier assertion with the same
    coverage-assertion-id (DTR §spec-47's key with the coverage) is replaced rather than repeated;
    every other element and extension stays as received."""
    key = _assertion_id(extension)
    kept = [
        existing
        for existing in order.get("extension", [])
        if not (isinstance(existing, dict) and key is not None and _assertion_id(existing) == key)
    ]
    return {**order, "extension": [*kept, extension]}


def _assertion_id(extension: dict[str, Any]) -> str | None:
    if extension.get("url") != COVERAGE_INFORMATION_URL:
        return None
    for sub in extension.get("extension", []):
        if isinstance(sub, dict) and sub.get("url") == "coverage-assertion-id":
            value = sub.get("valueString")
            return value if isinstance(value, str) else None
    return None


def coverage_update(order: dict[str, Any], extension: dict[str, Any], *, description: str) -> OrderUpdate:
    resource_type = order.get("resourceType")
    if resource_type != "MedicationRequest":
        return OrderUpdate(action=None, problem=f"{resource_type} is not an R4 resource type")
    order_id = order.get("id")
    if not isinstance(order_id, str) or not order_id:
        return OrderUpdate(action=None, problem=NO_ID_PROBLEM)
    updated = with_coverage_information(order, extension)
    # One validation in the usual case (fhir.resources costs ~0.5 ms a resource): the draft with nothing
    # but the extension appended, valid as a whole, holds a valid extension and was a valid draft (an
    # extension is optional: taking it away leaves a valid resource valid). Otherwise each is validated
    # on its own, to tell our fault from the client's.
    appended = len(updated["extension"]) == len(_extensions(order)) + 1
    if appended and r4_problem(updated) is None:
        return OrderUpdate(action={"type": "update", "description": description, "resource": updated})
    own_problem = r4_problem({**_MINIMAL_ORDER, "extension": [extension]})
    if own_problem is not None:  # a bug of ours: never send an invalid extension
        return OrderUpdate(action=None, problem=own_problem)
    draft_problem = r4_problem(order)
    if draft_problem is not None:
        # Element paths and error kinds only: no values, so no PHI.
        log.info("draft_order_not_r4", problem=draft_problem)
    return OrderUpdate(action={"type": "update", "description": description, "resource": updated})


def _extensions(order: dict[str, Any]) -> list[Any]:
    extensions = order.get("extension", [])
    return extensions if isinstance(extensions, list) else []
