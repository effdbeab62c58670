"""A hook's decision as one function of the request's bytes: parse, gather, decide, respond.

``decide_hook`` is the whole CPU part of a hook call (what the hook deadline must be able to stop) and the
FHIR reads it needs, for every hook (order-select, order-sign, order-dispatch: ``hooks.responders``). The
hook routes and the tester's endpoints run it through ``decide_within`` below: on the event loop
(``CDS_DECISION_PROCESSES=0``) or in a decision process (``isolation.pool``). It returns plain data
(``HookOutcome``): the answer's bytes, the determination records the service stores before answering, and
what the route logs and counts.

The store is the service's, on its event loop; a decision process opens no connection. So what a decision
needs of the service it asks (``responders.Service``): that the request is parsed (the service binds the
call's ``hook_instance`` to its own log lines, ``log_context``), and, at order-dispatch, each determination
against the one on record (the service reads the store and compares, ``dtr.against_record``). On the
event loop ``OnTheLoop`` answers directly; in a decision process ``Asking`` puts the same questions to the
service over the channel (``isolation.process``: ``ask``), answered by an ``OnTheLoop`` in the request's own
task, under its deadline. What is to be recorded comes back as records, stored by the caller.

In a decision process, ``handle`` runs it and puts the outcome on the wire (a JSON head and the answer's
bytes); ``outcome_from`` reads it back in the service, raising the ``ServiceError`` the process reported
(a 400, a 412), so both paths answer alike.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import httpx
import orjson
import structlog
from pydantic import SecretStr

from cds_service.assertion_ids import assertion_key
from cds_service.dtr.against_record import Comparand, Compared, compared_with_record
from cds_service.errors import DecisionUnavailable, ServiceError
from cds_service.evaluation import decided, gather
from cds_service.hooks.admission import HookDeadline
from cds_service.hooks.parse import parse_hook_request
from cds_service.hooks.responders import RESPONDERS, Call
from cds_service.isolation.pool import DecisionFailed, DecisionLost, DecisionPool
from cds_service.isolation.process import Ask
from cds_service.log_context import bind_hook_instance, logged_hook_instance
from cds_service.metrics import DISPATCH_REVISIONS, FHIR_QUERIES, FHIR_QUERY_RECORD
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings
from cds_service.store.protocol import Store, StoreUnavailable
from cds_service.store.records import DeterminationRecord

log = structlog.get_logger("cds_service.hooks")


class Answer(StrEnum):
    RESPONSE = "response"  # the CDS Hooks response (cards, system actions); its records to store
    # the response and the determinations behind it, {"response": ..., "determinations": [...]} (the
    # tester's answer); its records to store, as the hook's
    WITH_DETERMINATIONS = "with-determinations"
    DETERMINATIONS = "determinations"  # the determinations as JSON (the tester page); nothing to store


@dataclass(frozen=True)
class HookOutcome:
    hook: str  # the hook the request named
    hook_instance: str  # as logged (``log_context.logged_hook_instance``)
    orders: int  # draft orders received
    decisions: tuple[tuple[str, str | None], ...]  # (decision, pathway) per determination told
    records: tuple[DeterminationRecord, ...]  # to store before answering
    body: bytes  # the answer, JSON
    cards: int = 0  # cards in the answer
    standings: tuple[str, ...] = field(default=())  # order-dispatch: how each stood against the record


# What the service does for a decision, on its event loop


class OnTheLoop:
    """``responders.Service`` done by the service itself, in the request's task: the decision on the event
    loop calls it directly; a decision process's questions are answered by it (``answer_question``)."""

    def __init__(self, store: Store, *, now: datetime, deadline: HookDeadline | None = None) -> None:
        self._store = store
        self._now = now
        self._deadline = deadline  # on the event loop only: a process's questions are under pool.run's

    async def parsed(self, hook_instance: str) -> None:
        # Every later line of the call carries it (fhir_data warnings, a store error, the hook_call line);
        # the app's outermost middleware clears it when the call ends (log_context).
        bind_hook_instance(hook_instance)

    async def on_record(self, made: Sequence[Comparand | None]) -> list[Compared]:
        def compare() -> Awaitable[list[Compared]]:
            return compared_with_record(self._store, made, now=self._now)

        if self._deadline is not None:
            compared = await self._deadline.run("reading the record", compare)
        else:
            compared = await compare()
        for found in compared:
            DISPATCH_REVISIONS.labels(standing=str(found.revision.standing)).inc()
        return compared

    async def answer_question(self, head: dict[str, Any], data: bytes) -> tuple[dict[str, Any], bytes]:
        """A decision process's question (``Asking``), answered here."""
        question = head.get("ask")
        if question == "parsed":
            await self.parsed(str(head["hook_instance"]))
            return {}, b""
        if question == "on_record":
            made = [Comparand.from_json(item) if item else None for item in orjson.loads(data)]
            compared = await self.on_record(made)
            return {}, orjson.dumps([found.as_json() for found in compared])
        raise ValueError(f"a decision process asked what the service does not answer: {question!r}")


