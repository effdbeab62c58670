"""`cds-service evaluate --offline` makes no connection at all: a socket guard records (and refuses) every
name lookup and connection the process attempts, and the same file evaluated without --offline shows the
guard catches the service's reads of fhirServer."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import orjson
import pytest

from cds_service.cli import main
from tests.fhir.request_fixtures import DEXRAZOXANE_REQUEST, REQUESTS

REQUEST = REQUESTS / DEXRAZOXANE_REQUEST  # every advertised key prefetched, and a fhirServer with a token
TODAY = "2026-11-28"


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to resolve a name or open a connection, refused."""
    seen: list[str] = []

    def refuse(what: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            seen.append(what)
            raise OSError(f"test socket guard: {what} refused")

        return refused

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return seen


def test_offline_makes_no_connection_and_says_what_it_did_not_read(
    attempts: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(REQUEST), "--offline", "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert attempts == []
    assert out.startswith("Offline: the request's fhirServer was not queried")
    # The supplementary searches the prefetch lacks are named as not read, not taken as absent.
    assert "carePlans not read: offline, fhirServer not queried" in out
    assert "Decision: PEND" in out


def test_offline_json_is_the_determination_and_stderr_says_offline(
    attempts: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(REQUEST), "--offline", "--json", "--today", TODAY]) == 0
    captured = capsys.readouterr()
    document = orjson.loads(captured.out)
    assert attempts == [] and document["decision"] == "pend"
    assert "Offline" in captured.err
    assert "carePlans" in {entry["key"] for entry in document["unread"]}


def test_without_offline_the_guard_sees_the_reads_of_fhir_server(
    attempts: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The default reads what the prefetch lacks from fhirServer: the guard refuses those connections."""
    assert main(["evaluate", str(REQUEST), "--today", TODAY]) == 0
    capsys.readouterr()
    assert attempts


def test_offline_a_required_key_the_file_lacks_exits_1_saying_so(
    attempts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = orjson.loads(REQUEST.read_bytes())
    del body["prefetch"]["conditions"]
    path = tmp_path / "no-conditions.json"
    path.write_bytes(orjson.dumps(body))
    assert main(["evaluate", str(path), "--offline", "--today", TODAY]) == 1
    first, hint = capsys.readouterr().err.splitlines()
    assert attempts == []
    assert "conditions (not read: offline, fhirServer not queried)" in first
    assert "evaluate without --offline" in hint


def test_help_says_which_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "By default what the file's prefetch lacks is read from its fhirServer" in text
    assert "(default: read it from fhirServer)" in text
