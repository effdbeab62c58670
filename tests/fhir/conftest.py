"""Shared pieces of the FHIR data-layer tests: settings with small timeouts, request fixtures."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture
def settings() -> Settings:
    return Settings(
        fhir_query_timeout_seconds=0.5,
        fhir_total_timeout_seconds=1.0,
        fhir_page_cap=5,
        allow_unauthenticated_fhir=False,
    )


@pytest.fixture
def dexrazoxane_body() -> dict[str, Any]:
    return copy.deepcopy(load_json(DEXRAZOXANE_REQUEST))


def hook_request(body: dict[str, Any]) -> HookRequest:
    return HookRequest.model_validate(body)
