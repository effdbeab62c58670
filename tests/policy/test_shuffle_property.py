"""CONTRACT §2.1 "Nothing depends on resource order": the same resources in another order give the same
determination. Every list in every fixture request (draftOrders entries, prefetch bundle entries,
codings, dosage lines, identifiers...) is shuffled by hypothesis and the request decided again: the
decision, pathway, every criterion's outcome, the approval period and the facts must not change."""

from __future__ import annotations

import asyncio
import random
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fhir_fixtures"
REQUESTS = sorted(
    path.with_name(path.name.removesuffix(".expect.json") + ".json")
    for path in FIXTURES.rglob("*.expect.json")
)


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fixture with full prefetch must not reach a FHIR server: {request.url}")


def shuffled(value: Any, rng: random.Random) -> Any:
    """``value`` with every list in it, at any depth, in a random order."""
    if isinstance(value, dict):
        return {key: shuffled(item, rng) for key, item in value.items()}
    if isinstance(value, list):
        items = [shuffled(item, rng) for item in value]
        rng.shuffle(items)
        return items
    return value


def _outcomes(node: dict[str, Any] | None, into: dict[str, str]) -> dict[str, str]:
    if node:
        into[node["id"]] = node["outcome"]
        for child in node["children"]:
            _outcomes(child, into)
    return into


def _determination(body: dict[str, Any], today: date) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        request = HookRequest.model_validate(body)
        async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
            evaluation = await evaluate_hook(request.source(), settings=Settings(), http=http, today=today)
        found = []
        for determination in evaluation.determinations:
            document = determination_to_json(determination)
            outcomes: dict[str, str] = {}
            _outcomes(document["criteria"], outcomes)
            for related in document["related"]:
                _outcomes(related, outcomes)
            found.append(
                {
                    "order": document["order"],
                    "decision": document["decision"],
                    "pathway": document["pathway"],
                    "approval": document["approval"],
                    "outcomes": outcomes,
                    "facts": document["facts"],
                    "documentation": sorted(d["criterion"] for d in document["documentation"]),
                }
            )
        return sorted(found, key=lambda d: str(d["order"]))

    return asyncio.run(run())


@pytest.mark.parametrize("request_path", REQUESTS, ids=[p.name.removesuffix(".json") for p in REQUESTS])
def test_shuffling_every_list_never_changes_the_determination(request_path: Path) -> None:
    body = orjson.loads(request_path.read_bytes())
    expect_path = request_path.with_name(request_path.name.removesuffix(".json") + ".expect.json")
    today = date.fromisoformat(orjson.loads(expect_path.read_bytes())["today"])
    reference = _determination(body, today)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.randoms(use_true_random=False))
    def same_whatever_the_order(rng: random.Random) -> None:
        assert _determination(shuffled(body, rng), today) == reference

    same_whatever_the_order()
