"""One hook call end to end in process (cds_service/evaluation.py): the work of deciding many dexrazoxane
orders grows with their number, not its square, and a request with more than the service decides is
refused before any data is fetched."""

from __future__ import annotations

import asyncio
import copy
import cProfile
import pstats
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cds_service.clinical.limits import DEXRAZOXANE_ORDERS_PER_REQUEST
from cds_service.errors import TooManyOrders
from cds_service.evaluation import Gathered, decide_all, gather
from cds_service.hooks.request import HookRequest
from cds_service.policy.determination import Decision
from cds_service.settings import Settings

CASE = (
    Path(__file__).resolve().parents[1]
    / "fhir_fixtures"
    / "policy"
    / "I.A.3.b.vi-approve-sarcoma-planned-250.json"
)
TODAY = date(2026, 11, 28)


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be fetched: {request.url}")


def with_dexrazoxane_drafts(count: int) -> dict[str, Any]:
    """The sarcoma case with ``count`` dexrazoxane drafts (copies of its own, each its own id)."""
    body: dict[str, Any] = orjson.loads(CASE.read_bytes())
    entries = body["context"]["draftOrders"]["entry"]
    dexrazoxane = next(e["resource"] for e in entries if e["resource"]["id"] == "dexrazoxane")
    for index in range(1, count):
        copied = copy.deepcopy(dexrazoxane)
        copied["id"] = f"dexrazoxane-{index}"
        entries.append({"resource": copied})
    return body


def gathered(body: dict[str, Any]) -> Gathered:
    async def run() -> Gathered:
        async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
            return await gather(HookRequest.model_validate(body).source(), settings=Settings(), http=http)

    return asyncio.run(run())


def calls_per_order(count: int) -> float:
    """Python function calls made deciding ``count`` dexrazoxane orders, per order: an operation count,
    the same on any machine, where a time would not be."""
    found = gathered(with_dexrazoxane_drafts(count))
    assert len(found.orders) == count
    profile = cProfile.Profile()
    profile.enable()
    determinations = decide_all(found, today=TODAY, settings=Settings())
    profile.disable()
    assert len(determinations) == count
    return float(pstats.Stats(profile).total_calls) / count  # type: ignore[attr-defined]


def test_deciding_many_orders_costs_the_same_per_order() -> None:
    # Read per order, the record's orders were read again for each: 4 times the orders was 16 times the
    # work (400 drafts took 8 s). Read once per call, the work per order stays flat; what still grows is
    # each order compared with the others signed on its days (a set test each), a few per cent here.
    few, many = calls_per_order(25), calls_per_order(DEXRAZOXANE_ORDERS_PER_REQUEST.value)
    assert many <= 1.25 * few


def test_orders_read_together_still_see_each_other() -> None:
    # Shared readings are kept per request, not per order: three copies on the same days still add up
    # (3 x 500 mg/m² with 50 mg/m² doxorubicin is 30:1), where one alone is approved.
    one = decide_all(gathered(with_dexrazoxane_drafts(1)), today=TODAY, settings=Settings())
    many = decide_all(gathered(with_dexrazoxane_drafts(3)), today=TODAY, settings=Settings())
    assert one[0].decision is Decision.APPROVE
    assert [d.decision for d in many] == [Decision.PEND] * 3
    assert all(d.facts is not None and d.facts.dose_ratio.value == 30 for d in many)


def test_more_dexrazoxane_orders_than_the_cap_are_refused_before_any_data_is_fetched() -> None:
    with pytest.raises(TooManyOrders) as refused:
        gathered(with_dexrazoxane_drafts(DEXRAZOXANE_ORDERS_PER_REQUEST.value + 1))
    assert f"at most {DEXRAZOXANE_ORDERS_PER_REQUEST.value}" in refused.value.message
    assert refused.value.status == 400
