from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from cds_service.fhir.client import FhirClient

BASE = "https://fhir.example.org/r4"
TOKEN = "secret-token-abc"


def searchset(*ids: str, next_url: str | None = None) -> dict[str, object]:
    bundle: dict[str, object] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": {"resourceType": "Condition", "id": i}} for i in ids],
    }
    if next_url:
        bundle["link"] = [{"relation": "self", "url": "ignored"}, {"relation": "next", "url": next_url}]
    return bundle


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    """The FHIR server's routes, handed to the client below (no global patching of httpx)."""
    with respx.mock(using=None, assert_all_called=False) as routes:
        yield routes


@pytest.fixture
async def http(router: respx.MockRouter) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as client:
        yield client


def client_for(http: httpx.AsyncClient, *, timeout: float = 0.5, page_cap: int = 5) -> FhirClient:
    return FhirClient(http, BASE, access_token=TOKEN, query_timeout_seconds=timeout, page_cap=page_cap)


async def test_search_follows_next_links_and_sends_the_bearer_token(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.get(f"{BASE}/Condition").mock(
        side_effect=[
            httpx.Response(200, json=searchset("c1", next_url=f"{BASE}/Condition?page=2")),
            httpx.Response(200, json=searchset("c2", next_url=f"{BASE}/Condition?page=3")),
            httpx.Response(200, json=searchset("c3")),
        ]
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert fetched.complete and fetched.problems == []
    assert [page["entry"][0]["resource"]["id"] for page in fetched.resources] == ["c1", "c2", "c3"]
    assert route.call_count == 3
    assert all(call.request.headers["Authorization"] == f"Bearer {TOKEN}" for call in route.calls)
    assert route.calls[0].request.url.params["patient"] == "p1"


async def test_a_relative_next_link_is_read_on_the_same_server(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    # The more specific route first: respx answers with the first route that matches.
    router.get(f"{BASE}/Condition", params={"page": "2"}).mock(
        return_value=httpx.Response(200, json=searchset("c2"))
    )
    router.get(f"{BASE}/Condition", params={"patient": "p1"}).mock(
        return_value=httpx.Response(200, json=searchset("c1", next_url="Condition?patient=p1&page=2"))
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert fetched.complete
    assert len(fetched.resources) == 2


async def test_next_links_that_loop_make_the_read_partial(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.get(f"{BASE}/Condition").mock(
        side_effect=[
            httpx.Response(200, json=searchset("c1", next_url=f"{BASE}/Condition?page=2")),
            httpx.Response(200, json=searchset("c2", next_url=f"{BASE}/Condition?page=2")),
        ]
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert route.call_count == 2
    # A link back to a page already read says nothing of the pages not read (docs/facts.md "Record
    # integrity").
    assert not fetched.complete and fetched.paging
    assert len(fetched.resources) == 2  # what was read is kept, marked partial
    assert fetched.problems == ["conditions: paging loop after page 2"]
    assert fetched.incomplete_because == "paging loop after page 2"


async def test_a_total_above_the_entries_read_makes_the_read_partial(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    first = searchset("c1", "c2", next_url=f"{BASE}/Condition?page=2")
    first["total"] = 5
    last = searchset("c3")
    last["entry"].append(  # type: ignore[attr-defined]
        {"resource": {"resourceType": "Practitioner", "id": "x"}, "search": {"mode": "include"}}
    )
    router.get(f"{BASE}/Condition").mock(
        side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=last)]
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert not fetched.complete
    # an _include'd entry is no match: 3 of 5 were read
    assert fetched.problems == ["conditions: total 5 above the 3 entries read"]


async def test_a_total_equal_to_the_entries_read_is_complete(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    page = searchset("c1", "c2")
    page["total"] = 2
    router.get(f"{BASE}/Condition").mock(return_value=httpx.Response(200, json=page))
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert fetched.complete and fetched.problems == []


async def test_paging_stops_at_the_entry_cap(router: respx.MockRouter, http: httpx.AsyncClient) -> None:
    counter = iter(range(100))

    def endless(request: httpx.Request) -> httpx.Response:
        n = next(counter)
        return httpx.Response(
            200, json=searchset(f"a{n}", f"b{n}", next_url=f"{BASE}/Condition?page={n + 1}")
        )

    router.get(f"{BASE}/Condition").mock(side_effect=endless)
    client = FhirClient(http, BASE, access_token=TOKEN, query_timeout_seconds=0.5, page_cap=50, max_entries=5)
    fetched = await client.search("conditions", "Condition?patient=p1")
    assert len(fetched.resources) == 3  # 6 matches read, past the cap of 5
    assert not fetched.complete and fetched.paging
    assert fetched.problems == ["conditions: more entries than the entry cap (5); stopped"]


async def test_a_page_that_fails_mid_way_makes_the_read_partial(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.get(f"{BASE}/Condition").mock(
        side_effect=[
            httpx.Response(200, json=searchset("c1", next_url=f"{BASE}/Condition?page=2")),
            httpx.Response(503, text="busy"),
        ]
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert not fetched.complete and fetched.paging
    assert len(fetched.resources) == 1
    # the fault's own words stay in the problems (logged), not in what the caller is told
    assert fetched.incomplete_because == "page 2 failed"
    assert fetched.problems == ["conditions: fhirServer answered HTTP 503"]


async def test_paging_stops_at_the_page_cap_and_says_the_data_is_incomplete(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    counter = iter(range(100))

    def endless(request: httpx.Request) -> httpx.Response:
        n = next(counter)
        return httpx.Response(200, json=searchset(f"c{n}", next_url=f"{BASE}/Condition?page={n + 1}"))

    route = router.get(f"{BASE}/Condition").mock(side_effect=endless)
    fetched = await client_for(http, page_cap=3).search("conditions", "Condition?patient=p1")
    assert route.call_count == 3
    assert not fetched.complete
    assert fetched.problems == ["conditions: more pages than the page cap (3); stopped"]


async def test_a_next_link_to_another_host_is_not_followed_with_the_token(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.get(f"{BASE}/Condition").mock(
        return_value=httpx.Response(
            200, json=searchset("c1", next_url="https://elsewhere.example.com/x?page=2")
        )
    )
    elsewhere = router.get(host="elsewhere.example.com").mock(
        return_value=httpx.Response(200, json=searchset())
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert not elsewhere.called
    assert not fetched.complete
    assert "outside fhirServer" in fetched.problems[0]


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        (
            httpx.Response(401, json={"resourceType": "OperationOutcome"}),
            "conditions: fhirServer answered HTTP 401",
        ),
        (httpx.Response(500, text="boom"), "conditions: fhirServer answered HTTP 500"),
        (
            httpx.Response(200, text="<html>login</html>"),
            "conditions: fhirServer answered with something that is not JSON",
        ),
        (httpx.Response(200, json=["not", "fhir"]), "conditions: fhirServer answered with no FHIR Bundle"),
        (
            httpx.Response(200, json={"resourceType": "Patient", "id": "x"}),
            "conditions: fhirServer answered with no FHIR Bundle",
        ),
        (
            httpx.Response(200, json={"resourceType": "OperationOutcome", "issue": []}),
            "conditions: fhirServer answered with an OperationOutcome",
        ),
    ],
)
async def test_a_faulty_answer_is_an_unavailable_query_with_a_problem(
    router: respx.MockRouter, http: httpx.AsyncClient, response: httpx.Response, problem: str
) -> None:
    router.get(f"{BASE}/Condition").mock(return_value=response)
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert not fetched.complete
    assert fetched.resources == []
    assert fetched.problems == [problem]


async def test_a_query_that_outlasts_its_timeout_is_abandoned(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    async def never_answers(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    router.get(f"{BASE}/Condition").mock(side_effect=never_answers)
    fetched = await client_for(http, timeout=0.05).search("conditions", "Condition?patient=p1")
    assert not fetched.complete
    assert fetched.problems == ["conditions: fhirServer did not answer within 0.05 s"]


async def test_a_transport_error_names_its_kind_but_not_the_url(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.get(f"{BASE}/Condition").mock(
        side_effect=httpx.ConnectError(f"cannot reach {BASE}/Condition?patient=p1")
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert fetched.problems == ["conditions: fhirServer unreachable (ConnectError)"]
    assert "p1" not in fetched.problems[0] and TOKEN not in fetched.problems[0]


async def test_a_read_expects_the_type_it_asked_for(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.get(f"{BASE}/Patient/p1").mock(
        return_value=httpx.Response(200, json={"resourceType": "Patient", "id": "p1"})
    )
    router.get(f"{BASE}/Practitioner/u1").mock(
        return_value=httpx.Response(404, json={"resourceType": "OperationOutcome"})
    )
    client = client_for(http)
    patient = await client.read("patient", "Patient/p1", expect="Patient")
    practitioner = await client.read("practitioner", "Practitioner/u1", expect="Practitioner")
    assert patient.complete and patient.resources == [{"resourceType": "Patient", "id": "p1"}]
    assert not practitioner.complete and practitioner.problems == [
        "practitioner: fhirServer answered HTTP 404"
    ]


async def test_without_a_token_no_authorization_header_is_sent(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.get(f"{BASE}/Condition").mock(return_value=httpx.Response(200, json=searchset()))
    client = FhirClient(http, BASE, access_token=None, query_timeout_seconds=0.5, page_cap=5)
    await client.search("conditions", "Condition?patient=p1")
    assert "Authorization" not in route.calls[0].request.headers


async def test_the_pages_after_a_prefetched_bundle_are_read_from_its_next_link(
    router: respx.MockRouter,
    http: httpx.AsyncClient,
) -> None:
    router.get(f"{BASE}/Condition", params={"page": "2"}).mock(
        return_value=httpx.Response(200, json=searchset("c2"))
    )
    fetched = await client_for(http).rest_of(
        "conditions", searchset("c1", next_url=f"{BASE}/Condition?page=2")
    )
    assert fetched.complete
    assert [page["entry"][0]["resource"]["id"] for page in fetched.resources] == ["c2"]


async def test_a_search_page_reporting_an_error_makes_the_query_incomplete(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    page = searchset("c1")
    page["entry"].append(  # type: ignore[attr-defined]
        {
            "resource": {
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "fatal", "code": "exception"}],
            }
        }
    )
    router.get(f"{BASE}/Condition").mock(return_value=httpx.Response(200, json=page))
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert not fetched.complete
    assert fetched.problems == ["conditions: fhirServer reported an error inside the search result"]


async def test_an_answer_past_the_byte_cap_is_not_read_to_its_end() -> None:
    """A server streaming without end (or a decompression bomb) costs at most the cap in memory."""
    chunks_sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal chunks_sent
        yield b'{"resourceType": "Bundle", "type": "searchset", "pad": "'
        while True:
            chunks_sent += 1
            yield b"A" * 1000

    def stream(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    async with httpx.AsyncClient(transport=httpx.MockTransport(stream)) as http:
        client = FhirClient(
            http, BASE, access_token=TOKEN, query_timeout_seconds=5, page_cap=5, max_response_bytes=10_000
        )
        fetched = await client.search("conditions", "Condition?patient=p1")
    assert not fetched.complete and fetched.resources == []
    assert fetched.problems == ["conditions: fhirServer answered more than 10000 bytes; not read"]
    assert chunks_sent < 20


async def test_an_answer_declared_past_the_byte_cap_is_refused_and_one_at_the_cap_is_read(
    router: respx.MockRouter,
    http: httpx.AsyncClient,
) -> None:
    body = searchset("c1")
    size = len(httpx.Response(200, json=body).content)
    router.get(f"{BASE}/Condition").mock(return_value=httpx.Response(200, json=body))
    at_cap = FhirClient(
        http, BASE, access_token=None, query_timeout_seconds=1, page_cap=1, max_response_bytes=size
    )
    assert (await at_cap.search("conditions", "Condition")).complete
    below = FhirClient(
        http, BASE, access_token=None, query_timeout_seconds=1, page_cap=1, max_response_bytes=size - 1
    )
    fetched = await below.search("conditions", "Condition")
    assert not fetched.complete and fetched.resources == []


async def test_any_exception_of_a_request_is_a_failed_query_named_by_its_type() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise UnicodeEncodeError("ascii", f"{request.url}", 0, 1, "not ascii")

    async with httpx.AsyncClient(transport=httpx.MockTransport(broken)) as http:
        fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert fetched.problems == ["conditions: the query failed (UnicodeEncodeError)"]


async def test_a_next_link_that_does_not_parse_is_not_followed(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.get(f"{BASE}/Condition").mock(
        return_value=httpx.Response(200, json=searchset("c1", next_url="http://[::1/Condition?page=2"))
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert not fetched.complete
    assert fetched.problems == ["conditions: the next page link points outside fhirServer; not followed"]
    assert not client_for(http).owns("http://[::1")


def _gzip(chunks: Iterator[bytes] | list[bytes], *, raw_deflate: bool = False) -> bytes:
    import zlib

    compressor = zlib.compressobj(wbits=-15 if raw_deflate else 31)
    return b"".join(compressor.compress(chunk) for chunk in chunks) + compressor.flush()


async def _streamed(body: bytes) -> AsyncIterator[bytes]:
    """The body in wire-sized chunks, not read ahead (as a real server's answer)."""
    for start in range(0, len(body), 16_384):
        yield body[start : start + 16_384]


def _server_answering(body: bytes, encoding: str) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": encoding}, content=_streamed(body))

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


MIB = 1 << 20
# 64 MiB of JSON whitespace after a valid start: ~64 KiB once gzipped, ~200 bytes gzipped twice.
BOMB = _gzip(iter([b'{"resourceType": "Bundle", "type": "searchset", "pad": "', *([b" " * MIB] * 64)]))


async def test_a_gzip_bomb_is_dropped_once_the_decoded_bytes_pass_the_cap() -> None:
    """httpx decoded each received chunk whole before the cap was checked (64 MiB held for 64 KiB sent);
    now no more than the cap and one byte are ever decoded."""
    async with _server_answering(BOMB, "gzip") as http:
        client = FhirClient(
            http, BASE, access_token=TOKEN, query_timeout_seconds=5, page_cap=1, max_response_bytes=MIB
        )
        fetched = await client.search("conditions", "Condition?patient=p1")
    assert fetched.problems == [f"conditions: fhirServer answered more than {MIB} bytes; not read"]
    assert MIB < client.bytes_decoded <= MIB + 1


async def test_nested_content_codings_are_not_read() -> None:
    """A decompression bomb: ``Content-Encoding: gzip, gzip``, 3.5 KB on the wire (here 64 MiB inside)."""
    twice = _gzip([BOMB])
    assert len(twice) < 4096
    async with _server_answering(twice, "gzip, gzip") as http:
        client = FhirClient(
            http, BASE, access_token=TOKEN, query_timeout_seconds=5, page_cap=1, max_response_bytes=MIB
        )
        fetched = await client.search("conditions", "Condition?patient=p1")
    assert fetched.problems == [
        "conditions: fhirServer answered nested content codings (gzip, gzip); not read"
    ]
    assert client.bytes_decoded == 0


@pytest.mark.parametrize(
    ("encoding", "raw_deflate"), [("gzip", False), ("x-gzip", False), ("deflate", True), ("identity", None)]
)
async def test_a_compressed_answer_within_the_cap_is_read(encoding: str, raw_deflate: bool | None) -> None:
    import json
    import zlib

    page = json.dumps(searchset("c1", "c2")).encode()
    if raw_deflate is None:
        body = page
    elif encoding == "deflate":
        body = zlib.compress(page)  # zlib-wrapped, as RFC 9110 says
    else:
        body = _gzip([page])
    async with _server_answering(body, encoding) as http:
        fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert fetched.complete, fetched.problems
    assert [entry["resource"]["id"] for entry in fetched.resources[0]["entry"]] == ["c1", "c2"]
    if raw_deflate:  # and deflate sent without its zlib wrapper, as some servers do
        async with _server_answering(_gzip([page], raw_deflate=True), "deflate") as http:
            assert (await client_for(http).search("conditions", "Condition?patient=p1")).complete


@pytest.mark.parametrize(
    ("encoding", "problem"),
    [
        ("br", "a content coding the service does not read (br)"),
        ("gzip", "a compressed body that does not decode"),
    ],
)
async def test_a_body_that_cannot_be_decoded_is_a_failed_query(encoding: str, problem: str) -> None:
    async with _server_answering(b"not compressed at all", encoding) as http:
        fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert fetched.problems == [f"conditions: fhirServer answered {problem}; not read"]


async def test_the_request_offers_only_the_codings_read() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Accept-Encoding"])
        return httpx.Response(200, json=searchset())

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        await client_for(http).search("conditions", "Condition")
    assert seen == ["gzip, deflate"]


@pytest.mark.parametrize(
    "link",
    [
        f"{BASE}/%2e%2e/admin?page=2",  # the server decodes %2e and removes the dot segments: /admin
        f"{BASE}/%2E%2e/%2e%2E/admin",
        f"{BASE}/Condition/..%2F..%2Fadmin",  # an encoded slash some servers split on
        f"{BASE}/Condition/%5C..%5Cadmin",
        "/r4/Condition/../../admin?page=2",
        f"{BASE}x/Condition?page=2",  # not below the base by a whole segment
        "https://user@fhir.example.org/r4/Condition?page=2",
    ],
)
async def test_a_next_link_is_normalised_before_the_same_server_check(
    router: respx.MockRouter, http: httpx.AsyncClient, link: str
) -> None:
    router.get(f"{BASE}/Condition").mock(
        return_value=httpx.Response(200, json=searchset("c1", next_url=link))
    )
    elsewhere = router.route(path__regex=r"^/(?!r4/Condition$)").mock(
        return_value=httpx.Response(200, json=searchset())
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert not elsewhere.called, "the token went to another path"
    assert fetched.problems == ["conditions: the next page link points outside fhirServer; not followed"]


async def test_a_next_link_on_the_server_is_requested_in_its_normal_form(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.get(f"{BASE}/Condition").mock(
        side_effect=[
            httpx.Response(
                200, json=searchset("c1", next_url="HTTPS://FHIR.example.org:443/r4/./%43ondition?page=%32")
            ),
            httpx.Response(200, json=searchset("c2")),
        ]
    )
    fetched = await client_for(http).search("conditions", "Condition?patient=p1")
    assert fetched.complete, fetched.problems
    assert str(route.calls[1].request.url) == f"{BASE}/Condition?page=2"
