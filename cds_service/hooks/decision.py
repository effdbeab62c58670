"""A hook's decision as one function of the request's bytes: parse, gather, decide, answer.

``decide_hook`` is the whole CPU part of a hook call (what the hook deadline must be able to stop) and the
FHIR reads it needs: the order-sign route and the tester's determination run it, on the event loop
(``CDS_DECISION_PROCESSES=0``: tests, ``cds-service evaluate``-like use) or in a decision process
(``isolation.pool``), through ``decide_within`` below. It returns plain data (``HookOutcome``):
the answer's bytes, the determination records the service stores before answering (the store is the
service's, on its event loop), and what the route logs and counts.

In a decision process, ``handle`` runs it and puts the outcome on the wire (a JSON head and the answer's
bytes); ``outcome_from`` reads it back in the service, raising the ``ServiceError`` the process reported
(a 400, a 412), so both paths answer alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import httpx
import orjson
import structlog
from pydantic import SecretStr

from cds_service.assertion_ids import assertion_key
from cds_service.dtr.store import determination_records
from cds_service.errors import DecisionUnavailable, ServiceError, clip
from cds_service.evaluation import decided, gather
from cds_service.hooks.admission import HookDeadline
from cds_service.hooks.parse import parse_hook_request
from cds_service.hooks.request import HookRequest
from cds_service.isolation.pool import DecisionFailed, DecisionLost, DecisionPool
from cds_service.metrics import FHIR_QUERIES, FHIR_QUERY_RECORD
from cds_service.policy.render import determination_to_json
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from cds_service.store.records import DeterminationRecord

log = structlog.get_logger("cds_service.hooks")

# Longest hookInstance written to the log (a UUID by the spec; any string in practice).
HOOK_INSTANCE_LOGGED = 128


class Answer(StrEnum):
    RESPONSE = "response"  # the CDS Hooks response (cards, system actions); its determinations stored
    DETERMINATIONS = "determinations"  # the determinations as JSON (the tester page); nothing stored


@dataclass(frozen=True)
class HookOutcome:
    hook_instance: str  # clipped to HOOK_INSTANCE_LOGGED
    orders: int  # draft orders received
    decisions: tuple[tuple[str, str | None], ...]  # (decision, pathway) per determination
    records: tuple[DeterminationRecord, ...]  # to store before answering
    body: bytes  # the answer, JSON
    cards: int = 0  # cards in the answer


async def decide_hook(
    body: bytes,
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    today: date,
    now: datetime,
    client: str = "",
    answer: Answer = Answer.RESPONSE,
    deadline: HookDeadline | None = None,
) -> HookOutcome:
    """The decision for a hook request's bytes. ``deadline``: on the event loop, the FHIR reads are
    cancelled at it and no CPU stage starts past it; in a decision process there is none (the service
    kills the process at the deadline)."""
    if deadline is not None:
        deadline.check("parsing")
    hook_request = parse_hook_request(body)
    hook_instance = clip(hook_request.hookInstance, HOOK_INSTANCE_LOGGED)
    # Every log line of the decision carries it, in a decision process too; unbound when it returns.
    with structlog.contextvars.bound_contextvars(hook_instance=hook_instance):
        return await _decided(
            hook_request,
            hook_instance,
            settings=settings,
            http=http,
            today=today,
            now=now,
            client=client,
            answer=answer,
            deadline=deadline,
        )


async def _decided(
    hook_request: HookRequest,
    hook_instance: str,
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    today: date,
    now: datetime,
    client: str,
    answer: Answer,
    deadline: HookDeadline | None,
) -> HookOutcome:
    source = hook_request.source()
    if deadline is not None:
        gathered = await deadline.run(
            "gathering FHIR data", lambda: gather(source, settings=settings, http=http)
        )
        deadline.check("deciding")
    else:
        gathered = await gather(source, settings=settings, http=http)
    evaluation = decided(gathered, source, today=today, settings=settings, client=client)
    decisions = tuple((str(d.decision), d.pathway) for d in evaluation.determinations)
    orders = len(evaluation.pool.draft_orders)
    if answer is Answer.DETERMINATIONS:
        out = orjson.dumps([determination_to_json(d) for d in evaluation.determinations])
        return HookOutcome(hook_instance, orders, decisions, (), out)
    records = determination_records(
        evaluation.assessed,
        patient_id=hook_request.context.patientId,
        client=client,
        now=now,
        retention_days=settings.retention_days,
    )
    response = build_response(evaluation.assessed, hook_request.options(), settings=settings, today=today)
    cards = len(response.get("cards") or [])
    return HookOutcome(hook_instance, orders, decisions, tuple(records), orjson.dumps(response), cards)


# In a decision process


async def handle(
    head: dict[str, Any], data: bytes, *, context: Settings, http: httpx.AsyncClient
) -> tuple[dict[str, Any], bytes]:
    """The decision process's job (``isolation.process``): ``head`` carries today, now, the client and the
    answer wanted; ``data`` is the request's bytes."""
    queries: list[tuple[str, float]] = []
    FHIR_QUERY_RECORD.set(queries)
    try:
        outcome = await decide_hook(
            data,
            settings=context,
            http=http,
            today=date.fromisoformat(head["today"]),
            now=datetime.fromisoformat(head["now"]),
            client=head["client"],
            answer=Answer(head["answer"]),
        )
    except ServiceError as error:
        reported = {"status": error.status, "code": error.code, "message": error.message}
        return {"error": reported | {"expression": list(error.expression)}, "fhir_queries": queries}, b""
    return {
        "hook_instance": outcome.hook_instance,
        "orders": outcome.orders,
        "decisions": outcome.decisions,
        "records": [_record_to_wire(record) for record in outcome.records],
        "cards": outcome.cards,
        "fhir_queries": queries,
    }, outcome.body


