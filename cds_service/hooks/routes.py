"""CDS Hooks 2.0 endpoints: discovery, the three hook services (order-select, order-sign,
order-dispatch: docs/hooks.md) and their feedback. Every service takes the same way: admitted, read, decided
within the hook deadline (``hooks.admission``), then answered by its hook's responder (``hooks.responders``).

The CDS Hooks sandbox builds a service URL as ``{discovery URL}/{id}``, so a discovery URL typed with a
trailing slash leads to ``/cds-services//{id}`` (reference/cds-hooks-spec.md §8): both spellings route.
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
from cds_service.errors import HookDeadlineExceeded, Overloaded, ServiceError, UnknownService
from cds_service.hooks.admission import HookDeadline, evaluate_within
from cds_service.hooks.discovery import SERVICE_BY_ID, Service, discovery_document
from cds_service.hooks.feedback import parse_feedback
from cds_service.hooks.responders import RESPONDERS, Call
from cds_service.log_context import logged_hook_instance
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
            today = date.today()
            hook_request, evaluation = await evaluate_within(
                deadline,
                request.body,
                settings=settings,
                http=runtime.http(),
                today=today,
                client=client_of(request),
                hook=service.hook,
            )
            # Bound to every line of the call once parsed (log_context); named here too, so the summary
            # line carries it whatever the log context holds.
            fields["hook_instance"] = logged_hook_instance(hook_request.hookInstance)
            fields["orders"] = len(evaluation.pool.draft_orders)
            deadline.check("responding")
            call = Call(hook_request, evaluation, runtime.store, settings, client_of(request), today)
            responded = await RESPONDERS[service.hook](call)
            fields["decisions"] = dict(Counter(decision for decision, _ in responded.decisions))
            fields.update(responded.log)
            for decision, pathway in responded.decisions:
                DECISIONS.labels(hook=service.hook, decision=decision, pathway=pathway or NO_PATHWAY).inc()
        fields["cards"] = len(responded.body.get("cards") or [])
        status = 200
        return json_response(responded.body)
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
    _known_service(service_id)
    items = parse_feedback(await request.body())
    written = await runtime.feedback_log.record(service_id, items)
    log.info("feedback", service=service_id, items=len(items), recorded=len(written))
    return json_response({})
