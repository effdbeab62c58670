"""Every non-2xx answer as a FHIR OperationOutcome, mapped in this one place (docs/api.md "Errors").

CDS Hooks 2.0 prescribes only 412 and allows other 4xx/5xx; the 3.0 ballot asks for an OperationOutcome
body on every non-2xx (CDS Hooks 2.0). Sources of errors mapped here:
``cds_service.errors.ServiceError`` (each carries its status), Starlette's own HTTP errors (unknown route
404, 405), FastAPI request validation (400) and any unhandled exception (500, without internals).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds_service.errors import (
    QUOTE_CHARS,
    Overloaded,
    RequestTimeout,
    ServiceError,
    Unauthorized,
    clip,
)
from cds_service.metrics import HTTP_ERRORS

log = structlog.get_logger("cds_service.errors")

FHIR_JSON = "application/fhir+json"

# FHIR R4 IssueType codes for the HTTP statuses Starlette raises itself.
_ISSUE_CODE_BY_STATUS: dict[int, str] = {
    400: "invalid",
    401: "security",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    412: "not-found",
    413: "too-long",
    415: "not-supported",
    422: "invalid",
    500: "exception",
    503: "transient",
}

# The one message every authentication failure gets: which check failed is logged, never answered
# (cds-hooks.org best practices: "do not leak the reason").
AUTH_FAILED_TEXT = "Authentication failed"


# Backstops on every error body, whatever raised it: messages quote a client's text clipped (``clip``),
# but no body may grow with what a client sent.
MAX_TEXT_CHARS = 1024
MAX_EXPRESSIONS = 20


def operation_outcome(code: str, text: str, *, expression: tuple[str, ...] = ()) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": code,
        "details": {"text": clip(text, MAX_TEXT_CHARS)},
    }
    if expression:
        issue["expression"] = [clip(e, QUOTE_CHARS) for e in expression[:MAX_EXPRESSIONS]]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_response(
    status: int,
    text: str,
    *,
    code: str | None = None,
    expression: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
    counted: bool = True,
) -> Response:
    """The OperationOutcome answer, counted in ``cds_http_errors_total`` by status and issue code (a
    closed set, never the client's text). ``counted=False`` only for the readiness probe's 503: a state
    the orchestrator polls, not an error a client met."""
    issue_code = code or _ISSUE_CODE_BY_STATUS.get(status, "processing")
    if counted:
        HTTP_ERRORS.labels(status=str(status), reason=issue_code).inc()
    body = operation_outcome(issue_code, text, expression=expression)
    return Response(orjson.dumps(body), status_code=status, media_type=FHIR_JSON, headers=headers)


async def _service_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, Unauthorized):
        return outcome_response(401, AUTH_FAILED_TEXT, code=exc.code, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, Overloaded):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
        return outcome_response(exc.status, exc.message, code=exc.code, headers=headers)
    if isinstance(exc, RequestTimeout):
        # The body did not arrive: the connection cannot carry another request. (A 413 or a shed 503 keeps
        # it: closing a connection whose client is still sending resets it, and the client may never read
        # the answer; the rest of the body is drained, bounded by the header deadline of the next request.)
        headers = {"Connection": "close"}
        return outcome_response(exc.status, exc.message, code=exc.code, headers=headers)
    return outcome_response(exc.status, exc.message, code=exc.code, expression=exc.expression)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    try:
        default_text = HTTPStatus(exc.status_code).phrase
    except ValueError:
        default_text = "HTTP error"
    text = exc.detail if isinstance(exc.detail, str) and exc.detail else default_text
    return outcome_response(exc.status_code, text, headers=dict(exc.headers or {}))


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = tuple(".".join(str(p) for p in error.get("loc", ()) if p != "body") for error in exc.errors())
    return outcome_response(400, "Invalid request", expression=tuple(f for f in fields if f))


class UnhandledErrorMiddleware:
    """A bug becomes a 500 OperationOutcome without internals, and is logged without its message.

    Exception messages can quote request data, so only the exception type and the innermost source
    location are logged. Sits inside CORS so browsers can read the answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"
            log.error("unhandled_error", error=type(exc).__name__, where=where, path=scope.get("path"))
            if started:
                raise
            await outcome_response(500, "Internal error")(scope, receive, send)


def install_error_handling(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
