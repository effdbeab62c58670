from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY

from cds_service.app import create_app
from cds_service.assertion_ids import assertion_key
from cds_service.card_ids import issued_uuid
from cds_service.errors import InvalidRequest
from cds_service.hooks.discovery import DISPATCH_SERVICE_ID, SELECT_SERVICE_ID, SERVICE_ID
from cds_service.hooks.feedback import feedback_record, parse_feedback
from cds_service.settings import Settings
from cds_service.store.engine import SQLITE_FILE
from tests.conftest import ServeApp
from tests.store.postgres import closed_port

# The key the apps below mint their cards with (no CDS_ASSERTION_SECRET: this process's own), so these
# ids are of cards "the service issued" (card_ids); feedback on any other card is not recorded.
KEY = assertion_key(Settings(assertion_secret=None))
CARD = issued_uuid(KEY)
SUGGESTION = issued_uuid(KEY)
ACCEPTED = {
    "card": CARD,
    "outcome": "accepted",
    "acceptedSuggestions": [{"id": SUGGESTION}],
    "outcomeTimestamp": "2026-11-28T07:30:00.52Z",
}


def stored_feedback(settings: Any) -> list[dict[str, Any]]:
    """The feedback records in the app's SQLite store (the embedded default)."""
    with closing(sqlite3.connect(Path(settings.data_dir) / SQLITE_FILE)) as database:
        return [orjson.loads(row[0]) for row in database.execute("SELECT record FROM feedback")]


OVERRIDDEN = {
    "card": CARD,
    "outcome": "overridden",
    "overrideReason": {
        "reason": {
            "code": "reason-code-provided-by-service",
            "system": "http://example.org/cds-services/fhir/CodeSystem/override-reasons",
        },
        "userComment": "Jane Roe (MRN ZQ-4471-XK) tolerated it before",
    },
    "outcomeTimestamp": "2026-11-28T07:31:00Z",
}


def body(*items: dict[str, Any]) -> bytes:
    return orjson.dumps({"feedback": list(items)})


def test_valid_feedback_parses() -> None:
    items = parse_feedback(body(ACCEPTED, OVERRIDDEN))
    assert [item.outcome for item in items] == ["accepted", "overridden"]


@pytest.mark.parametrize(
    "item",
    [
        {**ACCEPTED, "outcome": "ignored"},
        {**ACCEPTED, "acceptedSuggestions": [{}]},
        {key: value for key, value in ACCEPTED.items() if key != "card"},
        {**ACCEPTED, "card": 7},
        {**OVERRIDDEN, "overrideReason": {"reason": {"code": "x"}}},
    ],
    ids=[
        "outcome",
        "suggestion-without-id",
        "no-card",
        "card-not-a-string",
        "reason-without-system",
    ],
)
def test_invalid_feedback_is_refused(item: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest):
        parse_feedback(body(item))


def test_a_refusal_says_which_rule_failed_without_echoing_values() -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_feedback(body({**ACCEPTED, "outcome": "ignored"}))
    assert "feedback.0.outcome: Input should be 'accepted' or 'overridden'" in refused.value.message
    with pytest.raises(InvalidRequest) as no_system:
        parse_feedback(
            body({**OVERRIDDEN, "overrideReason": {"reason": {"code": "x"}, "userComment": "Jane Roe"}})
        )
    assert "feedback.0.overrideReason.reason.system" in no_system.value.message
    assert "Jane Roe" not in no_system.value.message


@pytest.mark.parametrize("raw", [b"nope", b"{}", b'{"feedback": []}', b"[]"])
def test_a_body_that_is_not_feedback_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidRequest):
        parse_feedback(raw)


def test_the_record_keeps_no_free_text() -> None:
    (item,) = parse_feedback(body(OVERRIDDEN))
    record = feedback_record(SERVICE_ID, item)
    assert record["userComment"] is True
    assert record["overrideReason"] == {
        "system": "http://example.org/cds-services/fhir/CodeSystem/override-reasons",
        "code": "reason-code-provided-by-service",
    }
    assert "Jane" not in orjson.dumps(record).decode()


