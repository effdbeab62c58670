"""Hooks decided in decision processes (CDS_DECISION_PROCESSES > 0) answer as the event loop does, and one
stuck decision holds neither the health checks nor the next hook: it is killed at the deadline, answered
503 ``timeout`` and its process replaced. Ordering is asserted with events and process ids, not timings."""

from __future__ import annotations

import asyncio
import copy
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY

from cds_service.app import create_app
from cds_service.assertion_ids import assertion_key
from cds_service.card_ids import was_issued
from cds_service.hooks.discovery import DISPATCH_SERVICE_ID, SELECT_SERVICE_ID, SERVICE_ID
from cds_service.settings import Settings
from tests.conftest import REPO_ROOT, empty_fhir_server
from tests.hooks.test_admission import HeldFhirServer, hook_without_prefetch
from tests.hooks.test_order_dispatch import _add_late_charted_dose, assertion, coverage_information
from tests.hooks.workflow import as_dispatch, as_select

SERVICE = f"/cds-services/{SERVICE_ID}"
SELECT = f"/cds-services/{SELECT_SERVICE_ID}"
DISPATCH = f"/cds-services/{DISPATCH_SERVICE_ID}"
POLICY = REPO_ROOT / "fhir_fixtures" / "policy"
POLICY_CASES = sorted(path for path in POLICY.glob("*.json") if not path.name.endswith(".expect.json"))
PEND_RATIO = (REPO_ROOT / "fhir_fixtures/policy/I.A.5-pend-ratio-10.2.json").read_bytes()


@asynccontextmanager
async def served(
    settings: Settings, http: httpx.AsyncClient | None = None
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(settings, http_client=http)
    async with app.router.lifespan_context(app):
        await app.state.runtime.ready.wait()
        await app.state.runtime.store_migrated.wait()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def without_uuids(response: dict[str, Any]) -> dict[str, Any]:
    answer = copy.deepcopy(response)
    for card in answer["cards"]:
        card.pop("uuid")
        for suggestion in card.get("suggestions", []):
            suggestion.pop("uuid")
    return answer


async def test_every_policy_case_is_decided_in_a_process_as_on_the_event_loop(make_settings: Any) -> None:
    """The same determinations (the whole tree, every reference) and the same response, coverage assertion
    ids included: the processes derive them with this process's key (settings_for_processes)."""
    async with (
        served(make_settings()) as (_, loop),
        served(make_settings(decision_processes=2)) as (app, pool),
    ):
        assert app.state.runtime.decisions is not None and len(app.state.runtime.decisions.pids()) == 2
        for case in POLICY_CASES:
            body = case.read_bytes()
            on_loop = await loop.post("/tester/determination", content=body)
            in_process = await pool.post("/tester/determination", content=body)
            assert in_process.status_code == on_loop.status_code == 200, case.name
            assert in_process.json() == on_loop.json(), case.name
            hook_loop = await loop.post(SERVICE, content=body)
            hook_process = await pool.post(SERVICE, content=body)
            assert hook_process.status_code == hook_loop.status_code, case.name
            if hook_loop.status_code == 200:
                assert without_uuids(hook_process.json()) == without_uuids(hook_loop.json()), case.name


async def test_a_refusal_made_in_a_process_is_answered_as_on_the_event_loop(make_settings: Any) -> None:
    async with served(make_settings(decision_processes=1)) as (_, client):
        not_json = await client.post(SERVICE, content=b"{not json")
        no_data = await client.post(
            SERVICE, content=orjson.dumps({**orjson.loads(PEND_RATIO), "prefetch": {}})
        )
    assert (
        not_json.status_code == 400
        and not_json.json()["issue"][0]["details"]["text"] == "The body is not valid JSON"
    )
    assert no_data.status_code == 412 and no_data.json()["issue"][0]["code"] == "not-found"


async def test_what_a_process_decides_is_stored_and_its_cards_are_the_services(make_settings: Any) -> None:
    """The store is written by the service, before it answers; feedback on the process's cards is
    recorded (they were minted with the service's key)."""
    settings = make_settings(decision_processes=1)
    async with served(settings) as (app, client):
        response = (await client.post(SERVICE, content=PEND_RATIO)).json()
        extension = response["systemActions"][0]["resource"]["extension"][-1]["extension"]
        assertion_id = next(e["valueString"] for e in extension if e["url"] == "coverage-assertion-id")
        from datetime import UTC, datetime

        assert await app.state.runtime.store.determination(assertion_id, now=datetime.now(UTC)) is not None
        card = response["cards"][0]["uuid"]
        assert was_issued(card, assertion_key(settings))
        feedback = {
            "feedback": [{"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-28T07:31:00Z"}]
        }
        assert (await client.post(f"{SERVICE}/feedback", json=feedback)).status_code == 200
    stored = await _stored_feedback(Path(settings.data_dir))
    assert [record["card"] for record in stored] == [card]


async def _stored_feedback(data_dir: Path) -> list[dict[str, Any]]:
    import sqlite3
    from contextlib import closing

    from cds_service.store.engine import SQLITE_FILE

    with closing(sqlite3.connect(data_dir / SQLITE_FILE)) as database:
        return [orjson.loads(row[0]) for row in database.execute("SELECT record FROM feedback")]


async def test_fhir_queries_of_a_process_are_sent_by_the_service_and_counted(make_settings: Any) -> None:
    seen: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        return empty_fhir_server(request)

    before = metric("cds_fhir_query_duration_seconds_count", status="ok")
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(server)) as http,
        served(make_settings(decision_processes=1), http) as (_, client),
    ):
        response = await client.post(SERVICE, content=hook_without_prefetch())
    assert response.status_code in (200, 412), response.text
    assert seen and all(auth.startswith("Bearer ") for auth in seen)
    assert metric("cds_fhir_query_duration_seconds_count", status="ok") >= before + len(seen)


