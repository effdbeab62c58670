"""The ASGI app: CDS Hooks endpoints, DTR routes, health, CORS and OperationOutcome errors.

``uvicorn`` runs ``create_app`` as a factory with no arguments (settings from the environment);
tests pass settings and an HTTP client of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
import httpx
import structlog
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds_service import __version__
from cds_service.app_state import Runtime
from cds_service.auth.jwks import is_url
from cds_service.claims_api import router as claims_router
from cds_service.clinical.coverage import line_of_business_map_problem
from cds_service.deps import RuntimeDep
from cds_service.dtr.routes import router as dtr_router
from cds_service.errors import PayloadTooLarge, RequestTimeout
from cds_service.gc_tuning import tune_gc
from cds_service.hooks.discovery import HOOKS
from cds_service.hooks.errors import UnhandledErrorMiddleware, install_error_handling, outcome_response
from cds_service.hooks.routes import json_response
from cds_service.hooks.routes import router as hooks_router
from cds_service.log_context import clear_call_context
from cds_service.logging_setup import configure_logging
from cds_service.metrics_exposition import (
    exposition,
    mark_worker_exited,
    multiprocess_dir,
    show_known_series,
)
from cds_service.openapi import install_openapi
from cds_service.settings import DEFAULT_HEALTH_PLAN_NAME, Settings, get_settings
from cds_service.store.protocol import Store, StoreUnavailable
from cds_service.store.schedule import keep_migrated, purge_on_schedule
from cds_service.tester.routes import data_router as tester_data_router
from cds_service.tester.routes import page_router as tester_page_router
from cds_service.warmup import warm_up_models

log = structlog.get_logger("cds_service.app")

# The browser-based CDS Hooks sandbox sends Authorization and a JSON Content-Type, so every call is
# preceded by a preflight (the sandbox's source, cds-hooks/sandbox); no cookies, hence no credentials. The
# public sandbox calling a service on 127.0.0.1 makes Chrome ask for Private Network Access in that preflight:
# allowed, for the origins CORS allows anyway.
# Any request header is allowed: EHRs add their own (`X-Epic-Client-ID`, tracing headers), and a preflight
# refusing one blocks the call. Safe without credentials: headers carry no ambient authority here.
CORS_METHODS = ["GET", "POST", "OPTIONS"]
CORS_HEADERS = ["*"]
# While authentication can accept no client, readiness is checked again this often, so that `ready` is
# logged once a JWKS file named in CDS_TRUSTED_ISSUERS appears (/readyz reads the same state).
READINESS_RECHECK_SECONDS = 5.0


class OutcomeCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, but a refused preflight (origin, method) answers an OperationOutcome
    like every other non-2xx, keeping the CORS headers Starlette set."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        text = bytes(response.body).decode(errors="replace") or "Disallowed CORS preflight"
        headers = {
            key: value
            for key, value in response.headers.items()
            if key.lower() not in {"content-length", "content-type"}
        }
        return outcome_response(response.status_code, text, code="forbidden", headers=headers)


class CallLogContextMiddleware:
    """Outermost: when a call ends, the keys it bound to the log context (its hook_instance, bound once the
    hook request is parsed) are cleared, after every line of the call, ``unhandled_error`` included, was
    logged with them (log_context)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            clear_call_context()


class BodyLimitMiddleware:
    """Refuses a request body over ``max_bytes`` with a 413 OperationOutcome (pure ASGI: the body is not
    buffered here). A declared ``Content-Length`` over the limit is refused before anything is read; a body
    without one (chunked) is counted as it streams, and the read that passes the limit raises
    ``PayloadTooLarge``, which the app's error handling answers."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> Response:
        return outcome_response(
            413, f"The request body is larger than {self.max_bytes} bytes", code=PayloadTooLarge.code
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large()(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(f"The request body is larger than {self.max_bytes} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except PayloadTooLarge:  # read outside a route's error handling
            if started:
                raise
            await self._too_large()(scope, receive, send)


class BodyDeadlineMiddleware:
    """A request body (POST, PUT, PATCH) must arrive whole within ``seconds`` of its headers, on every route:
    past it the read raises ``RequestTimeout``, answered 408 with ``Connection: close`` (a security review saw
    a slow body on feedback and DTR hold a connection and a task 20 s and more). A route that reads its body
    under a shorter deadline (the hook, ``hooks/admission.py``) meets that one first. What the app reads after
    the body (a disconnect) is not timed."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.seconds
        body_read = False
        started = False

        async def timed_receive() -> Message:
            nonlocal body_read
            if body_read:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeout(f"The request body did not arrive within {self.seconds:g} s") from None
            body_read = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except RequestTimeout as error:  # read outside a route's error handling
            if started:
                raise
            response = outcome_response(408, error.message, code=error.code, headers={"Connection": "close"})
            await response(scope, receive, send)


