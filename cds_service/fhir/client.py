"""Reads and searches on the client's ``fhirServer``, bounded and fault-tolerant (docs/prefetch.md).

One ``FhirClient`` per hook call, over the injected ``httpx.AsyncClient``. Every request carries the
call's bearer token and is bounded by ``fhir_query_timeout_seconds``; a search follows ``Bundle.link``
``next`` up to ``fhir_page_cap`` pages and stops at a link it has already read. At most
``fhir_max_requests`` requests are sent per call (pages included): a query past that cap is not sent and
fails like any other. A response body is read raw and decoded under ``fhir_max_response_bytes`` counted on
the decoded bytes, and dropped once it passes them; nested or unknown content codings are not read
(``response_body``; a failed query). Faults (4xx/5xx, a
timeout, a transport error, bad JSON, an answer that is not the FHIR resource asked for) come back as a
``Fetched`` with ``complete=False`` and a one-line problem: never an exception, never a token, a URL or
a patient id in the text (queries are named by their prefetch key or resource type only).

A search whose paging cannot be completed is *partial* ("A partial read is not a
record", docs/prefetch.md "Partial reads"): a ``next`` link already read (a loop, or a page id the server
reuses), the page cap, the entry cap (``max_entries``, matches read), a ``next`` link off the server, or a
``Bundle.total`` above the matches read. Its ``Fetched`` keeps what was read but says ``complete=False`` with
``incomplete_because``, so what it feeds is unknown (or a 412 for a required key), never decided on.

``next`` links are followed only when they point at ``fhirServer`` itself: the bearer token is scoped
to that server (S2 L487-490) and must not travel to a URL a response names. A link is normalised first
(RFC 3986: dot segments removed, unreserved percent-encodings decoded; ``url_normal``), so the check
reads it as the server will, and the normalised URL is the one requested.

``refuse_internal_addresses`` (no ``CDS_FHIR_SERVER_ALLOWLIST``): every request asks the transport
(``fhir.transport``) to resolve the host, refuse it if any address is internal, and connect to the
address it checked, by a request extension; a transport that does not know the extension ignores it.
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
from cds_service.fhir.response_body import ACCEPT_ENCODING, BodyRefused, read_body
from cds_service.fhir.url_normal import normalised, within
from cds_service.metrics import observe_fhir_query

_ACCEPT = "application/fhir+json, application/json;q=0.9"
# The request extension that asks fhir.transport to resolve, check and pin the server's address.
REFUSE_INTERNAL_ADDRESSES = "cds.refuse_internal_addresses"


@dataclass
class Fetched:
    """What one query produced: the Bundles/resources read, whether that is all of it, what went wrong."""

    label: str
    resources: list[Resource] = field(default_factory=list)
    complete: bool = True
    problems: list[str] = field(default_factory=list)
    failure: str | None = None  # the first failure's kind: the ``status`` label of the query's metric
    # Why the read is not the whole result (the first fault or paging problem), for the facts it feeds.
    incomplete_because: str = ""
    # Matches read (Bundle entries that are not _include'd or outcome entries) and the first page's total.
    matches: int = 0
    total: int | None = None
    # The read stopped on a paging problem (loop, caps, off-server next link, total above what was read,
    # a page after the first failed), not on the first request: ``incomplete_because`` may be told to the
    # caller. A fault's own words (HTTP status, timeout) never are: no port scanner for whoever chose
    # fhirServer (fhir.gather).
    paging: bool = False

    def fail(self, problem: str, kind: str = "incomplete") -> Fetched:
        """``problem`` starts with the label; ``incomplete_because`` keeps the rest; ``kind`` is the
        ``status`` label of the query's metric."""
        self.complete = False
        self.problems.append(problem)
        self.failure = self.failure or kind
        if not self.incomplete_because:
            self.incomplete_because = problem.removeprefix(f"{self.label}: ")
        return self

    @property
    def status(self) -> str:
        """ok, or why not: incomplete (a cap or a link not followed), http_error, timeout, error."""
        return "ok" if self.complete else self.failure or "incomplete"

    def truncate(self, problem: str) -> Fetched:
        """A paging problem: what was read is kept, but it is not the whole result."""
        self.paging = True
        return self.fail(problem)

    def count(self, page: Resource, *, first: bool) -> None:
        """Count a page's matches; the first page's ``total`` is the server's count of them all."""
        self.matches += matches_in(page)
        if first:
            self.total = total_of(page)

    def check_total(self) -> Fetched:
        """Partial when the server said there are more matches than were read (FHIR R4 Bundle.total)."""
        if self.complete and self.total is not None and self.total > self.matches:
            self.truncate(f"{self.label}: total {self.total} above the {self.matches} entries read")
        return self


