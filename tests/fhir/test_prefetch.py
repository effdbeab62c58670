from __future__ import annotations

import pytest

from cds_service.fhir.prefetch import PrefetchState, classify, next_link


@pytest.mark.parametrize(
    ("value", "state"),
    [
        ({"resourceType": "Patient", "id": "p"}, PrefetchState.PRESENT),
        ({"resourceType": "Bundle", "entry": []}, PrefetchState.PRESENT),
        (None, PrefetchState.NO_DATA),
        ({"resourceType": "OperationOutcome", "issue": []}, PrefetchState.ERROR),
        (["a list"], PrefetchState.UNREADABLE),
        ({"id": "no type"}, PrefetchState.UNREADABLE),
    ],
)
def test_each_prefetch_value_has_one_state(value: object, state: PrefetchState) -> None:
    assert classify({"key": value}, "key") is state


def test_a_key_the_client_did_not_send_is_absent() -> None:
    assert classify({"other": None}, "key") is PrefetchState.ABSENT
    assert classify(None, "key") is PrefetchState.ABSENT


def test_next_link_reads_the_next_relation_only() -> None:
    bundle = {
        "resourceType": "Bundle",
        "link": [{"relation": "self", "url": "a"}, {"relation": "next", "url": " https://x/b "}],
    }
    assert next_link(bundle) == "https://x/b"
    assert next_link({"resourceType": "Bundle", "link": {"relation": "next", "url": "c"}}) == "c"
    assert next_link({"resourceType": "Bundle"}) is None
    assert next_link({"resourceType": "Patient", "link": [{"relation": "next", "url": "d"}]}) is None


def outcome_entry(severity: str) -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": "too-costly"}],
        },
        "search": {"mode": "outcome"},
    }


def test_a_bundle_reporting_an_error_is_an_error_and_a_warning_is_not() -> None:
    failed = {"resourceType": "Bundle", "type": "searchset", "entry": [outcome_entry("error")]}
    warned = {"resourceType": "Bundle", "type": "searchset", "entry": [outcome_entry("warning")]}
    assert classify({"conditions": failed}, "conditions") is PrefetchState.ERROR
    assert classify({"conditions": warned}, "conditions") is PrefetchState.PRESENT