def settings_for_processes(settings: Settings) -> Settings:
    """The settings a decision process is started with: the service's, with the key it derives coverage
    assertion ids and card uuids from made explicit (``CDS_ASSERTION_SECRET``, else this process's own
    random key), so an order gets the same ids whichever process decides it, and feedback on a card any
    of them issued is recognised here."""
    return settings.model_copy(update={"assertion_secret": SecretStr(assertion_key(settings).decode())})


def job_head(*, today: date, now: datetime, client: str, answer: Answer) -> dict[str, Any]:
    return {"today": today.isoformat(), "now": now.isoformat(), "client": client, "answer": str(answer)}


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
        hook_instance=head["hook_instance"],
        orders=head["orders"],
        decisions=tuple((str(decision), pathway) for decision, pathway in head["decisions"]),
        records=tuple(_record_from_wire(record) for record in head["records"]),
        body=data,
        cards=head["cards"],
    )


def _record_to_wire(record: DeterminationRecord) -> dict[str, Any]:
    return {
        **record.__dict__,
        "approval_start": record.approval_start.isoformat() if record.approval_start else None,
        "approval_end": record.approval_end.isoformat() if record.approval_end else None,
        "created_at": record.created_at.isoformat(),
        "expires_at": record.expires_at.isoformat(),
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
        }
    )


async def decide_within(
    deadline: HookDeadline,
    read_body: Callable[[], Awaitable[bytes]],
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    pool: DecisionPool | None,
    today: date,
    client: str = "",
    answer: Answer = Answer.RESPONSE,
) -> HookOutcome:
    """The one path of every route that decides a hook (order-sign, the tester's determination, any hook
    route added beside them), so none escapes the deadline: the body read under it, then the decision on
    the event loop (``pool`` None) or in a decision process, which is killed at the deadline (503
    ``timeout``, ``HookDeadlineExceeded``, counted in ``cds_hooks_abandoned_total``)."""
    body = await deadline.run("reading the body", read_body)
    now = datetime.now(UTC)
    if pool is None:
        return await decide_hook(
            body,
            settings=settings,
            http=http,
            today=today,
            now=now,
            client=client,
            answer=answer,
            deadline=deadline,
        )
    deadline.check("deciding")
    head = job_head(today=today, now=now, client=client, answer=answer)
    try:
        reported, data = await pool.run(head, body, deadline=deadline.at)
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


__all__ = ["Answer", "HookOutcome", "decide_hook", "decide_within", "handle", "outcome_from"]
