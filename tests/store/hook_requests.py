"""Order-sign requests for the store's tests: a fixture of fhir_fixtures/ whose prefetch holds everything
(no FHIR server is queried), its dexrazoxane order renamed so each call is its own coverage assertion."""

from __future__ import annotations

import copy
import uuid
from datetime import date, timedelta
from functools import cache
from typing import Any

import orjson

from tests.conftest import REPO_ROOT

APPROVE_FIXTURE = REPO_ROOT / "fhir_fixtures" / "policy" / "I.A.3.a-approve-adult-cumulative-300.json"


@cache
def _fixture() -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(APPROVE_FIXTURE.read_bytes())
    return body


def hook_body(order_id: str = "dexrazoxane") -> dict[str, Any]:
    body = copy.deepcopy(_fixture())
    body["hookInstance"] = str(uuid.uuid4())
    for entry in body["context"]["draftOrders"]["entry"]:
        if entry["resource"]["id"] == "dexrazoxane":
            entry["resource"]["id"] = order_id
    return body


def hook_bytes(order_id: str = "dexrazoxane") -> bytes:
    return orjson.dumps(hook_body(order_id))


def assertion_ids(response: dict[str, Any]) -> list[str]:
    """The coverage-assertion-ids a hook response carries (CRD coverage-information)."""
    found = []
    for action in response.get("systemActions", []):
        for extension in action["resource"].get("extension", []):
            for part in extension.get("extension", []):
                if part["url"] == "coverage-assertion-id":
                    found.append(part["valueString"])
    return found


def heavy_body(administrations: int) -> dict[str, Any]:
    """The approve fixture with ``administrations`` doxorubicin administrations of 10 mg/m² (a long
    history, as the benchmarks' heavy patients: one a day from 2025-01-01, each its own id)."""
    body = hook_body()
    bundle = body["prefetch"]["medicationAdministrations"]
    template = next(
        entry for entry in bundle["entry"] if entry["resource"]["resourceType"] == "MedicationAdministration"
    )
    entries = []
    for n in range(administrations):
        entry = copy.deepcopy(template)
        resource = entry["resource"]
        resource["id"] = f"ma-heavy-{n}"
        resource["effectiveDateTime"] = f"{date(2025, 1, 1) + timedelta(days=n % 600)}T10:00:00Z"
        resource["dosage"]["dose"] = {
            "value": 10, "unit": "mg/m2", "system": "http://unitsofmeasure.org", "code": "mg/m2"
        }  # fmt: skip
        entry.pop("fullUrl", None)
        entries.append(entry)
    bundle["entry"] = entries
    bundle.pop("total", None)
    return body
