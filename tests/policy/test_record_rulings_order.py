"""The CONTRACT §2.1 record cases give the same determination whatever order their lists come in
(prefetch Bundle entries, draft orders, codings, a Coverage's classes, answers): the rulings read sets
of records, never "the first one"."""

from __future__ import annotations

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

CASES = sorted(
    path
    for path in (Path(__file__).resolve().parents[2] / "fhir_fixtures" / "policy").glob("2.1-*.json")
    if not path.name.endswith(".expect.json")
)
BODIES = {path.stem: orjson.loads(path.read_bytes()) for path in CASES}
TODAY = date(2026, 11, 28)


def shuffled(value: Any, rng: random.Random) -> Any:
    """Every list in the request in another order (the JSON is otherwise unchanged)."""
    if isinstance(value, dict):
        return {key: shuffled(child, rng) for key, child in value.items()}
    if isinstance(value, list):
        items = [shuffled(child, rng) for child in value]
        rng.shuffle(items)
        return items
    return value


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"full prefetch: no FHIR server call expected ({request.url})")


async def decide(body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
        evaluation = await evaluate_hook(
            HookRequest.model_validate(body).source(), settings=Settings(), http=http, today=TODAY
        )
    document = determination_to_json(evaluation.determinations[0])

    def outcomes(node: dict[str, Any] | None) -> dict[str, Any]:
        if node is None:
            return {}
        found = {node["id"]: (node["outcome"], sorted(node["evidence"]))}
        for child in node["children"]:
            found |= outcomes(child)
        return found

    return {
        "decision": document["decision"],
        "pathway": document["pathway"],
        "approval": document["approval"],
        "documentation": sorted(d["criterion"] for d in document["documentation"]),
        "off_label_policies": document["off_label_policies"],
        "criteria": outcomes(document["criteria"]),
    }


@pytest.mark.parametrize("case", sorted(BODIES))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
async def test_the_same_determination_in_any_order(case: str, seed: int) -> None:
    body = BODIES[case]
    assert await decide(shuffled(body, random.Random(seed))) == await decide(body)