# In a decision process


class Asking:
    """``responders.Service`` in a decision process: each question put to the service (``ask``)."""

    def __init__(self, ask: Ask) -> None:
        self._ask = ask

    async def parsed(self, hook_instance: str) -> None:
        bind_hook_instance(hook_instance)  # this job's lines (the job's task ends with it)
        await self._ask({"ask": "parsed", "hook_instance": hook_instance}, b"")

    async def on_record(self, made: Sequence[Comparand | None]) -> list[Compared]:
        data = orjson.dumps([item.as_json() if item is not None else None for item in made])
        _, answer = await self._ask({"ask": "on_record"}, data)
        return [Compared.from_json(found) for found in orjson.loads(answer)]


async def decide_hook(
    body: bytes,
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    service: OnTheLoop | Asking,
    today: date,
    now: datetime,
    client: str = "",
    hook: str | None = None,
    answer: Answer = Answer.RESPONSE,
    deadline: HookDeadline | None = None,
) -> HookOutcome:
    """The decision for a request of ``hook`` (None: whichever served hook the body names). ``deadline``:
    on the event loop, the FHIR reads are cancelled at it and no CPU stage starts past it; in a decision
    process there is none (the service kills the process at the deadline)."""
    if deadline is not None:
        deadline.check("parsing")
    hook_request = parse_hook_request(body, hook)
    await service.parsed(hook_request.hookInstance)
    source = hook_request.source()
    if deadline is not None:
        gathered = await deadline.run(
            "gathering FHIR data", lambda: gather(source, settings=settings, http=http)
        )
        deadline.check("deciding")
    else:
        gathered = await gather(source, settings=settings, http=http)
    evaluation = decided(gathered, source, today=today, settings=settings, client=client)
    instance = logged_hook_instance(hook_request.hookInstance)
    orders = len(evaluation.pool.draft_orders)
    if answer is Answer.DETERMINATIONS:
        out = orjson.dumps([determination_to_json(d) for d in evaluation.determinations])
        decisions = tuple((str(d.decision), d.pathway) for d in evaluation.determinations)
        return HookOutcome(hook_request.hook, instance, orders, decisions, (), out)
    if deadline is not None:
        deadline.check("responding")
    call = Call(hook_request, evaluation, settings, client, today, now, service)
    responded = await RESPONDERS[hook_request.hook](call)
    response: dict[str, Any] = responded.body
    if answer is Answer.WITH_DETERMINATIONS:
        response = {
            "response": responded.body,
            "determinations": [determination_to_json(d) for d in evaluation.determinations],
        }
    return HookOutcome(
        hook=hook_request.hook,
        hook_instance=instance,
        orders=orders,
        decisions=tuple(responded.decisions),
        records=tuple(responded.records),
        body=orjson.dumps(response),
        cards=len(responded.body.get("cards") or []),
        standings=tuple(responded.standings),
    )