async def test_feedback_is_answered_200_and_logged_without_phi(
    serve_app: ServeApp, make_settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings()
    async with serve_app(settings) as client:
        first = await client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(ACCEPTED, OVERRIDDEN))
        again = await client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(ACCEPTED, OVERRIDDEN))
        sandbox_path = await client.post(f"/cds-services//{SERVICE_ID}/feedback", content=body(ACCEPTED))
    assert (first.status_code, first.json()) == (200, {})
    assert (again.status_code, again.json()) == (200, {})
    assert sandbox_path.status_code == 200
    with closing(sqlite3.connect(Path(settings.data_dir) / SQLITE_FILE)) as database:
        rows = [row[0] for row in database.execute("SELECT record FROM feedback")]
    assert len(rows) == 2  # the same items sent again are recorded once
    recorded = "".join(rows)
    # (an MRN no random id or timestamp of the record can hold: letters outside hex)
    assert "Jane" not in recorded and "ZQ-4471-XK" not in recorded
    assert "Jane" not in capsys.readouterr().out


async def test_invalid_feedback_gets_an_operation_outcome(serve_app: ServeApp, make_settings: Any) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(
            f"/cds-services/{SERVICE_ID}/feedback", content=body({**ACCEPTED, "outcome": "maybe"})
        )
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "feedback.0.outcome" in response.json()["issue"][0]["expression"]


async def test_feedback_for_an_unknown_service_is_404(serve_app: ServeApp, make_settings: Any) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post("/cds-services/nope/feedback", content=body(ACCEPTED))
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


LONG_ID = "x" * 65
LONG_CODE = "x" * 257