async def test_a_hook_past_its_deadline_in_a_process_is_503_and_its_fhir_queries_cancelled(
    make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """FHIR reads that outlast the deadline: 503, the queries cancelled, the process replaced; the service's
    line of the call carries its hook_instance (the process told the service once it had parsed the
    request, before the deadline stopped it)."""
    fhir = HeldFhirServer()
    settings = make_settings(
        decision_processes=1,
        hook_deadline_seconds=0.5,
        fhir_query_timeout_seconds=600.0,
        fhir_total_timeout_seconds=600.0,
    )
    abandoned = metric("cds_hooks_abandoned_total", hook="order-sign")
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(fhir.handler)) as http,
        served(settings, http) as (app, client),
    ):
        (before,) = app.state.runtime.decisions.pids()
        capsys.readouterr()
        body = hook_without_prefetch()
        response = await client.post(SERVICE, content=body)
        assert response.status_code == 503
        (call,) = [line for line in _lines(capsys.readouterr().out) if line["event"] == "hook_call"]
        assert call["status"] == 503 and call["hook_instance"] == orjson.loads(body)["hookInstance"]
        issue = response.json()["issue"][0]
        assert issue["code"] == "timeout" and "decision process was stopped" in issue["details"]["text"]
        assert fhir.received > 0
        await _until(lambda: fhir.cancelled == fhir.received)
        await _until(lambda: app.state.runtime.decisions.idle == 1)
        assert app.state.runtime.decisions.pids() != [before]
    assert metric("cds_hooks_abandoned_total", hook="order-sign") == abandoned + 1


def _lines(out: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in out.splitlines() if line.startswith("{")]


async def _until(condition: Any) -> None:
    for _ in range(1200):  # turns of 50 ms: a bound on waiting, not a figure asserted
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


def spinning(body: bytes) -> bytes:
    return orjson.dumps({**orjson.loads(body), "hookInstance": "spin"})