async def handle(
    head: dict[str, Any], data: bytes, *, context: Settings, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    """The decision process's job (``isolation.process``): ``head`` carries today, now, the client, the
    hook and the answer wanted; ``data`` is the request's bytes."""
    queries: list[tuple[str, float]] = []
    FHIR_QUERY_RECORD.set(queries)
    try:
        outcome = await decide_hook(
            data,
            settings=context,
            http=http,
            service=Asking(ask),
            today=date.fromisoformat(head["today"]),
            now=datetime.fromisoformat(head["now"]),
            client=head["client"],
            hook=head["hook"],
            answer=Answer(head["answer"]),
        )
    except ServiceError as error:
        reported = {"status": error.status, "code": error.code, "message": error.message}
        return {"error": reported | {"expression": list(error.expression)}, "fhir_queries": queries}, b""
    return {
        "hook": outcome.hook,
        "hook_instance": outcome.hook_instance,
        "orders": outcome.orders,
        "decisions": outcome.decisions,
        "records": [_record_to_wire(record) for record in outcome.records],
        "cards": outcome.cards,
        "standings": outcome.standings,
        "fhir_queries": queries,
    }, outcome.body


def settings_for_processes(settings: Settings) -> Settings:
    """The settings a decision process is started with: the service's, with the key it derives coverage
    assertion ids and card uuids from made explicit (``CDS_ASSERTION_SECRET``, else this process's own
    random key), so an order gets the same ids whichever process decides it, and feedback on a card any
    of them issued is recognised here."""
    return settings.model_copy(update={"assertion_secret": SecretStr(assertion_key(settings).decode())})


def job_head(*, today: date, now: datetime, client: str, hook: str | None, answer: Answer) -> dict[str, Any]:
    return {
        "today": today.isoformat(),
        "now": now.isoformat(),
        "client": client,
        "hook": hook,
        "answer": str(answer),
    }


# Back in the service


class ReportedError(ServiceError):
    """A ``ServiceError`` a decision process reported: answered with its status, code and words."""

    def __init__(self, status: int, code: str, message: str, expression: tuple[str, ...]) -> None:
        super().__init__(message, expression=expression)
        self.status = status
        self.code = code


def outcome_from(head: dict[str, Any], data: bytes) -> HookOutcome:
    """The outcome a decision process sent, its FHIR queries counted in the service's metrics; raises the
    error it reported."""
    for status, seconds in head.get("fhir_queries", ()):
        FHIR_QUERIES.labels(status=str(status)).observe(float(seconds))
    error = head.get("error")
    if error is not None:
        raise ReportedError(error["status"], error["code"], error["message"], tuple(error["expression"]))
    return HookOutcome(
        hook=head["hook"],
        hook_instance=head["hook_instance"],
        orders=head["orders"],
        decisions=tuple((str(decision), pathway) for decision, pathway in head["decisions"]),
        records=tuple(_record_from_wire(record) for record in head["records"]),
        body=data,
        cards=head["cards"],
        standings=tuple(head["standings"]),
    )


def _record_to_wire(record: DeterminationRecord) -> dict[str, Any]:
    """A record in the answer's JSON head: dates as ISO text, the packed determination (bytes) as base64."""
    return {
        **record.__dict__,
        "approval_start": record.approval_start.isoformat() if record.approval_start else None,
        "approval_end": record.approval_end.isoformat() if record.approval_end else None,
        "created_at": record.created_at.isoformat(),
        "expires_at": record.expires_at.isoformat(),
        "packed": base64.b64encode(record.packed).decode("ascii") if record.packed is not None else None,
    }


def _record_from_wire(wire: dict[str, Any]) -> DeterminationRecord:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return DeterminationRecord(
        **{
            **wire,
            "approval_start": day(wire["approval_start"]),
            "approval_end": day(wire["approval_end"]),
            "created_at": datetime.fromisoformat(wire["created_at"]),
            "expires_at": datetime.fromisoformat(wire["expires_at"]),
            "packed": base64.b64decode(wire["packed"]) if wire.get("packed") is not None else None,
        }
    )


async def decide_within(
    deadline: HookDeadline,
    read_body: Callable[[], Awaitable[bytes]],
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    pool: DecisionPool | None,
    store: Store,
    today: date,
    client: str = "",
    hook: str | None = None,
    answer: Answer = Answer.RESPONSE,
) -> HookOutcome:
    """The one path of every route that decides a hook (the three hook services, the tester's answer and
    determination), so none escapes the deadline: the body read under it, then the decision on the event
    loop (``pool`` None) or in a decision process, which is killed at the deadline (503 ``timeout``,
    ``HookDeadlineExceeded``, counted in ``cds_hooks_abandoned_total``). ``hook``: the hook the route
    serves (None: whichever the body names). The records in the outcome are the caller's to store
    (``store_records``) before it answers."""
    body = await deadline.run("reading the body", read_body)
    now = datetime.now(UTC)
    if pool is None:
        return await decide_hook(
            body,
            settings=settings,
            http=http,
            service=OnTheLoop(store, now=now, deadline=deadline),
            today=today,
            now=now,
            client=client,
            hook=hook,
            answer=answer,
            deadline=deadline,
        )
    deadline.check("deciding")
    head = job_head(today=today, now=now, client=client, hook=hook, answer=answer)
    service = OnTheLoop(store, now=now)
    try:
        reported, data = await pool.run(head, body, deadline=deadline.at, asked=service.answer_question)
    except TimeoutError:
        raise deadline.exceeded("deciding; its decision process was stopped") from None
    except DecisionLost:
        log.error("decision_process_lost")
        raise DecisionUnavailable(
            "The decision process ended without an answer; no decision was made"
        ) from None
    except DecisionFailed as failed:
        # a bug, as the event loop would have raised it: a 500 without internals, logged by type and line
        log.error("unhandled_error", error=failed.error, where=failed.where, path="decision process")
        raise ReportedError(500, "exception", "Internal error", ()) from None
    return outcome_from(reported, data)


async def store_records(store: Store, outcome: HookOutcome) -> bool:
    """The outcome's records stored (committed) before the answer leaves: a coverage assertion the EHR holds
    is one the claim system and every replica's DTR can find. With the store down the hook still answers
    the same determination (the clinician is not failed); the assertion is then not on record, which the
    log and cds_store_errors_total say, and signing the order again records it under the same id. False
    when they could not be stored."""
    try:
        await store.save_determinations(outcome.records)
    except StoreUnavailable as error:
        log.error("determinations_not_stored", error=str(error))
        return False
    return True


__all__ = [
    "Answer",
    "Asking",
    "HookOutcome",
    "OnTheLoop",
    "decide_hook",
    "decide_within",
    "handle",
    "outcome_from",
    "store_records",
]
