"""Each FHIR query is timed once, whatever its pages, under the status of how it ended."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from prometheus_client import REGISTRY

from cds_service.fhir.client import FhirClient

BASE = "https://fhir.example.org/r4"
METRIC = "cds_fhir_query_duration_seconds_count"


def count(status: str) -> float:
    return REGISTRY.get_sample_value(METRIC, {"status": status}) or 0.0


def page(next_url: str | None = None) -> dict[str, object]:
    bundle: dict[str, object] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


@pytest.fixture
def router() -> respx.Router:
    return respx.Router(assert_all_mocked=True)


@pytest.fixture
async def http(router: respx.Router) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.handler)) as client:
        yield client


def client(http: httpx.AsyncClient, *, page_cap: int = 5) -> FhirClient:
    return FhirClient(http, BASE, access_token="t", query_timeout_seconds=0.5, page_cap=page_cap)


async def test_a_search_of_three_pages_is_one_ok_query(router: respx.Router, http: httpx.AsyncClient) -> None:
    router.get(f"{BASE}/Condition").mock(
        side_effect=[
            httpx.Response(200, json=page(f"{BASE}/Condition?page=2")),
            httpx.Response(200, json=page(f"{BASE}/Condition?page=3")),
            httpx.Response(200, json=page()),
        ]
    )
    before = count("ok")
    assert (await client(http).search("conditions", "Condition?patient=p")).complete
    assert count("ok") - before == 1


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (httpx.Response(500), "http_error"),
        (httpx.Response(404, json={"resourceType": "OperationOutcome"}), "http_error"),
        (httpx.TimeoutException("slow"), "timeout"),
        (httpx.ConnectError("refused"), "error"),
        (httpx.Response(200, content=b"<html>"), "error"),
        (httpx.Response(200, json={"resourceType": "OperationOutcome"}), "error"),
    ],
)
async def test_a_failed_read_is_counted_with_why(
    router: respx.Router, http: httpx.AsyncClient, answer: httpx.Response | Exception, status: str
) -> None:
    router.get(f"{BASE}/Patient/p").mock(side_effect=[answer])
    before, ok_before = count(status), count("ok")
    fetched = await client(http).read("patient", "Patient/p", expect="Patient")
    assert not fetched.complete and fetched.status == status
    assert count(status) - before == 1
    assert count("ok") == ok_before


async def test_a_search_stopped_by_the_page_cap_is_incomplete(
    router: respx.Router, http: httpx.AsyncClient
) -> None:
    router.get(f"{BASE}/Condition").mock(
        side_effect=[httpx.Response(200, json=page(f"{BASE}/Condition?page={n}")) for n in range(2, 5)]
    )
    before = count("incomplete")
    fetched = await client(http, page_cap=2).search("conditions", "Condition?patient=p")
    assert fetched.status == "incomplete"
    assert count("incomplete") - before == 1


async def test_the_first_failure_names_the_status(router: respx.Router, http: httpx.AsyncClient) -> None:
    router.get(f"{BASE}/Condition").mock(
        side_effect=[httpx.Response(200, json=page(f"{BASE}/Condition?page=2")), httpx.Response(502)]
    )
    fetched = await client(http).search("conditions", "Condition?patient=p")
    assert fetched.status == "http_error"


async def test_a_prefetched_bundle_with_no_next_page_asks_nothing_and_counts_nothing(
    router: respx.Router, http: httpx.AsyncClient
) -> None:
    total = sum(count(status) for status in ("ok", "incomplete", "http_error", "timeout", "error"))
    fetched = await client(http).rest_of("conditions", page())
    assert fetched.complete
    assert sum(count(status) for status in ("ok", "incomplete", "http_error", "timeout", "error")) == total
