"""Reads and searches on the client's ``fhirServer``, bounded and fault-tolerant (CONTRACT §3, §7).

One ``FhirClient`` per hook call, over the injected ``httpx.AsyncClient``. Every request carries the
call's bearer token and is bounded by ``fhir_query_timeout_seconds``; a search follows ``Bundle.link``
``next`` up to ``fhir_page_cap`` pages and stops at a link it has already read. At most
``fhir_max_requests`` requests are sent per call (pages included): a query past that cap is not sent and
fails like any other. A response body is streamed and dropped once it passes ``fhir_max_response_bytes``
(a failed query). Faults (4xx/5xx, a
timeout, a transport error, bad JSON, an answer that is not the FHIR resource asked for) come back as a
``Fetched`` with ``complete=False`` and a one-line problem: never an exception, never a token, a URL or
a patient id in the text (queries are named by their prefetch key or resource type only).

``next`` links are followed only when they point at ``fhirServer`` itself: the bearer token is scoped
to that server (S2 L487-490) and must not travel to a URL a response names.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec
from urllib.parse import urljoin

import httpx
import orjson

from cds_service.fhir.pool import Resource
from cds_service.fhir.prefetch import next_link, reports_error
from cds_service.metrics import FHIR_QUERIES

_ACCEPT = "application/fhir+json, application/json;q=0.9"


@dataclass
class Fetched:
    """What one query produced: the Bundles/resources read, whether that is all of it, what went wrong."""

    label: str
    resources: list[Resource] = field(default_factory=list)
    complete: bool = True
    problems: list[str] = field(default_factory=list)
    failure: str | None = None  # the first failure's kind: the ``status`` label of the query's metric

    def fail(self, problem: str, kind: str = "incomplete") -> Fetched:
        self.complete = False
        self.problems.append(problem)
        self.failure = self.failure or kind
        return self

    @property
    def status(self) -> str:
        """ok, or why not: incomplete (a cap or a link not followed), http_error, timeout, error."""
        return "ok" if self.complete else self.failure or "incomplete"


_P = ParamSpec("_P")


def _measured(
    query: Callable[Concatenate[FhirClient, _P], Awaitable[Fetched]],
) -> Callable[Concatenate[FhirClient, _P], Awaitable[Fetched]]:
    """Times one query (all its pages) into ``cds_fhir_query_duration_seconds`` by status; a call that
    had nothing to ask (no next page) is not a query."""

    async def measured(client: FhirClient, /, *args: _P.args, **kwargs: _P.kwargs) -> Fetched:
        started, sent = time.perf_counter(), client.requests_sent
        fetched = await query(client, *args, **kwargs)
        if client.requests_sent > sent or not fetched.complete:
            FHIR_QUERIES.labels(status=fetched.status).observe(time.perf_counter() - started)
        return fetched

    return measured


class FhirClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        access_token: str | None,
        query_timeout_seconds: float,
        page_cap: int,
        max_requests: int = 50,
        max_response_bytes: int = 20 * 1024 * 1024,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/") + "/"
        self._headers = {"Accept": _ACCEPT}
        if access_token:
            self._headers["Authorization"] = f"Bearer {access_token}"
        self._timeout = query_timeout_seconds
        self._page_cap = max(1, page_cap)
        self._max_requests = max_requests
        self.requests_sent = 0
        self._max_bytes = max_response_bytes

    def owns(self, url: str) -> bool:
        """Whether an absolute or relative URL lies on this FHIR server (not if it does not parse)."""
        try:
            return urljoin(self._base, url).startswith(self._base)
        except ValueError:
            return False

    @_measured
    async def read(self, label: str, path: str, *, expect: str) -> Fetched:
        """``GET {fhirServer}/{path}``, expecting a resource of type ``expect``."""
        fetched = Fetched(label)
        body = await self._get(fetched, urljoin(self._base, path), expect=expect)
        if body is not None:
            fetched.resources.append(body)
        return fetched

    @_measured
    async def search(self, label: str, query: str) -> Fetched:
        """``GET {fhirServer}/{query}`` and every ``next`` page after it."""
        return await self._pages(Fetched(label), urljoin(self._base, query))

    @_measured
    async def rest_of(self, label: str, first_page: Resource) -> Fetched:
        """The pages after a Bundle the client already sent (a paged prefetch value)."""
        fetched = Fetched(label)
        url = next_link(first_page)
        if url is None:
            return fetched
        if not self.owns(url):
            return fetched.fail(f"{label}: the next page link points outside fhirServer; not followed")
        return await self._pages(fetched, urljoin(self._base, url), pages_read=1)

    async def _pages(self, fetched: Fetched, url: str, *, pages_read: int = 0) -> Fetched:
        seen = {url}
        while True:
            page = await self._get(fetched, url, expect="Bundle")
            if page is None:
                return fetched
            if reports_error(page):
                return fetched.fail(
                    f"{fetched.label}: fhirServer reported an error inside the search result", "error"
                )
            fetched.resources.append(page)
            pages_read += 1
            following = next_link(page)
            if following is None:
                return fetched
            if not self.owns(following):
                return fetched.fail(
                    f"{fetched.label}: the next page link points outside fhirServer; not followed"
                )
            following = urljoin(self._base, following)
            if following in seen:
                # A server that links back to a page already read has shown every page it has.
                fetched.problems.append(f"{fetched.label}: next links loop; stopped after {pages_read} pages")
                return fetched
            if pages_read >= self._page_cap:
                return fetched.fail(
                    f"{fetched.label}: more pages than the page cap ({self._page_cap}); stopped"
                )
            seen.add(following)
            url = following

    async def _get(self, fetched: Fetched, url: str, *, expect: str) -> Resource | None:
        label = fetched.label
        if self.requests_sent >= self._max_requests:
            fetched.fail(
                f"{label}: not sent, this call reached its cap of {self._max_requests} fhirServer requests"
            )
            return None
        self.requests_sent += 1
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._http.stream("GET", url, headers=self._headers, timeout=self._timeout) as response,
            ):
                if not response.is_success:
                    fetched.fail(f"{label}: fhirServer answered HTTP {response.status_code}", "http_error")
                    return None
                content = await self._read_capped(response)
        except TimeoutError:
            fetched.fail(f"{label}: fhirServer did not answer within {self._timeout:g} s", "timeout")
            return None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            # The exception text can carry the URL (and so the patient id): only its kind is kept.
            kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "error"
            fetched.fail(f"{label}: fhirServer unreachable ({type(exc).__name__})", kind)
            return None
        except Exception as exc:  # anything else a request can raise (bad URL, header encoding...)
            fetched.fail(f"{label}: the query failed ({type(exc).__name__})", "error")
            return None
        if content is None:
            fetched.fail(f"{label}: fhirServer answered more than {self._max_bytes} bytes; not read", "error")
            return None
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            fetched.fail(f"{label}: fhirServer answered with something that is not JSON", "error")
            return None
        rtype = body.get("resourceType") if isinstance(body, dict) else None
        if rtype != expect:
            what = "an OperationOutcome" if rtype == "OperationOutcome" else "no FHIR " + expect
            fetched.fail(f"{label}: fhirServer answered with {what}", "error")
            return None
        return body  # type: ignore[no-any-return]

    async def _read_capped(self, response: httpx.Response) -> bytes | None:
        """The (decoded) body, or ``None`` as soon as it passes ``max_response_bytes``: a server cannot
        make the service hold more than that per response, whatever it declares or compresses."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            return None
        content = bytearray()
        async for chunk in response.aiter_bytes():
            content += chunk
            if len(content) > self._max_bytes:
                return None
        return bytes(content)