def auth_configuration_problem(settings: Settings) -> str | None:
    """Why authentication, when required, cannot accept any client: then the service is not ready (an
    orchestrator sees it) rather than ready and answering 401 to every call."""
    if not settings.auth_required:
        return None
    if not settings.trusted_issuers:
        return "CDS_AUTH_REQUIRED is true but CDS_TRUSTED_ISSUERS is empty"
    missing = [
        issuer
        for issuer, location in settings.trusted_issuers.items()
        if not is_url(location) and not Path(location).is_file()
    ]
    if len(missing) == len(settings.trusted_issuers):
        return "no JWKS file of CDS_TRUSTED_ISSUERS exists (paths are relative to the working directory)"
    return None


def _announce_security(settings: Settings) -> None:
    if not settings.auth_required:
        log.warning(
            "authentication_off",
            message="CDS_AUTH_REQUIRED is false: any caller can use this service. "
            "Set CDS_AUTH_REQUIRED=true and CDS_TRUSTED_ISSUERS for anything but local testing.",
        )
    elif not settings.trusted_issuers:
        log.warning(
            "no_trusted_issuers", message="CDS_AUTH_REQUIRED is true but CDS_TRUSTED_ISSUERS is empty"
        )
    for issuer, location in settings.trusted_issuers.items():
        if not is_url(location) and not Path(location).is_file():
            # A relative path is read from the working directory: say so now, not at the first 401.
            log.warning("jwks_file_missing", issuer=issuer, path=location, cwd=str(Path.cwd()))
    if settings.assertion_secret is None or not settings.assertion_secret.get_secret_value():
        log.warning(
            "assertion_secret_unset",
            message="CDS_ASSERTION_SECRET is not set: a random key is used, so coverage-assertion-id and "
            "satisfied-pa-id change when the service restarts and earlier DTR contexts are no longer found.",
        )
    if settings.allow_unauthenticated_fhir:
        log.warning("unauthenticated_fhir_allowed", message="fhirServer is queried without fhirAuthorization")
    if settings.auth_required and settings.health_plan_name == DEFAULT_HEALTH_PLAN_NAME:
        log.warning(
            "health_plan_name_unset",
            message="CDS_HEALTH_PLAN_NAME is not set: every card names its source "
            f"{DEFAULT_HEALTH_PLAN_NAME!r}",
        )


def readiness_problem(runtime: Runtime) -> tuple[str, str] | None:
    """Why the service is not ready, as (OperationOutcome issue code, text), before the store's ping:
    what /readyz answers 503 for and what holds back the `ready` log line (one rule for both)."""
    problem = auth_configuration_problem(runtime.settings)
    if problem is not None:
        return "security", f"Not ready: {problem}"
    if not runtime.ready.is_set():
        return "transient", "Warming up"
    # Not ready while the database is unreachable: an orchestrator sends traffic to replicas that can
    # keep what they decide (docs/operations.md, "Readiness").
    if not runtime.store_migrated.is_set():
        return "transient", "Not ready: the store is not migrated yet"
    return None


async def _warm_up(runtime: Runtime) -> None:
    try:
        await anyio.to_thread.run_sync(warm_up_models)
        if runtime.decisions is not None:
            # Ready only once every decision process is (docs/operations.md "Isolation of decisions").
            await runtime.decisions.start()
            log.info("decision_processes", count=runtime.decisions.config.size)
        else:
            log.warning(
                "decisions_on_the_event_loop",
                message="CDS_DECISION_PROCESSES is 0: decisions run on the event loop, where the hook "
                "deadline cannot stop them. cds-service serve starts decision processes by default.",
            )
    except Exception as exc:  # a broken install: stay not-ready, say why
        log.error("warm_up_failed", error=type(exc).__name__)
        return
    if runtime.settings.gc_tuning:
        tune_gc()  # after warm-up, so what it loaded is frozen too (cds_service/gc_tuning.py)
    runtime.ready.set()
    log.info("models_warmed_up")


