"""The coverage-information system action: the draft order echoed unchanged but for the extension.

CRD §resp-37: the updated resource changes nothing but coverage-information extensions; §resp-47: it complies
with the CRD profiles. A draft that is not valid FHIR R4 (the CDS Hooks sandbox sends `category` as an object;
DSTU2 sends `MedicationOrder`) cannot be echoed as a valid R4 update without changing other elements, so it
gets no system action: the cards still come and say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL
from cds_service.response.fhir_validation import r4_problem


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
    updated = with_coverage_information(order, extension)
    problem = r4_problem(updated)
    if problem is not None:
        return OrderUpdate(action=None, problem=problem)
    return OrderUpdate(action={"type": "update", "description": description, "resource": updated})
