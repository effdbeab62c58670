from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical.codes import LOINC, SNOMED
from cds_service.clinical.disease_status import RESPONSE_WINDOW, is_read, responding_to_therapy
from cds_service.clinical.plausibility import Plausibility
from cds_service.fhir.pool import Resource
from tests.clinical.builders import pool_of

ORDER_DATE = date(2026, 12, 10)
IMPROVED, STABLE, WORSENED = "268910001", "359746009", "271299001"


def status(rid: str, when: str, trend: str | None, *, code: str = "97509-4", **extra: object) -> Resource:
    value: dict[str, object] = {"text": "Partial response on CT"}
    if trend is not None:
        value["coding"] = [{"system": SNOMED, "code": trend}]
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": when,
        "valueCodeableConcept": value,
        **extra,
    }


@pytest.mark.parametrize("code", ["97509-4", "88040-1"])
def test_an_improved_status_recorded_before_the_order_is_a_positive_response(code: str) -> None:
    fact = responding_to_therapy(pool_of(status("s", "2026-11-30", IMPROVED, code=code)), ORDER_DATE)
    assert (fact.value, fact.evidence) == (True, ("Observation/s",))
    assert "improved" in fact.reason and "2026-11-30" in fact.reason


@pytest.mark.parametrize("trend", [STABLE, WORSENED, "709137006", "260415000"])
def test_stable_worse_or_undetermined_is_unknown_naming_the_status_never_not_met(trend: str) -> None:
    fact = responding_to_therapy(pool_of(status("s", "2026-11-30", trend)), ORDER_DATE)
    assert (fact.value, fact.evidence) == (None, ("Observation/s",))
    assert "Observation/s" in fact.reason and "documents the response" in fact.reason


def test_the_latest_status_in_the_window_decides() -> None:
    earlier_worse = status("old", "2026-10-01", WORSENED)
    later_better = status("new", "2026-11-30", IMPROVED)
    assert responding_to_therapy(pool_of(earlier_worse, later_better), ORDER_DATE).value is True
    later_worse = status("new", "2026-11-30", WORSENED)
    earlier_better = status("old", "2026-10-01", IMPROVED)
    assert responding_to_therapy(pool_of(earlier_better, later_worse), ORDER_DATE).value is None
    # two statuses on the latest day that disagree: unknown, both named
    same_day = responding_to_therapy(
        pool_of(status("a", "2026-11-30", IMPROVED), status("b", "2026-11-30", STABLE)), ORDER_DATE
    )
    assert (same_day.value, same_day.evidence) == (None, ("Observation/a", "Observation/b"))


def test_a_status_too_old_after_the_order_or_not_final_is_not_read() -> None:
    too_old = (ORDER_DATE - RESPONSE_WINDOW - (ORDER_DATE - ORDER_DATE.replace(day=9))).isoformat()
    old = responding_to_therapy(pool_of(status("s", too_old, IMPROVED)), ORDER_DATE)
    assert (old.value, old.evidence) == (None, ("Observation/s",))
    assert "older" in old.reason
    assert responding_to_therapy(pool_of(status("s", "2026-12-11", IMPROVED)), ORDER_DATE).value is None
    for state in ("preliminary", "entered-in-error"):
        held = status("s", "2026-11-30", IMPROVED, status=state)
        assert responding_to_therapy(pool_of(held), ORDER_DATE).value is None
    nothing = responding_to_therapy(pool_of(), ORDER_DATE)
    assert (nothing.value, nothing.evidence) == (None, ())


def test_a_status_in_a_code_not_read_is_named_not_met() -> None:
    local = status("s", "2026-11-30", None)
    fact = responding_to_therapy(pool_of(local), ORDER_DATE)
    assert (fact.value, fact.evidence) == (None, ("Observation/s",))
    assert "a code the service does not read ('partial response on ct')" in fact.reason
    assert "its value cannot be read" in fact.reason
    assert is_read(local) and not is_read({**local, "code": {"text": "Tumour response"}})


def test_a_status_dated_after_today_for_an_order_written_ahead_cannot_be() -> None:
    """Not plausible is not a fact: an improved status dated after today (the order written for a later
    day) is no response to decide on; the response is unknown, the status named."""
    plausible = Plausibility("1972-03-15", today=date(2026, 11, 28))
    ahead = status("s", "2026-12-05", IMPROVED)
    fact = responding_to_therapy(pool_of(ahead), ORDER_DATE, plausible)
    assert (fact.value, fact.evidence) == (None, ("Observation/s",))
    assert fact.reason == (
        "a cancer disease status that cannot be: Observation/s dated 2026-12-05, after today (2026-11-28): "
        "an event still to come"
    )
    # one of today or before still decides, and none is held to a today it is not given
    assert responding_to_therapy(pool_of(status("s", "2026-11-27", IMPROVED)), ORDER_DATE, plausible).value
    assert responding_to_therapy(pool_of(ahead), ORDER_DATE).value is True
