"""Every hook request under fhir_fixtures/ that has a `<name>.expect.json` beside it, decided end to end:
gathered as the service gathers it (full prefetch, so no FHIR server is called), facts extracted,
the policy tree evaluated, the determination rendered as determination JSON (docs/determination.md) and
compared with the outcome worked by hand. Case ids are the file names, named after the policy section they
exercise."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fhir_fixtures"
EXPECTATIONS = sorted(FIXTURES.rglob("*.expect.json"))


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fixture with full prefetch must not reach a FHIR server: {request.url}")


def _criteria(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any]) -> None:
        found[node["id"]] = node
        for child in node["children"]:
            walk(child)

    for root in ([document["criteria"]] if document["criteria"] else []) + document["related"]:
        walk(root)
    return found


def _read(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, int | float):
        return actual == pytest.approx(expected, abs=0.05)
    return bool(expected == actual)


def test_there_are_policy_cases() -> None:
    assert len([p for p in EXPECTATIONS if p.parent.name == "policy"]) >= 50


@pytest.mark.parametrize(
    "expect_path", EXPECTATIONS, ids=[p.name.removesuffix(".expect.json") for p in EXPECTATIONS]
)
async def test_fixture_case(expect_path: Path) -> None:
    request_path = expect_path.with_name(expect_path.name.removesuffix(".expect.json") + ".json")
    expected, body = _read(expect_path), _read(request_path)
    request = HookRequest.model_validate(body)
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
        evaluation = await evaluate_hook(
            request.source(), settings=Settings(), http=http, today=date.fromisoformat(expected["today"])
        )
    assert len(evaluation.determinations) == 1, "each case holds one dexrazoxane order"
    document = determination_to_json(evaluation.determinations[0])

    wrong: list[str] = []
    for key in ("order", "decision", "pathway", "approval", "off_label_policies", "if_policy_applies"):
        if key in expected and expected[key] != document[key]:
            wrong.append(f"{key}: expected {expected[key]!r}, got {document[key]!r}")
    if "documentation" in expected:
        asked = [d["criterion"] for d in document["documentation"]]
        if asked != expected["documentation"]:
            wrong.append(f"documentation: expected {expected['documentation']}, got {asked}")
    nodes = _criteria(document)
    for criterion, outcome in expected.get("criteria", {}).items():
        node = nodes.get(criterion)
        got = node["outcome"] if node else "absent"
        if got != outcome:
            reason = node["reason"] if node else ""
            wrong.append(f"{criterion}: expected {outcome}, got {got} ({reason})")
    # What was not read must be said: the reason of each criterion names the resource and what it holds.
    for criterion, words in expected.get("reasons", {}).items():
        reason = nodes[criterion]["reason"] if criterion in nodes else ""
        missing = [word for word in words if word not in reason]
        if missing:
            wrong.append(f"{criterion}: reason {reason!r} does not say {missing}")
    # ... and what holds a decision beside the tree (the pathway not known, the coverage): its reason says
    missing = [word for word in expected.get("reason_says", []) if word not in document["reason"]]
    if missing:
        wrong.append(f"reason {document['reason']!r} does not say {missing}")
    for fact, value in expected.get("facts", {}).items():
        if not _same(value, document["facts"].get(fact)):
            wrong.append(f"fact {fact}: expected {value!r}, got {document['facts'].get(fact)!r}")
    assert not wrong, "\n".join(
        [f"{request_path.name}: {document['decision']} ({document['reason']})", *wrong]
    )