@pytest.mark.parametrize(
    "item",
    [
        {**OVERRIDDEN, "card": LONG_ID},
        {**ACCEPTED, "acceptedSuggestions": [{"id": LONG_ID}]},
        {**ACCEPTED, "acceptedSuggestions": [{"id": f"s{i}"} for i in range(11)]},
        {**OVERRIDDEN, "overrideReason": {"reason": {"code": LONG_CODE, "system": "http://example.org"}}},
        {**OVERRIDDEN, "overrideReason": {"reason": {"code": "c", "system": LONG_CODE}}},
    ],
    ids=["card", "suggestion-id", "suggestions", "code", "system"],
)
def test_a_recorded_string_or_list_past_its_bound_is_refused(item: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_feedback(body(item))
    assert "at most" in raised.value.message


def test_strings_at_their_bound_are_recorded() -> None:
    item = {
        **OVERRIDDEN,
        "card": "x" * 64,
        "overrideReason": {"reason": {"code": "c" * 256, "system": "s" * 256}},
    }
    record = feedback_record(SERVICE_ID, parse_feedback(body(item))[0])
    assert record["card"] == "x" * 64 and record["overrideReason"] == {"code": "c" * 256, "system": "s" * 256}


def test_at_most_100_items_per_request() -> None:
    assert len(parse_feedback(body(*[OVERRIDDEN] * 100))) == 100
    with pytest.raises(InvalidRequest) as raised:
        parse_feedback(body(*[OVERRIDDEN] * 101))
    assert raised.value.expression == ("feedback",)
    assert "feedback (at most 100)" in raised.value.message


def test_a_400_names_at_most_ten_fields() -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_feedback(body(*[{**OVERRIDDEN, "outcome": "maybe"}] * 50))
    assert len(raised.value.expression) == 10
    assert raised.value.message.endswith(" and 40 more")


async def test_an_unreachable_store_is_an_error_in_the_logs_and_still_a_200(
    serve_app: ServeApp, make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Feedback was received: a database that cannot be reached is the operator's problem, logged,
    never a 500 to the EHR."""
    down = make_settings(
        database_url=f"postgresql://cds@127.0.0.1:{closed_port()}/cds", store_timeout_seconds=1
    )
    app = create_app(down)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        response = await client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(OVERRIDDEN))
    assert (response.status_code, response.json()) == (200, {})
    logged = capsys.readouterr().out
    assert '"event": "feedback_not_recorded"' in logged and '"level": "error"' in logged


@pytest.mark.parametrize(
    "timestamp",
    [
        "9999-12-31T23:59:59-14:00",  # past the last datetime in UTC: was an OverflowError, a 500
        "0001-01-01T00:00:00+14:00",
        "2026-11-28T07:30:00",  # no zone: not RFC 3339
        "2026-11-28 07:30:00Z",
        "1764315000",  # a Unix time pydantic would read
        "yesterday",
        1764315000,
        None,
    ],
)
async def test_an_item_without_a_readable_timestamp_is_recorded_flagged(
    serve_app: ServeApp, make_settings: Any, timestamp: Any
) -> None:
    """The spec requires outcomeTimestamp; a missing or unreadable one still leaves the EHR's report worth
    keeping: recorded without it, flagged."""
    settings = make_settings()
    async with serve_app(settings) as client:
        response = await client.post(
            f"/cds-services/{SERVICE_ID}/feedback",
            content=body({**OVERRIDDEN, "outcomeTimestamp": timestamp}),
        )
    assert (response.status_code, response.json()) == (200, {})
    (record,) = stored_feedback(settings)
    assert record["flags"] == ["outcome_timestamp_unreadable"]
    assert "outcomeTimestamp" not in record


def test_a_timestamp_is_recorded_in_utc() -> None:
    (item,) = parse_feedback(body({**OVERRIDDEN, "outcomeTimestamp": "2026-11-28T09:31:00.5+02:00"}))
    record = feedback_record(SERVICE_ID, item)
    assert record["outcomeTimestamp"] == "2026-11-28T07:31:00.500000Z"
    assert "flags" not in record


WITHOUT_SUGGESTIONS = [
    {**ACCEPTED, "acceptedSuggestions": []},
    {key: value for key, value in ACCEPTED.items() if key != "acceptedSuggestions"},
]


@pytest.mark.parametrize("item", WITHOUT_SUGGESTIONS, ids=["empty-suggestions", "no-suggestions"])
async def test_an_accepted_item_without_suggestions_is_recorded_flagged_and_counted(
    serve_app: ServeApp, make_settings: Any, item: dict[str, Any]
) -> None:
    """The spec requires acceptedSuggestions for accepted outcomes; a client that leaves it empty still
    reported an acceptance: kept, flagged as lacking the suggestion ids."""
    before = REGISTRY.get_sample_value("cds_feedback_flagged_total", {"flag": "accepted_without_suggestions"})
    settings = make_settings()
    async with serve_app(settings) as client:
        response = await client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(item, OVERRIDDEN))
    assert (response.status_code, response.json()) == (200, {})
    records = sorted(stored_feedback(settings), key=lambda r: str(r["outcome"]))
    assert [(r["outcome"], r.get("flags")) for r in records] == [
        ("accepted", ["accepted_without_suggestions"]),
        ("overridden", None),
    ]
    assert "acceptedSuggestions" not in records[0]
    after = REGISTRY.get_sample_value("cds_feedback_flagged_total", {"flag": "accepted_without_suggestions"})
    assert after == (before or 0.0) + 1


def test_an_accepted_item_with_its_suggestions_is_not_flagged() -> None:
    (item,) = parse_feedback(body(ACCEPTED))
    assert item.flags == []
    assert "flags" not in feedback_record(SERVICE_ID, item)


def flagged(flag: str) -> float:
    return REGISTRY.get_sample_value("cds_feedback_flagged_total", {"flag": flag}) or 0.0


async def test_feedback_on_cards_the_service_never_issued_is_answered_but_not_recorded(
    serve_app: ServeApp, make_settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any card id was recorded: 20 requests wrote 44 MB. Now only cards the service minted
    (card_ids) are; the others are counted and the log says how many."""
    settings = make_settings()
    before = flagged("card_not_issued")
    flood = [{**OVERRIDDEN, "card": f"9368d37b-283f-44a0-93ea-{i:012d}"} for i in range(100)]
    async with serve_app(settings) as client:
        for _ in range(20):
            response = await client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(*flood))
            assert (response.status_code, response.json()) == (200, {})
        mixed = await client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(OVERRIDDEN, flood[0]))
    assert mixed.status_code == 200
    assert [record["card"] for record in stored_feedback(settings)] == [CARD]
    assert flagged("card_not_issued") == before + 20 * 100 + 1
    assert '"not_issued": 1' in capsys.readouterr().out.splitlines()[-1]