def total_of(bundle: Resource) -> int | None:
    total = bundle.get("total")
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def matches_in(bundle: Resource) -> int:
    """Entries of a searchset page that are matches: not ``search.mode`` include/outcome, and not an
    OperationOutcome (FHIR R4 search.html: ``total`` counts matches only)."""
    entries = bundle.get("entry")
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return 0
    found = 0
    for entry in entries:  # runs over every prefetched Bundle: kept to the few lookups it needs
        if not isinstance(entry, dict):
            continue
        search = entry.get("search")
        if isinstance(search, dict) and search.get("mode") in _NOT_MATCHES:
            continue
        resource = entry.get("resource")
        if isinstance(resource, dict) and resource.get("resourceType") == "OperationOutcome":
            continue
        found += 1
    return found


_NOT_MATCHES = ("include", "outcome")


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
            observe_fhir_query(fetched.status, time.perf_counter() - started)
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
        max_entries: int = 10_000,
        refuse_internal_addresses: bool = False,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/") + "/"
        self._headers = {"Accept": _ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
        self._extensions = {REFUSE_INTERNAL_ADDRESSES: True} if refuse_internal_addresses else {}
        # Decoded body bytes this client has held (responses read or dropped), for the tests and the log.
        self.bytes_decoded = 0
        if access_token:
            self._headers["Authorization"] = f"Bearer {access_token}"
        self._timeout = query_timeout_seconds
        self._page_cap = max(1, page_cap)
        self._max_requests = max_requests
        self.requests_sent = 0
        self._max_bytes = max_response_bytes
        self._max_entries = max(1, max_entries)

    def owns(self, url: str) -> bool:
        """Whether an absolute or relative URL lies on this FHIR server, read as the server reads it (not if
        it cannot be normalised)."""
        return self._on_server(url) is not None

    def _on_server(self, url: str) -> str | None:
        """The normalised absolute URL of ``url`` when it lies on this server; ``None`` otherwise."""
        try:
            absolute = urljoin(self._base, url)
        except ValueError:
            return None
        if not within(absolute, self._base):
            return None
        return normalised(absolute)

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
        fetched = await self._pages(Fetched(label), urljoin(self._base, query))
        return fetched.check_total()

    @_measured
    async def rest_of(self, label: str, first_page: Resource) -> Fetched:
        """The pages after a Bundle the client already sent (a paged prefetch value); its matches and
        ``total`` count toward whether the whole result was read."""
        fetched = Fetched(label)
        fetched.count(first_page, first=True)
        url = next_link(first_page)
        if url is None:
            return fetched.check_total()
        following = self._on_server(url)
        if following is None:
            return fetched.truncate(f"{label}: the next page link points outside fhirServer; not followed")
        return (await self._pages(fetched, following, pages_read=1)).check_total()

    async def _pages(self, fetched: Fetched, url: str, *, pages_read: int = 0) -> Fetched:
        label = fetched.label
        seen = {normalised(url) or url}
        while True:
            page = await self._get(fetched, url, expect="Bundle")
            if page is None:
                if pages_read:
                    # Said without its cause (kept in problems, logged only): pages were read, not all.
                    fetched.paging = True
                    fetched.incomplete_because = f"page {pages_read + 1} failed"
                return fetched
            if reports_error(page):
                return fetched.fail(
                    f"{label}: fhirServer reported an error inside the search result", "error"
                )
            fetched.resources.append(page)
            fetched.count(page, first=pages_read == 0)
            pages_read += 1
            link = next_link(page)
            if link is None:
                return fetched
            following = self._on_server(link)
            if following is None:
                return fetched.truncate(
                    f"{label}: the next page link points outside fhirServer; not followed"
                )
            if following in seen:
                # A link back to a page already read (a loop, or a page id the server reuses) says
                # nothing of the pages not yet read: the result is partial, not complete (docs/prefetch.md
                # "Partial reads").
                return fetched.truncate(f"{label}: paging loop after page {pages_read}")
            if pages_read >= self._page_cap:
                return fetched.truncate(f"{label}: more pages than the page cap ({self._page_cap}); stopped")
            if fetched.matches >= self._max_entries:
                return fetched.truncate(
                    f"{label}: more entries than the entry cap ({self._max_entries}); stopped"
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
                self._http.stream(
                    "GET", url, headers=self._headers, timeout=self._timeout, extensions=self._extensions
                ) as response,
            ):
                if not response.is_success:
                    fetched.fail(f"{label}: fhirServer answered HTTP {response.status_code}", "http_error")
                    return None
                content = await read_body(response, max_bytes=self._max_bytes)
                self.bytes_decoded += len(content)
        except BodyRefused as refused:
            self.bytes_decoded += refused.decoded
            fetched.fail(f"{label}: fhirServer answered {refused.reason}; not read", "error")
            return None
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
