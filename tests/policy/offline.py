"""Deciding fixture requests offline for the property tests: full prefetch, no FHIR server, the
determination reduced to what a property compares (decision, pathway, approval, every criterion's
outcome with its evidence, documentation, facts)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fhir_fixtures"
# Every request with its expectation beside it (the expectation names the day it is decided on).
REQUESTS = sorted(
    path.with_name(path.name.removesuffix(".expect.json") + ".json")
    for path in FIXTURES.rglob("*.expect.json")
)
REQUEST_IDS = [path.name.removesuffix(".json") for path in REQUESTS]


def case(request_path: Path) -> tuple[dict[str, Any], date]:
    """A fixture request and the day its expectation decides it on."""
    expect_path = request_path.with_name(request_path.name.removesuffix(".json") + ".expect.json")
    today = date.fromisoformat(orjson.loads(expect_path.read_bytes())["today"])
    return orjson.loads(request_path.read_bytes()), today


def shuffled(value: Any, rng: random.Random) -> Any:
    """``value`` with every list in it, at any depth, in a random order."""
    if isinstance(value, dict):
        return {key: shuffled(item, rng) for key, item in value.items()}
    if isinstance(value, list):
        items = [shuffled(item, rng) for item in value]
        rng.shuffle(items)
        return items
    return value


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fixture with full prefetch must not reach a FHIR server: {request.url}")


def _criteria(node: dict[str, Any] | None, into: dict[str, Any], *, evidence: bool) -> dict[str, Any]:
    if node:
        into[node["id"]] = (node["outcome"], sorted(node["evidence"])) if evidence else node["outcome"]
        for child in node["children"]:
            _criteria(child, into, evidence=evidence)
    return into


async def decide(body: dict[str, Any], today: date, *, evidence: bool = True) -> list[dict[str, Any]]:
    """One summary per dexrazoxane order, sorted by order: what must not move when the record is the same.
    ``evidence=False`` leaves out each criterion's evidence (for records that add references on purpose)."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
        evaluation = await evaluate_hook(
            HookRequest.model_validate(body).source(), settings=Settings(), http=http, today=today
        )
    found = []
    for determination in evaluation.determinations:
        document = determination_to_json(determination)
        criteria: dict[str, Any] = {}
        for root in [document["criteria"], *document["related"]]:
            _criteria(root, criteria, evidence=evidence)
        found.append(
            {
                "order": document["order"],
                "decision": document["decision"],
                "pathway": document["pathway"],
                "approval": document["approval"],
                "criteria": criteria,
                "documentation": sorted(d["criterion"] for d in document["documentation"]),
                "off_label_policies": document["off_label_policies"],
                "facts": document["facts"],
            }
        )
    return sorted(found, key=lambda d: str(d["order"]))