async def _announce_ready(runtime: Runtime) -> None:
    """Logs `ready` once /readyz would answer 200: warmed up, the store migrated, and authentication (when
    required) able to accept a client. Until then a `not_ready` line says why (each new reason once)."""
    await runtime.ready.wait()
    await runtime.store_migrated.wait()
    said = ""
    while (problem := readiness_problem(runtime)) is not None:
        if problem[1] != said:
            said = problem[1]
            log.warning("not_ready", reason=said)
        await asyncio.sleep(READINESS_RECHECK_SECONDS)
    log.info("ready")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    runtime = runtime_of_app(app)
    runtime.http()  # one client for the app's life (FHIR servers, JWKS), unless one was injected
    _announce_security(runtime.settings)
    # Warm up in the background: liveness answers at once, readiness once the models are loaded.
    warm_up = asyncio.create_task(_warm_up(runtime))
    announce = asyncio.create_task(_announce_ready(runtime))
    # Migrate the store (retried while the database is unreachable: the service answers meanwhile, not
    # ready), then purge expired rows on the CDS_PURGE_INTERVAL_SECONDS schedule.
    store_tasks = [
        asyncio.create_task(keep_migrated(runtime.store, runtime.store_migrated)),
        asyncio.create_task(purge_on_schedule(runtime.store, runtime.settings.purge_interval_seconds)),
    ]
    try:
        yield
    finally:
        # A migration under way runs in the database driver's thread: cancelling its task abandons the
        # wait, not the work, which would then answer into a closed event loop. It is let finish, within
        # the store's timeout (a database that does not answer is still cancelled then).
        migrating = store_tasks[0]
        if not migrating.done():
            await asyncio.wait({migrating}, timeout=runtime.settings.store_timeout_seconds)
        for task in (announce, *store_tasks):
            task.cancel()
        await asyncio.gather(warm_up, announce, *store_tasks, return_exceptions=True)
        await runtime.close()
        mark_worker_exited(app.state.samples_dir)


def runtime_of_app(app: FastAPI) -> Runtime:
    runtime = app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


def create_app(
    settings: Settings | None = None,
    *,
    http_client: httpx.AsyncClient | None = None,
    store: Store | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    # Settings carry the map as written; the domain reads it, and refuses what it cannot read at start-up.
    lob_problem = line_of_business_map_problem(settings.line_of_business_map)
    if lob_problem is not None:
        raise ValueError(f"CDS_LINE_OF_BUSINESS_MAP: {lob_problem}")
    configure_logging()
    # The API docs are a development aid: with authentication on they would be the one unauthenticated
    # description of the service, so they are not served.
    docs = not settings.auth_required
    app = FastAPI(
        title="Dexrazoxane CDS Hooks service (CP.PHAR.418)",
        version=__version__,
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.runtime = Runtime(settings, http_client=http_client, given_store=store)
    # Where the workers' metric samples are, read now, before the decision pool starts (it takes the
    # variable out of the environment for a moment: metrics_exposition.exposition).
    app.state.samples_dir = multiprocess_dir()
    show_known_series(HOOKS)
    install_error_handling(app)
    # Innermost: a 413 raised while a route reads the body goes through the app's error handling.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(BodyDeadlineMiddleware, seconds=settings.body_timeout_seconds)
    # Added before CORS, so it sits inside CORS: even a 500 carries the CORS headers a browser needs.
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(
        OutcomeCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=CORS_METHODS,
        allow_headers=CORS_HEADERS,
        allow_credentials=False,
        allow_private_network=True,
        max_age=600,
    )
    app.add_middleware(CallLogContextMiddleware)  # outermost (added last)
    app.include_router(hooks_router)
    app.include_router(dtr_router)
    # The tester page is a development aid, like the API docs (see tester/routes.py).
    if not settings.auth_required or settings.tester_enabled:
        app.include_router(tester_page_router)
        app.include_router(tester_data_router)
    if settings.claims_api_tokens:  # no token configured: the claims route does not exist
        app.include_router(claims_router)
    install_openapi(app)  # the real bodies and statuses, not FastAPI's inferred 422s

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return json_response({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz(runtime: RuntimeDep) -> Response:
        problem = readiness_problem(runtime)
        if problem is not None:
            code, text = problem
            return outcome_response(503, text, code=code, counted=False)
        try:
            await runtime.store.ping()
        except StoreUnavailable:
            return outcome_response(
                503, "Not ready: the store is unreachable", code="transient", counted=False
            )
        return json_response({"status": "ready"})

    # Served like /healthz, without the client JWT (a Prometheus scraper holds none): the series carry
    # counts and timings by closed label sets only, no patient, order, user or client identifier. Keep
    # it off the public ingress (docs/operations.md "Metrics").
    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        # In multiprocess mode this reads every worker's sample files: off the event loop.
        body, content_type = await anyio.to_thread.run_sync(exposition, app.state.samples_dir)
        return Response(body, media_type=content_type)

    return app
