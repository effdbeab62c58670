"""Request fixtures of fhir_fixtures/requests/ and what the fixture patient's FHIR server holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from cds_service.evaluation import gather
from cds_service.fhir.pool import ResourcePool
from cds_service.hooks.request import HookRequest
from cds_service.settings import Settings

REQUESTS = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "requests"
DEXRAZOXANE_REQUEST = "dexrazoxane-full-prefetch.json"
TOKEN = "fixture-access-token-not-a-secret"


def load_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REQUESTS / name).read_text())
    return data


def prefetched_resources(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource the prefetch of a request holds (Bundles unpacked)."""
    found: list[dict[str, Any]] = []
    for value in (body.get("prefetch") or {}).values():
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            found.extend(e["resource"] for e in value.get("entry", []))
        elif isinstance(value, dict):
            found.append(value)
    return found


def server_resources(body: dict[str, Any]) -> list[dict[str, Any]]:
    """What the fixture patient's FHIR server holds: the prefetch plus the extras no key returns."""
    extras = load_json("dexrazoxane-server-extras.json")
    return prefetched_resources(body) + [e["resource"] for e in extras["entry"]]


def hook_request(body: dict[str, Any]) -> HookRequest:
    return HookRequest.model_validate(body)


async def gather_pool(request: HookRequest, *, settings: Settings, http: httpx.AsyncClient) -> ResourcePool:
    """What the service gathers for a request (``evaluation.gather``: draft orders, then the rest for the
    dexrazoxane ones)."""
    return (await gather(request.source(), settings=settings, http=http)).pool
