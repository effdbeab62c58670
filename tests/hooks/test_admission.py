"""Admission control over HTTP: the hook past the in-flight bound is refused at once with a 503, a hook past
its deadline is abandoned (its FHIR queries cancelled) with a 503, and health, readiness and discovery are
never shed. A FHIR server the test holds (an ``asyncio.Event``) keeps hooks in flight, through the app's
injected HTTP client; no timing is asserted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY

from cds_service.app import create_app
from cds_service.errors import HookDeadlineExceeded
from cds_service.hooks.admission import HookDeadline
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import Settings
from tests.conftest import REPO_ROOT, empty_fhir_server

SERVICE = f"/cds-services/{SERVICE_ID}"


def hook_without_prefetch() -> bytes:
    """The full-prefetch dexrazoxane request with its prefetch left out: everything comes from fhirServer."""
    body = orjson.loads(
        (REPO_ROOT / "fhir_fixtures" / "requests" / "dexrazoxane-full-prefetch.json").read_bytes()
    )
    del body["prefetch"]
    return orjson.dumps(body)


class HeldFhirServer:
    """Answers as an empty FHIR server once ``release`` is set; counts the queries it saw cancelled."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.received = 0
        self.cancelled = 0

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.received += 1
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return empty_fhir_server(request)


@asynccontextmanager
async def served(settings: Settings, fhir: HeldFhirServer) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(fhir.handler))
    app = create_app(settings, http_client=http)
    async with app.router.lifespan_context(app):
        await app.state.runtime.ready.wait()
        await app.state.runtime.store_migrated.wait()  # readiness also waits for the store
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client
    await http.aclose()


async def until(condition: Any) -> None:
    """Lets the event loop run until ``condition()`` holds (bounded in turns, not in time)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


def metric(name: str) -> float:
    """A per-hook series of the order-sign service (the hook these tests call)."""
    return REGISTRY.get_sample_value(name, {"hook": "order-sign"}) or 0.0


def metric_with(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"hook": "order-sign", **labels}) or 0.0


async def test_the_hook_past_the_bound_is_503_with_retry_after_and_health_is_never_shed(
    make_settings: Any,
) -> None:
    fhir = HeldFhirServer()
    settings = make_settings(max_hooks_in_flight=2, hook_deadline_seconds=60.0)
    body = hook_without_prefetch()
    shed_before = metric("cds_hooks_shed_total")
    shed_timed_before = metric_with("cds_hook_duration_seconds_count", outcome="shed")
    async with served(settings, fhir) as (app, client):
        held = [asyncio.create_task(client.post(SERVICE, content=body)) for _ in range(2)]
        await until(lambda: app.state.runtime.admission.in_flight == 2 and fhir.received > 0)

        refused = await client.post(SERVICE, content=body)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"
        outcome = refused.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "transient"
        assert metric("cds_hooks_shed_total") == shed_before + 1
        assert metric_with("cds_hook_duration_seconds_count", outcome="shed") == shed_timed_before + 1

        # Never shed: liveness, readiness, discovery (and the feedback and DTR routes).
        for path in ("/healthz", "/readyz", "/cds-services", "/cds-services/"):
            assert (await client.get(path)).status_code == 200, path

        fhir.release.set()
        answered = await asyncio.gather(*held)
        assert [r.status_code for r in answered] == [200, 200]
        # The slots are given back: the next hook is admitted.
        assert (await client.post(SERVICE, content=body)).status_code == 200
        assert app.state.runtime.admission.in_flight == 0


async def test_a_refused_or_failed_hook_gives_its_slot_back(make_settings: Any) -> None:
    fhir = HeldFhirServer()
    fhir.release.set()
    async with served(make_settings(max_hooks_in_flight=1), fhir) as (app, client):
        for _ in range(3):
            assert (await client.post(SERVICE, content=b"not json")).status_code == 400
        assert app.state.runtime.admission.in_flight == 0
        assert (await client.post(SERVICE, content=hook_without_prefetch())).status_code == 200


async def test_a_hook_past_its_deadline_is_abandoned_and_its_fhir_queries_cancelled(
    make_settings: Any,
) -> None:
    """The FHIR server never answers; the FHIR budgets are far longer than the hook deadline, so it is the
    deadline that ends the hook: 503 ``timeout``, no decision, the queries in flight cancelled."""
    fhir = HeldFhirServer()
    settings = make_settings(
        hook_deadline_seconds=0.2, fhir_query_timeout_seconds=600.0, fhir_total_timeout_seconds=600.0
    )
    abandoned_before = metric("cds_hooks_abandoned_total")
    late_timed_before = metric_with("cds_hook_duration_seconds_count", outcome="deadline")
    async with served(settings, fhir) as (app, client):
        response = await client.post(SERVICE, content=hook_without_prefetch())
        assert response.status_code == 503
        issue = response.json()["issue"][0]
        assert issue["code"] == "timeout"
        assert "gathering FHIR data" in issue["details"]["text"]
        assert "Retry-After" not in response.headers
        assert fhir.received > 0
        assert fhir.cancelled == fhir.received
        assert app.state.runtime.admission.in_flight == 0
    assert metric("cds_hooks_abandoned_total") == abandoned_before + 1
    assert metric_with("cds_hook_duration_seconds_count", outcome="deadline") == late_timed_before + 1


async def test_no_stage_starts_after_the_deadline() -> None:
    """A CPU-bound stage (parse, decide, respond) cannot be interrupted, so it is not started once past."""
    deadline = HookDeadline(0.0)
    with pytest.raises(HookDeadlineExceeded) as raised:
        deadline.check("deciding")
    assert raised.value.status == 503 and "deciding" in raised.value.message
    started = False

    async def work() -> None:
        nonlocal started
        started = True

    with pytest.raises(HookDeadlineExceeded):
        await deadline.run("gathering FHIR data", work)
    assert not started


async def test_awaited_work_is_cancelled_at_the_deadline() -> None:
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(HookDeadlineExceeded):
        await HookDeadline(0.05).run("gathering FHIR data", forever)
    assert cancelled.is_set()


def test_the_bound_and_the_deadline_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDS_MAX_HOOKS_IN_FLIGHT", "7")
    monkeypatch.setenv("CDS_HOOK_DEADLINE_SECONDS", "1.5")
    settings = Settings()
    assert (settings.max_hooks_in_flight, settings.hook_deadline_seconds) == (7, 1.5)
    monkeypatch.setenv("CDS_MAX_HOOKS_IN_FLIGHT", "0")
    with pytest.raises(ValueError):
        Settings()
