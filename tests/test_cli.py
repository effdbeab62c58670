from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from cds_service.cli import main
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import Settings
from tests.conftest import ORDER_SIGN_EXAMPLE, ServeApp
from tests.hooks.workflow import as_dispatch, as_select

POLICY_CASES = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "policy"
PEND = POLICY_CASES / "I.A.2-pend-internist-without-consultation.json"


def test_evaluate_prints_the_json_determination(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(PEND), "--json", "--today", "2026-11-28"]) == 0
    document = orjson.loads(capsys.readouterr().out)
    assert (document["decision"], document["pathway"]) == ("pend", "I.A")
    assert [d["criterion"] for d in document["documentation"]] == ["I.A.2"]


def test_evaluate_prints_the_readable_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(PEND), "--today", "2026-11-28"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1] == "Decision: PEND on I.A"
    assert "  - I.A.2: Send the prescriber's specialty" in out
    assert "  [?] I.A.2 Prescribed by or in consultation with an oncologist or hematologist" in out


@pytest.mark.parametrize("content", [b"", b"{", b'{"hook": "order-sign", "hookInstance": "x"}'])
def test_a_bad_file_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["evaluate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("cds-service evaluate: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(tmp_path / "nowhere.json")]) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_data_that_cannot_be_gathered_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body: dict[str, Any] = orjson.loads(PEND.read_bytes())
    del body["prefetch"]  # and no fhirServer to read it from: 412 in the service
    path = tmp_path / "no-data.json"
    path.write_bytes(orjson.dumps(body))
    assert main(["evaluate", str(path)]) == 1
    captured = capsys.readouterr()
    first, hint = captured.err.splitlines()
    assert first.startswith(f"cds-service evaluate: {path}: ")
    assert "CDS_ALLOW_UNAUTHENTICATED_FHIR" in hint  # how to get the data in, not only that it is missing


