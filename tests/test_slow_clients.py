"""Idle and slow clients against a real `cds-service serve` process over real sockets: request headers that
never complete, headers without end, bodies that trickle, more connections than a worker keeps
(server_protocol.py, app.BodyDeadlineMiddleware). Deadlines here are settings given to the server; the
sockets only have a generous safety timeout, so no assertion depends on how fast this machine is."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from cds_service.hooks.discovery import SERVICE_ID
from tests.local_server import free_port, wait_ready

# How long a socket waits for the server before the test fails (a safety net, not a figure).
SAFETY_SECONDS = 30
MAX_CONNECTIONS = 50


def _serve(tmp_path: Path, **settings: str) -> Iterator[int]:
    port = free_port()
    env = {key: val for key, val in os.environ.items() if not key.startswith("CDS_")}
    env |= {"CDS_DATA_DIR": str(tmp_path / "var"), **settings}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cds_service", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, seconds=90, log=log)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def quick_deadlines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Header and body deadlines of half a second."""
    yield from _serve(
        tmp_path_factory.mktemp("quick"),
        CDS_HEADER_TIMEOUT_SECONDS="0.5",
        CDS_BODY_TIMEOUT_SECONDS="0.5",
    )


@pytest.fixture(scope="module")
def few_connections(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A long header deadline and room for 50 connections: what keeps it available is making room."""
    yield from _serve(
        tmp_path_factory.mktemp("few"),
        CDS_HEADER_TIMEOUT_SECONDS="60",
        CDS_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
    )


def connect(port: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=SAFETY_SECONDS)
    return connection


def read_all(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def outcome_of(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, orjson.loads(body)


def test_request_headers_that_never_complete_are_answered_408_and_closed(quick_deadlines: int) -> None:
    """Held for ever before: the connection stayed open with no deadline."""
    with connect(quick_deadlines) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: cds\r\nX-Partial: ")
        status, outcome = outcome_of(read_all(connection))
    assert status == 408
    assert outcome["issue"][0]["code"] == "timeout"  # type: ignore[index]


def test_a_trickle_of_header_bytes_does_not_extend_the_deadline(quick_deadlines: int) -> None:
    with connect(quick_deadlines) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: cds\r\n")
        connection.settimeout(0.05)
        answer = b""
        for _ in range(SAFETY_SECONDS * 20):  # a header byte every 50 ms until the server answers
            try:
                connection.sendall(b"X")
                answer = connection.recv(65536)
                break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_headers_past_64_kib_are_answered_431(quick_deadlines: int) -> None:
    """13 MB of one header line were taken in before, held in memory."""
    with connect(quick_deadlines) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: cds\r\nX-Pad: ")
        try:
            for _ in range(40):
                connection.sendall(b"a" * 4096)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, outcome = outcome_of(read_all(connection))
    assert status == 431
    assert outcome["issue"][0]["code"] == "too-long"  # type: ignore[index]


@pytest.mark.parametrize(
    "path",
    [
        f"/cds-services/{SERVICE_ID}/feedback",
        "/fhir/Questionnaire/$questionnaire-package",
        f"/cds-services/{SERVICE_ID}",
    ],
    ids=["feedback", "dtr", "hook"],
)
def test_a_body_that_trickles_is_answered_408_and_the_connection_closed(
    quick_deadlines: int, path: str
) -> None:
    """Feedback and DTR held a slow body 20 s and more."""
    with connect(quick_deadlines) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: cds\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n{".encode()
        )
        status, outcome = outcome_of(read_all(connection))
    assert status == 408
    assert outcome["issue"][0]["code"] == "timeout"  # type: ignore[index]


def test_300_connections_sending_partial_headers_do_not_refuse_a_request(few_connections: int) -> None:
    """Past 50 connections the worker closes those that waited longest for their headers: the idle
    crowd is shed and a real request is answered (on main none of the 300 was ever closed)."""
    idle = []
    for _ in range(300):
        connection = connect(few_connections)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: cds\r\n")
        idle.append(connection)
    try:
        answer = httpx.get(f"http://127.0.0.1:{few_connections}/healthz", timeout=SAFETY_SECONDS)
        assert answer.status_code == 200
        closed = 0
        for connection in idle:
            connection.settimeout(0.01)
            try:
                closed += connection.recv(1) == b""
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed += 1
        assert closed >= 300 - MAX_CONNECTIONS
    finally:
        for connection in idle:
            connection.close()


def test_the_unread_rest_of_a_refused_body_is_dropped_within_bounds(quick_deadlines: int) -> None:
    """A 413 answered on the declared length: the client still sends its 2 MiB; the service drops them as
    they arrive (no second answer, no reset that could lose the first), and once the connection is idle
    past the header deadline it is closed without an answer, as an idle keep-alive connection is."""
    size = 2 * 1024 * 1024
    with connect(quick_deadlines) as connection:
        connection.sendall(
            f"POST /cds-services/{SERVICE_ID}/feedback HTTP/1.1\r\nHost: cds\r\n"
            f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        try:
            for _ in range(size // 65536):
                connection.sendall(b" " * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    status, outcome = outcome_of(received)
    assert status == 413
    assert outcome["issue"][0]["code"] == "too-long"  # type: ignore[index]


def test_an_idle_connection_is_closed_without_an_answer(quick_deadlines: int) -> None:
    """Nothing of a request arrived: closed at the header deadline with no 408 a client could take for the
    answer to a request it sends meanwhile."""
    with connect(quick_deadlines) as connection:
        assert read_all(connection) == b""
        again = connect(quick_deadlines)
        again.sendall(b"GET /healthz HTTP/1.1\r\nHost: cds\r\n\r\n")
        answered = read_all(again)  # the answer, then nothing more until the idle connection is closed
        again.close()
    assert answered.startswith(b"HTTP/1.1 200 ") and answered.count(b"HTTP/1.1 ") == 1
