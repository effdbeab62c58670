"""A clinician gives a card seconds at order signing: the Instructions card's detail stays under
~1,500 characters for an approve and ~2,500 for a pend, over every policy fixture, while the determination
JSON keeps the whole tree with every reference."""

from __future__ import annotations

import httpx
import orjson
import pytest

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.render import determination_to_json
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from cds_service.tester.scenarios import Scenario, list_scenarios, scenario_request

LIMITS = {"approve": 1500, "pend": 2500, "deny": 2500, "not-applicable": 1500}
SCENARIOS = [s for s in list_scenarios() if s.name.startswith("policy/")]


def test_every_policy_fixture_is_checked() -> None:
    assert len(SCENARIOS) >= 60
    assert {s.expected for s in SCENARIOS} == set(LIMITS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_the_instructions_card_is_short_and_the_determination_keeps_everything(
    scenario: Scenario,
) -> None:
    settings = Settings()
    request = HookRequest.model_validate(scenario_request(scenario, today=scenario.today))
    async with httpx.AsyncClient() as http:
        evaluation = await evaluate_hook(
            request.source(), settings=settings, http=http, today=scenario.today, client="test"
        )
    response = build_response(evaluation.assessed, request.options(), settings=settings, today=scenario.today)
    (determination,) = evaluation.determinations
    instructions = response["cards"][0]
    detail = str(instructions["detail"])
    assert len(detail) <= LIMITS[str(determination.decision)], detail
    assert str(determination.decision) == scenario.expected
    # The tree in the determination JSON keeps every node and every reference the card leaves out.
    document = orjson.dumps(determination_to_json(determination)).decode()
    if determination.criteria is not None:
        for node in determination.criteria.walk():
            assert f'"id":"{node.id}"' in document
            assert all(f'"{reference}"' in document for reference in node.evidence)
