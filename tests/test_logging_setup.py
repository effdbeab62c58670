from __future__ import annotations

import logging

import orjson
import pytest
import structlog

from cds_service.logging_setup import configure_logging


def test_events_are_json_lines_and_sensitive_fields_are_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    structlog.get_logger("test").info(
        "something",
        hook_instance="abc",
        patientId="p-1",
        access_token="t-1",
        Authorization="Bearer x",
        jwt="j",
    )
    (line,) = capsys.readouterr().out.splitlines()
    event = orjson.loads(line)
    assert event["event"] == "something" and event["hook_instance"] == "abc" and event["level"] == "info"
    assert "timestamp" in event
    for secret in ("p-1", "t-1", "Bearer x", '"j"'):
        assert secret not in line


def test_standard_library_loggers_of_the_package_write_the_same_json_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging()
    logging.getLogger("cds_service.fhir.gather").warning("fhir data: %s", "conditions: timeout")
    (line,) = capsys.readouterr().out.splitlines()
    event = orjson.loads(line)
    assert event["event"] == "fhir data: conditions: timeout"
    assert event["level"] == "warning" and "timestamp" in event


def test_the_servers_own_lines_are_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    (line,) = capsys.readouterr().out.splitlines()
    assert orjson.loads(line)["event"] == "Started server process [42]"


def test_no_field_grows_with_what_a_client_sent(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    structlog.get_logger("test").info("big", text="x" * 50_000, keys=[f"k{i}" * 100 for i in range(5000)])
    logging.getLogger("cds_service.fhir").warning("%s", "y" * 50_000)
    first, second = capsys.readouterr().out.splitlines()
    event = orjson.loads(first)
    assert len(event["text"]) == 1000 and event["text"].endswith("\u2026")
    assert len(event["keys"]) == 21 and event["keys"][-1] == "... and 4980 more"
    assert all(len(key) <= 1000 for key in event["keys"])
    assert len(second) < 1200


def test_twenty_thousand_unknown_prefetch_keys_log_a_count_not_a_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """20,000 unknown prefetch keys wrote 6.7 MB of log from a 4 MB request: now a bounded sample of lines
    and a count of the rest, each key clipped."""
    import asyncio

    import httpx

    from cds_service.evaluation import gather
    from cds_service.fhir.gather import LOGGED_NOTES
    from cds_service.fhir.source import Source
    from cds_service.settings import Settings

    configure_logging()
    prefetch = {f"unknown-{i}-" + "k" * 200: "not a resource " * 10 for i in range(20_000)}
    source = Source(patient_id="p", user_id="Practitioner/u", draft_orders={}, prefetch=prefetch)

    async def run() -> None:
        async with httpx.AsyncClient() as http:
            await gather(source, settings=Settings(), http=http)

    asyncio.run(run())
    lines = capsys.readouterr().out.splitlines()
    notes = [orjson.loads(line) for line in lines if '"fhir_data"' in line]
    assert len(notes) == LOGGED_NOTES + 1
    assert notes[-1]["problem"] == f"{20_000 - LOGGED_NOTES} more problems of this call not logged"
    assert all(len(note["problem"]) < 120 for note in notes)
    assert sum(len(line) for line in lines) < 10_000