async def test_a_suggestion_the_service_never_issued_is_left_out_and_flagged(
    serve_app: ServeApp, make_settings: Any
) -> None:
    settings = make_settings()
    item = {
        **ACCEPTED,
        "acceptedSuggestions": [{"id": SUGGESTION}, {"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
    }
    async with serve_app(settings) as client:
        await client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(item))
    (record,) = stored_feedback(settings)
    assert record["acceptedSuggestions"] == [SUGGESTION]
    assert record["flags"] == ["suggestion_not_issued"]


async def test_cards_the_service_answers_with_are_issued(serve_app: ServeApp, make_settings: Any) -> None:
    """The round trip, on each of the three services: the uuids of a real answer's cards and suggestions
    (order-select's provisional card included) are recognised, and feedback on them recorded under the
    service whose card it is."""
    from cds_service.card_ids import was_issued
    from tests.conftest import REPO_ROOT
    from tests.hooks.workflow import as_dispatch, as_select

    settings = make_settings()
    sign = orjson.loads((REPO_ROOT / "fhir_fixtures/policy/I.A.5-pend-ratio-10.2.json").read_bytes())
    async with serve_app(settings) as client:
        selected = (await client.post(f"/cds-services/{SELECT_SERVICE_ID}", json=as_select(sign))).json()
        signed = (await client.post(f"/cds-services/{SERVICE_ID}", json=sign)).json()
        dispatch = as_dispatch(sign, response=signed)
        dispatched = (await client.post(f"/cds-services/{DISPATCH_SERVICE_ID}", json=dispatch)).json()
        answers = {SELECT_SERVICE_ID: selected, SERVICE_ID: signed, DISPATCH_SERVICE_ID: dispatched}
        for service, response in answers.items():
            ids = [card["uuid"] for card in response["cards"]]
            ids += [s["uuid"] for card in response["cards"] for s in card.get("suggestions", [])]
            assert ids and all(was_issued(uuid, KEY) for uuid in ids), service
            item = {**OVERRIDDEN, "card": response["cards"][0]["uuid"]}
            assert (
                await client.post(f"/cds-services/{service}/feedback", content=body(item))
            ).status_code == 200
    assert len(signed["cards"]) >= 3 and len(selected["cards"]) == 1
    assert not was_issued("9368d37b-283f-44a0-93ea-547cebab93ed", KEY)
    recorded = {record["card"]: record.get("service") for record in stored_feedback(settings)}
    assert recorded == {answer["cards"][0]["uuid"]: service for service, answer in answers.items()}


async def test_a_feedback_body_over_one_mib_is_413(serve_app: ServeApp, make_settings: Any) -> None:
    huge = {**OVERRIDDEN, "overrideReason": {"userComment": "x" * (1024 * 1024)}}
    async with serve_app(make_settings()) as client:
        response = await client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(huge))
        chunked = await client.post(
            f"/cds-services/{SERVICE_ID}/feedback",
            content=_chunks(body(huge)),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413 and chunked.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-long"


async def _chunks(data: bytes) -> Any:
    for start in range(0, len(data), 65_536):
        yield data[start : start + 65_536]


async def test_feedback_is_shed_like_hooks_when_its_bound_is_reached(make_settings: Any) -> None:
    """One feedback call held in the store; with a bound of one, the next is refused at once (503,
    Retry-After, counted by the hook of the service it was for) and the first still completes."""
    import asyncio

    from cds_service.store.sql import SqlStore

    settings = make_settings(max_feedback_in_flight=1)
    entered, release = asyncio.Event(), asyncio.Event()

    class HeldStore(SqlStore):
        async def record_feedback(self, records: Any) -> list[str]:
            entered.set()
            await release.wait()
            return await super().record_feedback(records)

    store = HeldStore.from_settings(settings)
    app = create_app(settings, store=store)
    async with app.router.lifespan_context(app):
        await app.state.runtime.ready.wait()
        await app.state.runtime.store_migrated.wait()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            first = asyncio.create_task(
                client.post(f"/cds-services/{SERVICE_ID}/feedback", content=body(OVERRIDDEN))
            )
            await asyncio.wait_for(entered.wait(), 10)
            shed = REGISTRY.get_sample_value("cds_feedback_shed_total", {"hook": "order-dispatch"}) or 0.0
            second = await asyncio.wait_for(
                client.post(f"/cds-services/{DISPATCH_SERVICE_ID}/feedback", content=body(ACCEPTED)), 10
            )
            assert (
                REGISTRY.get_sample_value("cds_feedback_shed_total", {"hook": "order-dispatch"}) == shed + 1
            )
            release.set()
            assert (await first).status_code == 200
    assert second.status_code == 503
    assert second.headers["Retry-After"] == "1"
    assert "feedback calls in flight" in second.json()["issue"][0]["details"]["text"]
