"""CDS Hooks 2.0 endpoints: discovery, the three hook services (order-select, order-sign,
order-dispatch: docs/hooks.md) and their feedback. Every service takes the same way: admitted, read and
decided within the hook deadline (``hooks.admission``), on the event loop or in a decision process the
deadline can stop (``hooks.decision``), answered by its hook's responder (``hooks.responders``); what it
records is stored here, on the event loop, before the answer leaves.

The CDS Hooks sandbox builds a service URL as ``{discovery URL}/{id}``, so a discovery URL typed with a
trailing slash leads to ``/cds-services//{id}`` (the CDS Hooks sandbox): both spellings route.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date
from functools import cache
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from cds_service.auth.dependency import client_of
from cds_service.deps import AUTHENTICATED, RuntimeDep
from cds_service.errors import (
    HookDeadlineExceeded,
    Overloaded,
    PayloadTooLarge,
    ServiceError,
    UnknownService,
)
from cds_service.hooks.admission import HookDeadline
from cds_service.hooks.decision import decide_within, store_records
from cds_service.hooks.discovery import SERVICE_BY_ID, Service, discovery_document
from cds_service.hooks.feedback import MAX_BODY_BYTES as MAX_FEEDBACK_BODY_BYTES
from cds_service.hooks.feedback import parse_feedback
from cds_service.metrics import DECISIONS, HOOK_LATENCY
from cds_service.metrics_exposition import NO_PATHWAY

log = structlog.get_logger("cds_service.hooks")

router = APIRouter(dependencies=[AUTHENTICATED])


def json_response(content: Any) -> Response:
    return Response(orjson.dumps(content), media_type="application/json")


def hook_outcome(status: int) -> str:
    """The ``outcome`` label of ``cds_hook_duration_seconds`` for an answered status."""
    if status < 400:
        return "ok"
    return "client_error" if status < 500 else "server_error"


def _known_service(service_id: str) -> Service:
    service = SERVICE_BY_ID.get(service_id)
    if service is None:
        raise UnknownService("No CDS service with this id; see GET /cds-services", expression=("id",))
    return service


@cache
def _discovery_body() -> bytes:
    # The document is fixed once the modules are loaded: serialise it once.
    return orjson.dumps(discovery_document())


@router.get("/cds-services", summary="CDS Hooks discovery")
@router.get("/cds-services/", include_in_schema=False)
async def discovery() -> Response:
    return Response(_discovery_body(), media_type="application/json")


@router.post("/cds-services/{service_id}", summary="A dexrazoxane hook service")
@router.post("/cds-services//{service_id}", include_in_schema=False)
async def call_service(service_id: str, request: Request, runtime: RuntimeDep) -> Response:
    started = time.perf_counter()
    service = _known_service(service_id)
    settings = runtime.settings
    fields: dict[str, Any] = {"service": service_id}
    status = 500
    outcome: str | None = None  # the latency histogram's label: shed, deadline, or from the status
    try:
        # Admitted before the body is read, so a refusal costs next to nothing (hooks/admission.py).
        with runtime.admission.admit(service.hook):
            deadline = HookDeadline(settings.hook_deadline_seconds, service.hook)
            # The decision, on the event loop or in a decision process stopped at the deadline.
            decided = await decide_within(
                deadline,
                request.body,
                settings=settings,
                http=runtime.http(),
                pool=runtime.decisions,
                store=runtime.store,
                today=date.today(),
                client=client_of(request),
                hook=service.hook,
            )
            # Bound to every line of the call once parsed (log_context); named here too, so the summary
            # line carries it whatever the log context holds.
            fields["hook_instance"] = decided.hook_instance
            fields["orders"] = decided.orders
            fields["decisions"] = dict(Counter(decision for decision, _ in decided.decisions))
            if decided.standings:
                fields["standings"] = list(decided.standings)
            for decision, pathway in decided.decisions:
                DECISIONS.labels(hook=service.hook, decision=decision, pathway=pathway or NO_PATHWAY).inc()
            deadline.check("storing")
            # The store is the service's: written here, on the event loop, before the answer leaves.
            if not await store_records(runtime.store, decided):
                fields["stored"] = False
        fields["cards"] = decided.cards
        status = 200
        return Response(decided.body, media_type="application/json")
    except ServiceError as error:
        status = error.status
        if isinstance(error, Overloaded | HookDeadlineExceeded):
            outcome = "shed" if isinstance(error, Overloaded) else "deadline"
        raise
    finally:
        outcome = outcome or hook_outcome(status)
        HOOK_LATENCY.labels(hook=service.hook, outcome=outcome).observe(time.perf_counter() - started)
        log.info(
            "hook_call",
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            **fields,
        )


# Any other method on a service URL: an unknown id is 404 whatever the method (not 405, which would say the
# service exists); a known id answers 405 naming the one method it has.
OTHER_METHODS = ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"]


@router.api_route("/cds-services/{service_id}", methods=OTHER_METHODS, include_in_schema=False)
@router.api_route("/cds-services//{service_id}", methods=OTHER_METHODS, include_in_schema=False)
@router.api_route("/cds-services/{service_id}/feedback", methods=OTHER_METHODS, include_in_schema=False)
@router.api_route("/cds-services//{service_id}/feedback", methods=OTHER_METHODS, include_in_schema=False)
async def other_method(service_id: str) -> Response:
    _known_service(service_id)
    raise StarletteHTTPException(405, headers={"Allow": "POST"})


@router.post("/cds-services/{service_id}/feedback", summary="CDS Hooks feedback")
@router.post("/cds-services//{service_id}/feedback", include_in_schema=False)
async def feedback(service_id: str, request: Request, runtime: RuntimeDep) -> Response:
    service = _known_service(service_id)
    # Shed like the hook when too many are in flight; the body read against its own, smaller bound.
    with runtime.feedback_admission.admit(service.hook):
        items = parse_feedback(await body_within(request, MAX_FEEDBACK_BODY_BYTES))
        recorded = await runtime.feedback_log.record(service_id, items)
    log.info(
        "feedback",
        service=service_id,
        items=len(items),
        recorded=len(recorded.written),
        not_issued=recorded.not_issued,
    )
    return json_response({})


async def body_within(request: Request, limit: int) -> bytes:
    """The body, or ``PayloadTooLarge`` (413) as soon as it is declared or read past ``limit`` bytes."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
    return bytes(body)