def test_no_dexrazoxane_order_with_json_prints_an_empty_list_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body: dict[str, Any] = orjson.loads(PEND.read_bytes())
    entries = body["context"]["draftOrders"]["entry"]
    body["context"]["draftOrders"]["entry"] = [e for e in entries if e["resource"]["id"] != "dexrazoxane"]
    path = tmp_path / "no-dexrazoxane.json"
    path.write_bytes(orjson.dumps(body))
    assert main(["evaluate", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert orjson.loads(captured.out) == []
    assert "No dexrazoxane order" in captured.err


class _ClosedPipe:
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


def test_a_reader_that_stops_early_is_not_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    assert main(["evaluate", str(PEND), "--today", "2026-11-28"]) == 0
    assert capsys.readouterr().err == ""


def test_a_misconfigured_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cds_service.settings import get_settings

    get_settings.cache_clear()
    monkeypatch.setenv("CDS_LINE_OF_BUSINESS_MAP", '{"PLAN": "gold"}')
    try:
        with pytest.raises(SystemExit) as exited:
            main(["evaluate", str(tmp_path / "any.json")])
    finally:
        get_settings.cache_clear()
    message = str(exited.value)
    assert message.startswith("cds-service: invalid configuration: CDS_LINE_OF_BUSINESS_MAP")
    assert "\n" not in message


def test_serve_without_a_public_base_url_is_reached_where_it_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The DTR canonical URLs and the JWT audience follow --port when CDS_PUBLIC_BASE_URL is not set."""
    import uvicorn

    from cds_service.settings import Settings

    seen: dict[str, object] = {}
    for name in ("CDS_PUBLIC_BASE_URL", "CDS_DECISION_PROCESSES"):
        monkeypatch.setenv(name, "recorded so that teardown removes what serve sets")
        monkeypatch.delenv(name)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    assert main(["serve", "--host", "0.0.0.0", "--port", "9123"]) == 0
    assert Settings().public_base_url == "http://127.0.0.1:9123"
    assert seen["port"] == 9123 and seen["access_log"] is False


@pytest.mark.parametrize("workers", [1, 2, 64])
def test_serve_gives_each_worker_its_share_of_the_cpus_as_decision_processes(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The CPUs this process may use, divided by the workers, at least one each; a set value is kept."""
    import os

    import uvicorn

    seen: dict[str, object] = {}
    # what serve sets for its workers (the metrics directory too, with several), removed at teardown
    for name in ("CDS_DECISION_PROCESSES", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.setenv(name, "recorded so that teardown removes what serve sets")
        monkeypatch.delenv(name)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    assert main(["serve", "--workers", str(workers)]) == 0
    cpus = len(os.sched_getaffinity(0))
    assert os.environ["CDS_DECISION_PROCESSES"] == str(max(1, cpus // workers))
    assert seen["http"] == "cds_service.server_protocol:BoundedHttpToolsProtocol"
    monkeypatch.setenv("CDS_DECISION_PROCESSES", "7")
    assert main(["serve"]) == 0
    assert os.environ["CDS_DECISION_PROCESSES"] == "7"


def _spec_example() -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(ORDER_SIGN_EXAMPLE.read_bytes())
    return body


def _changed(path: tuple[str, ...], value: Any) -> bytes:
    body = _spec_example()
    target = body
    for part in path[:-1]:
        target = target[part]
    if value is _REMOVE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return orjson.dumps(body)


_REMOVE = object()

# Requests the endpoint answers 400: the command must refuse each of them in the same words.
REFUSED: dict[str, bytes] = {
    "hook patient-view": _changed(("hook",), "patient-view"),
    "patientId Patient/x": _changed(("context", "patientId"), "Patient/x"),
    "patientId with a space": _changed(("context", "patientId"), " 123"),
    "hookInstance missing": _changed(("hookInstance",), _REMOVE),
    "userId empty": _changed(("context", "userId"), ""),
    "draftOrders a string": _changed(("context", "draftOrders"), "MedicationRequest/1"),
    "patientId null": _changed(("context", "patientId"), None),
    "fhirAuthorization without access_token": _changed(("fhirAuthorization",), {"token_type": "Bearer"}),
    "not JSON": b'{"hook": ',
    "a JSON array": b"[]",
    "nested too deep": orjson.dumps(
        {**_spec_example(), "extension": {"x": functools.reduce(lambda v, _: [v], range(70), [])}}
    ),
}


@pytest.mark.parametrize("name", REFUSED)
async def test_evaluate_refuses_what_the_endpoint_refuses_in_the_same_words(
    name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make_settings: Callable[..., Settings],
    serve_app: ServeApp,
) -> None:
    body = REFUSED[name]
    async with serve_app(make_settings()) as client:
        answer = await client.post(f"/cds-services/{SERVICE_ID}", content=body)
    assert answer.status_code == 400
    (issue,) = answer.json()["issue"]
    capsys.readouterr()  # drop the app's own log lines
    path = tmp_path / "request.json"
    path.write_bytes(body)
    assert main(["evaluate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"cds-service evaluate: {path}: {issue['details']['text']}\n"


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_serve_refuses_a_worker_count_below_one(workers: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--workers", workers])
    assert exit_.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_evaluate_reads_order_select_and_order_dispatch_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command reads a request of any hook the service answers, as its endpoint does: an order-select
    file decides its selected order only; an order-dispatch file reads its orders from the prefetch."""
    case = orjson.loads((POLICY_CASES / "I.A.3.a-approve-adult-cumulative-300.json").read_bytes())
    for name, body in (("select.json", as_select(case)), ("dispatch.json", as_dispatch(case))):
        path = tmp_path / name
        path.write_bytes(orjson.dumps(body))
        assert main(["evaluate", str(path), "--json", "--today", "2026-11-28"]) == 0
        document = orjson.loads(capsys.readouterr().out)
        assert (document["order"], document["decision"]) == ("MedicationRequest/dexrazoxane", "approve"), name
