"""For a complete order, order-select's provisional decision is order-sign's decision: every fixture request
with an expectation, turned into the order-select request of the same session (its dexrazoxane order
selected, and hypothesis's choice of the other drafts selected beside it, the draft orders in any order),
is decided through the select path (``OrderSelectRequest.source`` → ``evaluation`` → ``policy.provisional``)
and must give the decision, and ask for the documentation, that signing gives."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest, OrderSelectRequest
from cds_service.policy.provisional import provisional, states_dose
from cds_service.settings import Settings
from tests.hooks.workflow import as_select, dexrazoxane_references, draft_orders
from tests.policy.offline import REQUEST_IDS, REQUESTS, case


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fixture with full prefetch must not reach a FHIR server: {request.url}")


async def _decide(request: HookRequest, today: Any) -> list[tuple[str, str, tuple[str, ...], str, bool]]:
    """Per order: the provisional decision and the documentation it asks for, the determination's own
    decision, and whether the order states its dose."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
        evaluation = await evaluate_hook(request.source(), settings=Settings(), http=http, today=today)
    found = []
    for determination in evaluation.determinations:
        guidance = provisional(determination)
        found.append(
            (
                determination.order,
                str(guidance.decision),
                tuple(d.criterion for d in guidance.documentation),
                str(determination.decision),
                states_dose(determination.order_resource),
            )
        )
    return sorted(found)


def test_the_fixtures_are_complete_orders() -> None:
    """The property speaks of complete orders: the fixtures' dexrazoxane orders state their dose."""
    for path in REQUESTS:
        body, today = case(path)
        decided = asyncio.run(_decide(HookRequest.model_validate(body), today))
        assert all(complete for *_, complete in decided), path.name


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
def test_a_complete_order_selected_is_decided_as_it_is_signed(request_path: Path) -> None:
    body, today = case(request_path)
    signed = asyncio.run(_decide(HookRequest.model_validate(body), today))
    for _order, likely, _asked, decision, complete in signed:
        # A complete order: the provisional decision is the determination's (an order without a dose is
        # read as tests/policy/test_provisional.py says, the same at selection as at signing).
        assert likely == decision or not complete
    dexrazoxane = dexrazoxane_references(body)
    others = [f"{o['resourceType']}/{o['id']}" for o in draft_orders(body) if o.get("id")]
    others = [reference for reference in others if reference not in dexrazoxane]

    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.randoms(use_true_random=False),
        st.lists(st.sampled_from(others), unique=True) if others else st.just([]),
    )
    def same_decision(rng: random.Random, also_selected: list[str]) -> None:
        select = as_select(body, selections=[*dexrazoxane, *also_selected])
        rng.shuffle(select["context"]["draftOrders"]["entry"])
        rng.shuffle(select["context"]["selections"])
        assert asyncio.run(_decide(OrderSelectRequest.model_validate(select), today)) == signed

    same_decision()
