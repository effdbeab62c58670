from __future__ import annotations

from dataclasses import replace

from cds_service.clinical.facts import Fact
from cds_service.dtr.store import DeterminationStore, record_determinations
from cds_service.response.assertion_ids import assertion_scope, coverage_assertion_id
from tests.response.determinations import COVERAGE, approve, draft_order, hook_request, medicare, pend


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_determination_is_kept_until_it_expires() -> None:
    clock = Clock()
    store = DeterminationStore(ttl_seconds=60, clock=clock)
    store.put("a", pend())
    clock.now += 59
    assert store.get("a") == pend()
    clock.now += 1
    assert store.get("a") is None
    assert len(store) == 0


def test_the_store_is_bounded_and_forgets_the_oldest_first() -> None:
    store = DeterminationStore(max_entries=2)
    store.put("a", pend())
    store.put("b", pend())
    store.put("a", approve())  # refreshed: now the newest
    store.put("c", pend())
    assert store.get("b") is None
    assert store.get("a") == approve() and store.get("c") == pend()


def test_recording_keys_by_the_coverage_assertion_id_of_the_response() -> None:
    store = DeterminationStore()
    request = hook_request(draft_order())
    no_coverage = replace(pend(draft_order("dex-2")), facts=replace(pend().facts, coverage=Fact(None)))
    recorded = record_determinations(
        store, [pend(), medicare(draft_order("dex-3")), no_coverage], request, key=b"k"
    )
    expected = coverage_assertion_id(
        "MedicationRequest/dex-1", COVERAGE, scope=assertion_scope(request), key=b"k"
    )
    assert recorded == [expected]
    assert store.get(expected) == pend()


def test_a_determination_is_handed_only_to_the_client_it_was_recorded_for() -> None:
    """Bound to the caller's verified JWT issuer: one EHR (or anyone minting its identifiers) can neither
    read nor overwrite what another was told."""
    store = DeterminationStore()
    store.put("a", pend(), "https://ehr-one.example")
    assert store.get("a", "https://ehr-one.example") == pend()
    assert store.get("a", "https://ehr-two.example") is None
    assert store.get("a") is None
