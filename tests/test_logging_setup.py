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
