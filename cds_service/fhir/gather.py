"""Gather the FHIR data of one hook call into a pool: the prefetch first, ``fhirServer`` for the rest.

Order of work (docs/facts.md):

1. ``context.draftOrders`` and every usable prefetch value go into the pool (never another patient's
   resources, ``patient_scope``);
2. the draft orders' ``medicationReference`` is resolved (contained, pool, else fetched), since which
   drug an order is can hang on it;
3. only for the dexrazoxane orders among them, which the caller names (``evaluation`` asks
   ``clinical.orders`` between ``gather_draft_orders`` and ``gather_for_orders``): every prefetch key
   that is absent (or came as an OperationOutcome), the next pages of paged prefetch Bundles and the
   supplementary queries are fetched at once; then, in up to ``FOLLOW_UP_ROUNDS`` rounds, the references
   still unresolved (Medications, ResearchStudies, the prescriber's Practitioner/PractitionerRole);
4. a required key (``required_keys``) that is in neither place raises ``MissingData`` (412).

A partial read ("A partial read is not a record", docs/prefetch.md "Partial reads"): a search whose paging
could not be completed (``client``), a prefetch Bundle whose ``total`` is above its entries, or whose ``next``
pages could not be read, is noted in ``pool.incomplete`` under what it feeds (its prefetch key, else its
resource types), so the facts it feeds are unknown (``clinical.partial_reads``), never decided on what
was read. A prefetch Bundle short of its ``total`` is searched again whole on ``fhirServer`` when one is
usable. A partial read of a required key, or of a resource type a required key holds, is a 412.

A failed query is noted in ``pool.problems`` and its data counts as unavailable; nothing a FHIR server
does turns into a 500 or a hang (``client``, ``fetch_session``).

Offline (no HTTP client at all: ``cds-service evaluate --offline``): a request that names a ``fhirServer``
is evaluated on what it carries, and every key that would have been read from the server is *not read*,
noted like a partial read (not read is not absent: what it feeds is unknown, and named), or a
412 for a required key; no connection is ever made. A request that names none is evaluated as always.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import structlog

from cds_service.errors import MissingData, clip
from cds_service.fhir.client import Fetched, FhirClient, matches_in, total_of
from cds_service.fhir.fetch_session import FetchSession, Query
from cds_service.fhir.patient_scope import PatientScope
from cds_service.fhir.pool import MEDICATION_ORDER_TYPES, Resource, ResourcePool
from cds_service.fhir.prefetch import PrefetchState, classify, next_link
from cds_service.fhir.prefetch_templates import PREFETCH_TEMPLATES
from cds_service.fhir.references import missing_references, queries_for, roles_wanted
from cds_service.fhir.required_keys import REQUIRED_KEYS, REQUIRED_TYPES
from cds_service.fhir.server_url import server_refusal, settings_to_allow
from cds_service.fhir.source import Source
from cds_service.fhir.supplementary_queries import SUPPLEMENTARY_QUERIES
from cds_service.fhir.tokens import relative_reference, render, token_values
from cds_service.settings import Settings

log = structlog.get_logger(__name__)

# Requester -> PractitionerRole -> Practitioner is the longest chain followed; a third round is slack
# for a server that leaves out an _include.
FOLLOW_UP_ROUNDS = 3
# Notes logged one per line in a call; the rest are counted in one line (``Gathering.flush_notes``). A
# request is the client's to shape: 20,000 unknown prefetch keys wrote 6.7 MB of log from a 4 MB request
# (a security review). 20 is more than an ordinary call ever notes (a dozen keys, a few follow-ups).
LOGGED_NOTES = 20
# Longest part of a client's text (a prefetch key) in a note.
NOTE_KEY_CHARS = 64

ALL_QUERIES: dict[str, str] = {**PREFETCH_TEMPLATES, **SUPPLEMENTARY_QUERIES}

# What a 412 says of a key fhirServer was asked for: coarse on purpose. The precise fault (HTTP status,
# timeout, connection refused, why the URL was refused) is in pool.problems and the logs only, so that the
# answer to a caller who chose fhirServer is no port scanner of the service's network.
NO_USABLE_SERVER = "no usable fhirServer"
SERVER_FAILED = "fhirServer could not provide it"
# A paging problem (loop, caps, total above the entries read) is about the data, not the network: said.
INCOMPLETE = "its search could not be read whole"
# Offline: the request's fhirServer is never queried (no HTTP client).
OFFLINE = "not read: offline, fhirServer not queried"


@dataclass
class _Server:
    client: FhirClient | None
    unusable_because: str = ""
    # The settings that would make fhirServer usable (named in a 412; see server_url.settings_to_allow).
    allowed_by: tuple[str, ...] = ()
    # Offline with a fhirServer named: what it would have answered is not read (not absent).
    offline: bool = False


def _sendable(token: str) -> bool:
    """A bearer token is visible ASCII (RFC 6750 b64token is narrower still): anything else cannot go in
    an Authorization header, and a CR/LF would split it."""
    return bool(token) and all("!" <= ch <= "~" for ch in token)


def _server(source: Source, settings: Settings, http: httpx.AsyncClient | None) -> _Server:
    """The FHIR server this call may query, or why it may not (CDS Hooks 2.0 S2 L483)."""
    base = (source.server or "").strip()
    if not base:
        return _Server(None, "the request names no fhirServer")
    if http is None:
        return _Server(None, "offline: fhirServer is not queried", offline=True)
    token = source.token
    allowed_by = settings_to_allow(
        base,
        allowlist=settings.fhir_server_allowlist,
        allow_unauthenticated=settings.allow_unauthenticated_fhir,
        authorized=token is not None,
    )
    refusal = server_refusal(
        base, allowlist=settings.fhir_server_allowlist, allow_http=settings.allow_unauthenticated_fhir
    )
    if refusal is not None:
        return _Server(None, refusal, allowed_by or ())
    if token is not None and not _sendable(token):
        return _Server(None, "fhirAuthorization.access_token cannot be sent in an HTTP header")
    if token is None and not settings.allow_unauthenticated_fhir:
        return _Server(
            None,
            "fhirServer came without fhirAuthorization and CDS_ALLOW_UNAUTHENTICATED_FHIR is off",
            allowed_by or (),
        )
    client = FhirClient(
        http,
        base,
        access_token=token,
        query_timeout_seconds=settings.fhir_query_timeout_seconds,
        page_cap=settings.fhir_page_cap,
        max_requests=settings.fhir_max_requests,
        max_response_bytes=settings.fhir_max_response_bytes,
        max_entries=settings.fhir_max_entries,
        # Without an allowlist, a name is resolved and checked like a literal address (fhir.transport).
        refuse_internal_addresses=not any(a.strip() for a in settings.fhir_server_allowlist),
    )
    return _Server(client)


def _with_page_size(query: str, size: int) -> str:
    """Searches ask for big pages (``_count``): a 500-dose history in one round trip, not 100. Servers
    may answer with fewer."""
    if "?" not in query or "_count=" in query:
        return query
    return f"{query}&_count={size}"


def _types_in(value: Resource) -> set[str]:
    """The resource types a resource or Bundle holds (a Bundle's entries, one level)."""
    if value.get("resourceType") != "Bundle":
        return {str(value.get("resourceType"))}
    entries = value.get("entry")
    entries = [entries] if isinstance(entries, dict) else entries if isinstance(entries, list) else []
    return {
        e["resource"]["resourceType"]
        for e in entries
        if isinstance(e, dict)
        and isinstance(e.get("resource"), dict)
        and isinstance(e["resource"].get("resourceType"), str)
        and e["resource"]["resourceType"] != "OperationOutcome"
    }


def _short_of_total(bundle: Resource) -> str | None:
    """Why a prefetch Bundle without a ``next`` link is partial: its ``total`` above its matches."""
    total = total_of(bundle) if bundle.get("resourceType") == "Bundle" else None
    if total is None:
        return None
    read = matches_in(bundle)
    return f"total {total} above the {read} entries sent" if total > read else None


def _for_fhir_version(query: str, pool: ResourcePool) -> str:
    """DSTU2 has MedicationOrder where R4 has MedicationRequest: a DSTU2 draft order (the sandbox's
    default server) says which one the client's server knows."""
    if query.startswith("MedicationRequest?") and any(
        order.get("resourceType") == "MedicationOrder" for order in pool.draft_orders
    ):
        return "MedicationOrder?" + query.removeprefix("MedicationRequest?")
    return query


class Gathering:
    """One call's gathering, in two steps (``gather_draft_orders``, then ``gather_for_orders``): which
    draft orders the rest is gathered for is decided between them, by the caller (``evaluation``)."""

    def __init__(self, source: Source, settings: Settings, http: httpx.AsyncClient | None) -> None:
        self.pool = ResourcePool(patient_id=source.patient_id, user_reference=source.user_id)
        self.prefetch: Mapping[str, Any] = source.prefetch
        self.tokens = token_values(source.context)
        self.server = _server(source, settings, http)
        self.session = FetchSession(settings.fhir_total_timeout_seconds)
        self.asked: set[str] = set()
        # prefetch key -> why its data could not be had, in the coarse words of a 412
        self.unavailable: dict[str, str] = {}
        # prefetch keys whose every resource named another patient: read again, as if absent
        self.rejected: set[str] = set()
        # search label -> the resource types it reads (searches whose partial read feeds facts)
        self.search_types: dict[str, set[str]] = {}
        self.page_size = settings.fhir_page_size
        self.scope = PatientScope(source.patient_id)
        # prefetch key -> its state, read once (a Bundle's entries are walked to find an error outcome)
        self.states: dict[str, PrefetchState] = {}
        self._told_no_server = False
        self._notes_logged = 0
        self._notes_not_logged = 0
        self.pool.add_draft_orders(source.draft_orders)

    def note(self, problem: str) -> None:
        """A gap in what the client sent (the server's faults are logged as warnings by the session):
        in ``pool.problems``, and logged while this call has logged fewer than ``LOGGED_NOTES``."""
        self.pool.problems.append(problem)
        if self._notes_logged < LOGGED_NOTES:
            self._notes_logged += 1
            log.info("fhir_data", problem=problem)
        else:
            self._notes_not_logged += 1

    def flush_notes(self) -> None:
        """One line counting the notes not logged since the last flush."""
        if self._notes_not_logged:
            log.info("fhir_data", problem=f"{self._notes_not_logged} more problems of this call not logged")
            self._notes_not_logged = 0

    def no_server(self) -> str:
        """Notes (once) why fhirServer is not used; returns the coarse reason a 412 may give."""
        if not self._told_no_server:
            self._told_no_server = True
            self.note(f"data beyond the prefetch not read: {self.server.unusable_because}")
        return OFFLINE if self.server.offline else NO_USABLE_SERVER

    def not_read_offline(self, key: str) -> None:
        """Offline, a key the request's fhirServer would have answered is not read, not absent."""
        if self.server.offline:
            self.partial(key, set(), f"{key} {OFFLINE}")

    def add(self, value: Resource, *, source: str) -> int:
        """Into the pool, without resources that name another patient (``patient_scope``, in the same
        pass that indexes them); returns how many were dropped. Those the client sent in its prefetch as
        this patient's are kept aside (``pool.other_patients``): a record that holds another patient's
        resource conflicts with itself, and the facts it could bear on are not decided as if it were
        absent (``clinical.other_patients``). A search on fhirServer answering another patient's
        resources is a server ignoring a search parameter (``patient_scope``): those are only noted."""
        dropped = 0
        keep_aside = source.startswith("prefetch.")

        def other_patients(resource: Resource) -> bool:
            nonlocal dropped
            if self.scope.belongs_to_other_patient(resource):
                dropped += 1
                if keep_aside:
                    self.pool.other_patients.append((source, resource))
                return True
            return False

        added = self.pool.add(value, source=source, skip=other_patients)
        if dropped:
            self.note(f"{source}: {dropped} resource(s) of another patient ignored")
        if dropped and not added:
            return -dropped  # everything named another patient
        return dropped

    def take_prefetch(self) -> None:
        for key, value in self.prefetch.items():
            # a key is the client's text: named in notes and sources at most NOTE_KEY_CHARS long
            named = key if key in ALL_QUERIES else clip(key, NOTE_KEY_CHARS)
            state = self.states[key] = classify(self.prefetch, key)
            if state is PrefetchState.PRESENT:
                if self.add(value, source=f"prefetch.{named}") < 0:
                    # Data about someone else is no data about this patient: it is read again rather
                    # than taken as "nothing recorded", which would read as not_met (a wrong deny).
                    self.rejected.add(key)
            elif state is PrefetchState.ERROR:
                self.note(
                    f"prefetch.{named}: the client reported an error (OperationOutcome) instead of data"
                )
            elif state is PrefetchState.UNREADABLE:
                self.note(f"prefetch.{named}: not a FHIR resource, ignored")
            if state is PrefetchState.PRESENT and key not in ALL_QUERIES:
                # A key we did not advertise is used as sent; nothing fetches the rest of it.
                short = "it has a next page" if next_link(value) is not None else _short_of_total(value)
                if short is not None:
                    self.partial(key, _types_in(value), f"prefetch.{named} incomplete: {short}")
        self.flush_notes()

    def partial(self, label: str, types: set[str], reason: str, *, noted: bool = False) -> None:
        """Note a partial read under what it feeds: its prefetch key if we know the key (the BCR-ABL1
        search feeds the Ph status, not the body measures), else every resource type it holds."""
        if not noted:
            self.note(reason)
        self.pool.mark_incomplete([label] if label in ALL_QUERIES else sorted(types), reason)

    async def run(self, queries: list[Query]) -> list[Fetched]:
        results = await self.session.run(queries)
        for fetched in results:
            self.pool.problems.extend(fetched.problems)
            for resource in fetched.resources:
                self.add(resource, source=f"fhirServer.{fetched.label}")
            types = self.search_types.get(fetched.label)
            if not fetched.complete and types is not None:
                types = types | {t for r in fetched.resources for t in _types_in(r)}
                what = min(types) if len(types) == 1 else fetched.label
                why = fetched.incomplete_because if fetched.paging else SERVER_FAILED
                # its problems are in pool.problems already (logged by the session)
                self.partial(fetched.label, types, f"{what} search incomplete: {why}", noted=True)
        return results

    def prepare(self, label: str, query: str) -> Query | None:
        """A read (``Type/id``) or search not asked before in this call, ready to run."""
        client = self.server.client
        read = relative_reference(query)
        query = query if read else _with_page_size(query, self.page_size)
        if client is None or query in self.asked:
            return None
        self.asked.add(query)
        if read is not None:
            return label, partial(client.read, label, query, expect=read[0])
        if "_id=" not in query:  # a search by id only resolves references: an id not found stays unresolved
            self.search_types[label] = {query.split("?", 1)[0]}
        return label, partial(client.search, label, query)

    async def resolve_references(self, orders: list[Resource], *, draft_only: bool) -> None:
        rounds = 1 if draft_only else FOLLOW_UP_ROUNDS
        for _ in range(rounds):
            client = self.server.client
            owns = client.owns if client is not None else (lambda _url: False)
            wanted = missing_references(self.pool, orders, owns, draft_only=draft_only)
            follow_ups = queries_for(wanted)
            if not draft_only:
                follow_ups += [
                    ("PractitionerRole of the prescriber", f"PractitionerRole?practitioner={pid}")
                    for pid in sorted(roles_wanted(self.pool, orders))
                ]
            if follow_ups and client is None:
                self.no_server()
                return
            queries = [
                q for q in (self.prepare(label, query) for label, query in follow_ups) if q is not None
            ]
            if not queries:
                return
            await self.run(queries)

    async def fill_prefetch_gaps(self) -> None:
        """Fetch every absent key and the rest of every paged one, all at once."""
        queries: list[Query] = []
        for key, template in ALL_QUERIES.items():
            state = self.states.get(key, PrefetchState.ABSENT)
            if state is PrefetchState.NO_DATA:
                continue
            client = self.server.client
            query = render(template, self.tokens)
            if state is PrefetchState.PRESENT and key not in self.rejected:
                value = self.prefetch[key]
                if next_link(value) is None:
                    short = _short_of_total(value)
                    if short is None:
                        continue
                    # Read the search whole; the prefetch's entries are the same resources again.
                    ready = None
                    if client is not None and query is not None:
                        ready = self.prepare(key, _for_fhir_version(query, self.pool))
                    if ready is None:
                        # Nothing can read the rest: the Bundle stays, partial (docs/prefetch.md "Partial
                        # reads").
                        self.partial(key, set(), f"prefetch.{key} incomplete: {short}")
                        self.unavailable[key] = f"its prefetch Bundle is partial ({short})"
                        continue
                    queries.append(ready)
                    continue
                if client is None:
                    self.partial(key, set(), f"prefetch.{key} incomplete: its next page cannot be read")
                    self.unavailable[key] = "its prefetch is paged: " + self.no_server()
                    continue
                self.search_types[key] = _types_in(value) | {template.split("?", 1)[0]}
                queries.append((key, partial(client.rest_of, key, value)))
                continue
            if query is None:
                self.unavailable[key] = "its template cannot be filled from the hook context"
                continue
            if client is None:
                if key in self.rejected:
                    # Every resource sent under the key names another patient and nothing can read this
                    # patient's: the conflict is read as such (pend, naming it), not answered 412.
                    self.no_server()
                    continue
                self.unavailable[key] = self.no_server()
                self.not_read_offline(key)
                continue
            ready = self.prepare(key, _for_fhir_version(query, self.pool))
            if ready is not None:
                queries.append(ready)
        for fetched in await self.run(queries):
            if not fetched.complete:
                self.unavailable[fetched.label] = (
                    f"{INCOMPLETE} ({fetched.incomplete_because})" if fetched.paging else SERVER_FAILED
                )
            elif fetched.label in self.rejected:
                # This patient's own data, read whole in place of another patient's: the EHR's server
                # settles what its prefetch got wrong.
                source = f"prefetch.{fetched.label}"
                self.pool.other_patients[:] = [kept for kept in self.pool.other_patients if kept[0] != source]

    async def read_named_orders(self, references: tuple[str, ...]) -> None:
        """Orders named by reference (order-dispatch's ``context.dispatchedOrders``): each medication order
        from the prefetch (an active order comes with ``medicationRequests``), else read from fhirServer by
        id, then taken as the call's draft orders, in the order named. Other request types (a
        ServiceRequest, a DeviceRequest) are not read: no dexrazoxane order is one of them. A medication
        order in neither place is a 412 naming it: whether it is dexrazoxane, and so what to decide, cannot
        be known without it (CDS Hooks 2.0 S2 L282)."""
        named = [
            (index, reference, parts)
            for index, reference in enumerate(references)
            if (parts := relative_reference(reference)) is not None and parts[0] in MEDICATION_ORDER_TYPES
        ]
        to_read = [item for item in named if self.pool.get(*item[2]) is None]
        if to_read and self.server.client is not None:
            queries = [
                self.prepare(f"context.dispatchedOrders[{i}]", reference) for i, reference, _ in to_read
            ]
            await self.run([query for query in queries if query is not None])
        found: list[Resource] = []
        unread: list[tuple[int, str]] = []
        for index, reference, parts in named:
            order = self.pool.get(*parts)
            if order is None:
                unread.append((index, reference))
            else:
                found.append(order)
        if unread:
            why = SERVER_FAILED if self.server.client is not None else self.no_server()
            raise MissingData(
                "A dispatched order is neither in the prefetch nor readable on fhirServer ("
                + ", ".join(f"{clip(reference)}: {why}" for _, reference in unread)
                + "): which drug it orders cannot be known",
                expression=tuple(f"context.dispatchedOrders[{index}]" for index, _ in unread),
            )
        self.pool.add_draft_orders(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": order} for order in found],
            }
        )

    def require(self) -> None:
        """412 when data the decision cannot do without is in neither place (``required_keys``), or was
        read only in part: a partial read of a required key, or of a resource type one holds, however
        it came ("or a 412 when the key is required", docs/prefetch.md "Partial reads")."""
        for rtype, key in REQUIRED_TYPES.items():
            for feeds in (key, rtype):
                if feeds in self.pool.incomplete and key not in self.unavailable:
                    self.unavailable[key] = self.pool.incomplete[feeds]
        missing = [key for key in REQUIRED_KEYS if key in self.unavailable]
        if missing:
            detail = "; ".join(f"{key} ({self.unavailable[key]})" for key in missing)
            if self.server.client is None and self.server.allowed_by:
                detail += f". fhirServer would be read with {' and '.join(self.server.allowed_by)} set"
            raise MissingData(
                "Data the dexrazoxane decision needs is neither prefetched nor readable on fhirServer, "
                "or was read only in part: " + detail,
                expression=tuple(f"prefetch.{key}" for key in missing),
            )


async def gather_draft_orders(
    source: Source, *, settings: Settings, http: httpx.AsyncClient | None
) -> Gathering:
    """Steps 1 and 2 (see the module docstring): the draft orders and prefetch in the pool (orders named by
    reference read first), the draft orders' medications resolved, so that the caller can tell which
    orders the rest is gathered for. ``http`` None: offline, nothing is read from fhirServer."""
    gathering = Gathering(source, settings, http)
    gathering.take_prefetch()
    if source.order_references:
        await gathering.read_named_orders(source.order_references)
    await gathering.resolve_references(gathering.pool.draft_orders, draft_only=True)
    gathering.flush_notes()
    return gathering


async def gather_for_orders(gathering: Gathering, orders: list[Resource]) -> ResourcePool:
    """Steps 3 and 4 for the orders the decision is about (none: nothing more is read); the pool of
    everything this call knows about the patient."""
    if not orders:
        return gathering.pool
    await gathering.fill_prefetch_gaps()
    await gathering.resolve_references(orders, draft_only=False)
    gathering.flush_notes()
    gathering.require()
    return gathering.pool
