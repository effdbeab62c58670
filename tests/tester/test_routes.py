"""The tester page's routes: served only when authentication is off or CDS_TESTER_ENABLED; the
determination endpoint answers what `cds-service evaluate --json` answers; scenarios moved to today keep
their expected decision."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date

import httpx
import pytest

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.outcome import OUTCOME_WORDS
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings
from cds_service.tester.scenarios import find_scenario, list_scenarios, scenario_request, shift_dates
from tests.conftest import REPO_ROOT, ServeApp

PEND = "policy/I.A.5-pend-ratio-10.2"


async def test_the_page_and_its_files_are_served_with_authentication_off(
    serve_app: ServeApp, make_settings: Callable[..., Settings]
) -> None:
    async with serve_app(make_settings()) as client:
        page = await client.get("/tester")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "script-src 'self'" in page.headers["content-security-policy"]
        for name in ("tester.js", "markdown.js", "tester.css"):
            assert (await client.get(f"/tester/static/{name}")).status_code == 200
        assert (await client.get("/tester/static/..%2Fscenarios.py")).status_code == 404
        listed = (await client.get("/tester/scenarios")).json()
        assert {"name": PEND, "expected": "pend"} in listed
        assert (await client.get("/tester/scenarios/policy/..%2F..%2Fpyproject")).status_code == 404
        assert (await client.get("/tester/scenarios/requests/README")).status_code == 404
        assert (await client.get("/tester/scenarios/policy/no-such-case")).status_code == 404


async def test_nothing_of_the_tester_is_served_when_authentication_is_required(
    serve_app: ServeApp, make_settings: Callable[..., Settings]
) -> None:
    async with serve_app(make_settings(auth_required=True)) as client:
        for path in ("/tester", "/tester/static/tester.js", "/tester/scenarios"):
            assert (await client.get(path)).status_code == 404
        assert (await client.post("/tester/determination", content=b"{}")).status_code == 404
        assert (await client.post("/tester/answer", content=b"{}")).status_code == 404


async def test_enabled_with_authentication_the_data_endpoints_need_the_client_jwt(
    serve_app: ServeApp, make_settings: Callable[..., Settings]
) -> None:
    async with serve_app(make_settings(auth_required=True, tester_enabled=True)) as client:
        assert (await client.get("/tester")).status_code == 200
        assert (await client.get("/tester/scenarios")).status_code == 401
        assert (await client.post("/tester/determination", content=b"{}")).status_code == 401
        assert (await client.post("/tester/answer", content=b"{}")).status_code == 401


async def test_the_determination_endpoint_answers_the_contract_json_of_the_hook_evaluation(
    serve_app: ServeApp, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    scenario = find_scenario(PEND)
    assert scenario is not None
    request = scenario_request(scenario, today=date.today())
    async with serve_app(settings) as client:
        answer = await client.post("/tester/determination", json=request)
        refused = await client.post("/tester/determination", json={"hook": "order-sign"})
    async with httpx.AsyncClient() as http:
        evaluation = await evaluate_hook(
            HookRequest.model_validate(request).source(), settings=settings, http=http, today=date.today()
        )
    assert answer.status_code == 200
    assert answer.json() == [determination_to_json(d) for d in evaluation.determinations]
    assert answer.json()[0]["decision"] == "pend"
    assert refused.status_code == 400  # the hook's own validation


async def test_the_answer_is_what_the_hook_answers_with_the_determinations_behind_it(
    serve_app: ServeApp, make_settings: Callable[..., Settings]
) -> None:
    scenario = find_scenario(PEND)
    assert scenario is not None
    request = scenario_request(scenario, today=date.today())
    async with serve_app(make_settings()) as client:
        signed = await client.post("/tester/answer", json=request)
        hook = await client.post("/cds-services/dexrazoxane-order-sign", json=request)
        refused = await client.post("/tester/answer", json={"hook": "order-sign"})

    def without_uuids(value: object) -> object:
        if isinstance(value, dict):
            return {k: without_uuids(v) for k, v in value.items() if k != "uuid"}
        if isinstance(value, list):
            return [without_uuids(v) for v in value]
        return value

    assert signed.status_code == 200 and hook.status_code == 200
    assert without_uuids(signed.json()["response"]) == without_uuids(hook.json())
    (determination,) = signed.json()["determinations"]
    assert determination["decision"] == "pend" and determination["criteria"]["id"] == "I.A"
    assert refused.status_code == 400  # the hook's own validation


def test_dates_move_by_whole_days_keeping_time_offset_and_partial_dates() -> None:
    moved = shift_dates(
        {"a": "2026-11-28", "b": ["2026-11-28T10:00:00-05:00", "2008", "2008-11"], "c": 3, "d": "id-2026"},
        date(2026, 12, 3) - date(2026, 11, 28),
    )
    assert moved == {
        "a": "2026-12-03",
        "b": ["2026-12-03T10:00:00-05:00", "2008", "2008-11"],
        "c": 3,
        "d": "id-2026",
    }


@pytest.mark.parametrize("today", [date(2026, 12, 3), date(2027, 6, 15)])
async def test_every_scenario_moved_to_another_day_keeps_its_expected_decision(today: date) -> None:
    scenarios = list_scenarios()
    assert len(scenarios) > 60
    async with httpx.AsyncClient() as http:
        for scenario in scenarios:
            request = HookRequest.model_validate(scenario_request(scenario, today=today))
            evaluation = await evaluate_hook(request.source(), settings=Settings(), http=http, today=today)
            assert [str(d.decision) for d in evaluation.determinations] == [scenario.expected], scenario.name


async def test_the_determination_endpoint_takes_a_hook_slot_like_the_hook(
    serve_app: ServeApp, make_settings: Callable[..., Settings]
) -> None:
    """It decides a hook in full, so it is admitted like one: with every slot taken it is shed (503), and
    the order-sign service's slots are not starved by a page that calls it after every Sign."""
    scenario = find_scenario(PEND)
    assert scenario is not None
    request = scenario_request(scenario, today=date.today())
    async with serve_app(make_settings(max_hooks_in_flight=1)) as client:
        assert isinstance(client._transport, httpx.ASGITransport)
        runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
        with runtime.admission.admit():  # the one slot, taken as a hook in flight would take it
            shed = await client.post("/tester/determination", json=request)
        assert shed.status_code == 503 and shed.headers["Retry-After"] == "1"
        assert (await client.post("/tester/determination", json=request)).status_code == 200


def test_the_page_shows_outcomes_in_the_words_of_the_glossary() -> None:
    """One vocabulary (docs/glossary.md): the page's criteria tree says what the cards and the command
    line say."""
    script = (REPO_ROOT / "cds_service" / "tester" / "static" / "tester.js").read_text()
    (marks,) = re.findall(r"const MARKS = (\{.*\});", script)
    shown = json.loads(re.sub(r"(\w+):", r'"\1":', marks))
    assert {value: text.split(" ", 1)[1] for value, text in shown.items()} == {
        str(outcome): words for outcome, words in OUTCOME_WORDS.items()
    }
