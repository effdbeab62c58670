"""Every log line of a hook call carries its hook_instance, and nothing after the call does."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import orjson
import pytest
import respx
import structlog

from cds_service.hooks.discovery import SERVICE_ID
from cds_service.log_context import hook_log_context, logged_hook_instance
from cds_service.logging_setup import configure_logging
from tests.conftest import ServeApp
from tests.fhir.request_fixtures import DEXRAZOXANE_REQUEST, load_json

SERVICE = f"/cds-services/{SERVICE_ID}"


def events(out: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in out.splitlines() if line.startswith("{")]


async def start_up_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """Start-up's lines, up to ``ready`` (logged by a task of its own once the app is ready), so that
    what is read next is the call's."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(10):  # the test's guard
        while "ready" not in [line["event"] for line in seen]:
            seen += events(capsys.readouterr().out)
            await asyncio.sleep(0.01)
    return seen


@pytest.fixture
async def failing_fhir_server() -> Any:
    """The request's fhirServer answers 503 to everything: the supplementary searches log fhir_data
    warnings in the middle of the call."""
    with respx.mock(using=None, assert_all_mocked=True, assert_all_called=False) as router:
        router.route().mock(return_value=httpx.Response(503))
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            yield http


async def test_every_line_of_a_call_carries_its_hook_instance_and_none_after_it(
    serve_app: ServeApp,
    make_settings: Any,
    failing_fhir_server: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = copy.deepcopy(load_json(DEXRAZOXANE_REQUEST))
    async with serve_app(make_settings(), http_client=failing_fhir_server) as client:
        await start_up_lines(capsys)
        response = await client.post(SERVICE, content=orjson.dumps(body))
        during = events(capsys.readouterr().out)
        structlog.get_logger("test").info("after_the_call")
        after = events(capsys.readouterr().out)
    assert response.status_code == 200
    names = [line["event"] for line in during]
    assert "fhir_data" in names and names[-1] == "hook_call"  # warnings from the FHIR layer, then the summary
    assert {line.get("hook_instance") for line in during} == {body["hookInstance"]}
    (line,) = after
    assert "hook_instance" not in line


async def test_a_refused_call_carries_its_hook_instance_too(
    serve_app: ServeApp, make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 412 (required data in neither place) is logged under the call it answers."""
    body = copy.deepcopy(load_json(DEXRAZOXANE_REQUEST))
    del body["prefetch"]["conditions"]
    del body["fhirServer"], body["fhirAuthorization"]
    async with serve_app(make_settings()) as client:
        await start_up_lines(capsys)
        response = await client.post(SERVICE, content=orjson.dumps(body))
        during = events(capsys.readouterr().out)
    assert response.status_code == 412
    assert [line["event"] for line in during] == ["fhir_data", "hook_call"]
    assert all(line["hook_instance"] == body["hookInstance"] for line in during)


def test_work_done_elsewhere_for_a_call_logs_under_the_hook_instance_it_is_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A worker (thread or process) does not inherit context variables: it is handed the hook instance."""
    configure_logging()
    with hook_log_context("a" * 300):
        structlog.get_logger("worker").info("inside")
    structlog.get_logger("worker").info("outside")
    inside, outside = events(capsys.readouterr().out)
    assert inside["hook_instance"] == logged_hook_instance("a" * 300) and len(inside["hook_instance"]) == 128
    assert "hook_instance" not in outside
