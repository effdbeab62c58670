""" "Nothing depends on resource order", docs/facts.md "Record integrity": the same resources in another order
give the same determination. Every list in every fixture request (draftOrders entries, prefetch bundle
entries, codings, dosage lines, identifiers...) is shuffled by hypothesis and the request decided again: the
decision, pathway, every criterion's outcome and evidence, the approval period, the documentation asked
for and the facts must not change."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.policy.offline import REQUEST_IDS, REQUESTS, case, decide, shuffled


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
def test_shuffling_every_list_never_changes_the_determination(request_path: Path) -> None:
    body, today = case(request_path)
    reference = asyncio.run(decide(body, today))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.randoms(use_true_random=False))
    def same_whatever_the_order(rng: random.Random) -> None:
        assert asyncio.run(decide(shuffled(body, rng), today)) == reference

    same_whatever_the_order()