async def test_a_stuck_decision_holds_neither_health_nor_the_next_hook_and_is_killed(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decision stuck in CPU (a hookInstance "spin" makes the test's job spin for ever, as a schedule of
    10^18 doses did on the event loop): while it spins, liveness, readiness, discovery, /metrics and a
    second hook (the other process) are answered; at the deadline it is killed (its pid is gone, a new one
    replaces it), answered 503 ``timeout``, and counted; the next hook is decided."""
    monkeypatch.setattr("cds_service.app_state.DECISION_HANDLER", "tests.isolation.handlers:hook_or_spin")
    settings = make_settings(decision_processes=2, max_hooks_in_flight=4, hook_deadline_seconds=2.0)
    late = metric("cds_hook_duration_seconds_count", hook="order-sign", outcome="deadline")
    async with served(settings) as (app, client):
        pool = app.state.runtime.decisions
        before = pool.pids()
        stuck = asyncio.create_task(client.post(SERVICE, content=spinning(PEND_RATIO)))
        await _until(lambda: pool.idle == 1)  # one process took the stuck job
        for path in ("/healthz", "/readyz", "/cds-services", "/metrics"):
            assert (await client.get(path)).status_code == 200, path
        assert (await client.post(SERVICE, content=PEND_RATIO)).status_code == 200
        assert not stuck.done()
        answer = await stuck
        assert answer.status_code == 503 and answer.json()["issue"][0]["code"] == "timeout"
        await _until(lambda: pool.idle == 2)
        after = pool.pids()
        assert len(set(before) - set(after)) == 1 and len(after) == 2
        assert (await client.post(SERVICE, content=PEND_RATIO)).status_code == 200
    assert metric("cds_hook_duration_seconds_count", hook="order-sign", outcome="deadline") == late + 1


class WatchedStore:
    """The service's store, its reads and writes of determinations listed with the process that made
    them."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: list[tuple[str, int, int]] = []  # (operation, pid, records written)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def save_determinations(self, records: Any) -> None:
        self.calls.append(("save", os.getpid(), len(records)))
        await self.store.save_determinations(records)

    async def latest_for_order(self, order_key: str, *, now: Any) -> Any:
        self.calls.append(("latest_for_order", os.getpid(), 0))
        return await self.store.latest_for_order(order_key, now=now)

    async def determination(self, assertion_id: str, *, now: Any) -> Any:
        self.calls.append(("determination", os.getpid(), 0))
        return await self.store.determination(assertion_id, now=now)


async def _walk(client: httpx.AsyncClient, sign: dict[str, Any]) -> list[dict[str, Any]]:
    """select, sign, dispatch (nothing changed), dispatch (a dose charted since): as an EHR fires them."""
    answers = []
    for path, body in ((SELECT, as_select(sign)), (SERVICE, sign)):
        response = await client.post(path, json=body)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    for change in (None, _add_late_charted_dose):
        dispatch = as_dispatch(sign, response=answers[1])
        if change is not None:
            change(dispatch)
        response = await client.post(DISPATCH, json=dispatch)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


async def test_select_sign_and_dispatch_in_a_process_answer_as_on_the_event_loop_the_store_the_services(
    make_settings: Any, tmp_path: Path
) -> None:
    """The three hooks decided in a decision process answer what the event loop answers, ids and all.
    The store is read and written by the service only, in its own process: sign's records written before
    its answer, dispatch's determination on record read there (the process asks) and compared, nothing
    written when it stands, the new determination written when a dose charted since changed it."""
    sign: dict[str, Any] = orjson.loads((POLICY / "I.A.3.a-deny-cumulative-299.json").read_bytes())
    async with (
        served(make_settings()) as (_, loop),
        served(make_settings(decision_processes=1, data_dir=str(tmp_path / "own"))) as (app, in_process),
    ):
        runtime = app.state.runtime
        watched = runtime.store = WatchedStore(runtime.store)
        metric_before = {
            standing: metric("cds_dispatch_revisions_total", standing=standing)
            for standing in ("unchanged", "changed")
        }
        on_loop = await _walk(loop, sign)
        answers = await _walk(in_process, sign)
    assert [without_uuids(a) for a in answers] == [without_uuids(a) for a in on_loop]
    selected, signed, unchanged, changed = answers
    assert len(selected["cards"]) == 1 and "systemActions" not in selected
    assert unchanged["cards"][0]["detail"].startswith("**Unchanged since ")
    assert changed["cards"][0]["detail"].startswith("**Determination changed since ")
    ids = [assertion(coverage_information(a)[0])[0] for a in (signed, unchanged, changed)]
    assert ids[0] == ids[1] == ids[2]  # the assertion on record, kept; then replaced under its own id
    here = os.getpid()
    assert {pid for _, pid, _ in watched.calls} == {here}
    # select stores nothing; sign one record; dispatch unchanged none; dispatch changed one
    assert [(op, n) for op, _, n in watched.calls if op == "save"] == [
        ("save", 0),
        ("save", 1),
        ("save", 0),
        ("save", 1),
    ]
    assert [op for op, _, _ in watched.calls if op != "save"] == ["latest_for_order", "latest_for_order"]
    # counted twice: once by the event-loop app, once by the one with a decision process
    for standing in ("unchanged", "changed"):
        assert metric("cds_dispatch_revisions_total", standing=standing) == metric_before[standing] + 2
