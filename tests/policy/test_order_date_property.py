"""Not plausible is not a fact (docs/facts.md "An order written after today"), as a property over every
fixture request whose dexrazoxane order is dated today (or not dated): the same order dated any day after
today, as a day or as a dateTime with an offset, is read as of today. Every date fact rests on one reading
of the order's date, so the decision, the pathway, the approval period, every criterion's outcome and the
documentation asked for are those of the fixture itself."""

from __future__ import annotations

import asyncio
import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.policy.offline import REQUEST_IDS, REQUESTS, case, decide

Json = dict[str, Any]
EXAMPLES = 3
_COMPARED = ("order", "decision", "pathway", "approval", "criteria", "documentation")


def _signed(body: Json, orders: set[str]) -> list[Json]:
    """The draft orders of ``body`` decided on (the dexrazoxane orders), by reference."""
    entries = body.get("context", {}).get("draftOrders", {}).get("entry") or []
    resources = [e.get("resource") for e in entries if isinstance(e, dict)]
    return [
        r for r in resources if isinstance(r, dict) and f"{r.get('resourceType')}/{r.get('id')}" in orders
    ]


def _dated_today_or_not(body: Json, today: date) -> bool:
    entries = body.get("context", {}).get("draftOrders", {}).get("entry") or []
    written = [e.get("resource", {}).get("authoredOn") for e in entries if isinstance(e, dict)]
    return all(w is None or w == today.isoformat() for w in written)


def _compared(found: list[Json]) -> list[Json]:
    return [{key: d[key] for key in _COMPARED} for d in found]


CASES = [(p, n) for p, n in zip(REQUESTS, REQUEST_IDS, strict=True) if _dated_today_or_not(*case(p))]


def test_the_property_covers_the_fixtures() -> None:
    assert len(CASES) >= 200


@pytest.mark.parametrize("request_path", [p for p, _ in CASES], ids=[n for _, n in CASES])
def test_an_order_dated_after_today_is_decided_as_of_today(request_path: Path) -> None:
    body, today = case(request_path)
    baseline = asyncio.run(decide(body, today, evidence=False))
    orders = {str(d["order"]) for d in baseline}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(2, 800), st.booleans())
    def read_as_of_today(days_ahead: int, with_time: bool) -> None:
        ahead = copy.deepcopy(body)
        day = today + timedelta(days=days_ahead)
        for order in _signed(ahead, orders):
            order["authoredOn"] = f"{day.isoformat()}T09:30:00-05:00" if with_time else day.isoformat()
        after = asyncio.run(decide(ahead, today, evidence=False))
        assert _compared(after) == _compared(baseline), (day.isoformat(), with_time)

    read_as_of_today()
