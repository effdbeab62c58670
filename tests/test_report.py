from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from cds_service.report import RequestFileError, evaluate_file, evaluate_path, load_request, render
from cds_service.settings import Settings

POLICY_CASES = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "policy"
APPROVE = POLICY_CASES / "I.A.3.a-approve-adult-cumulative-300.json"
TODAY = date(2026, 11, 28)


def write(tmp_path: Path, body: Any, name: str = "request.json") -> Path:
    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else orjson.dumps(body))
    return path


def approve_request() -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(APPROVE.read_bytes())
    return body


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{not json", "The body is not valid JSON"),
        (b"[1, 2]", "The body must be a JSON object (a CDS Hooks request)"),
        (b'{"hook": "order-sign"}', "hookInstance is required; context is required"),
    ],
)
def test_a_bad_file_is_one_clear_line(tmp_path: Path, content: bytes, says: str) -> None:
    with pytest.raises(RequestFileError) as raised:
        load_request(write(tmp_path, content))
    message = str(raised.value)
    assert says in message and "\n" not in message


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(RequestFileError, match="cannot read the file"):
        load_request(tmp_path / "absent.json")


def test_text_report_starts_with_the_decision() -> None:
    text = evaluate_file(APPROVE, as_json=False, settings=Settings(), today=TODAY)
    assert text.splitlines()[:3] == [
        "MedicationRequest/dexrazoxane: CP.PHAR.418 Clinical Policy: Dexrazoxane",
        "Decision: APPROVE on I.A",
        "Approval: 2026-11-28 to 2027-01-30 (inclusive)",
    ]


def test_json_report_is_one_object_for_one_order() -> None:
    document = orjson.loads(evaluate_file(APPROVE, as_json=True, settings=Settings(), today=TODAY))
    assert document["order"] == "MedicationRequest/dexrazoxane"
    assert document["decision"] == "approve"


def test_json_report_is_a_list_for_several_orders(tmp_path: Path) -> None:
    body = approve_request()
    entries = body["context"]["draftOrders"]["entry"]
    second = copy.deepcopy(entries[0])
    second["resource"]["id"] = "dexrazoxane-2"
    entries.append(second)
    documents = orjson.loads(
        evaluate_file(write(tmp_path, body), as_json=True, settings=Settings(), today=TODAY)
    )
    assert [d["order"] for d in documents] == [
        "MedicationRequest/dexrazoxane",
        "MedicationRequest/dexrazoxane-2",
    ]


def test_no_dexrazoxane_order_is_said_plainly(tmp_path: Path) -> None:
    body = approve_request()
    entries = body["context"]["draftOrders"]["entry"]
    body["context"]["draftOrders"]["entry"] = [e for e in entries if e["resource"]["id"] != "dexrazoxane"]
    result = evaluate_path(write(tmp_path, body), settings=Settings(), today=TODAY)
    assert render(result, as_json=False) == (
        "No dexrazoxane order among the 1 draft order(s): nothing for CP.PHAR.418 to decide."
    )
    assert render(result, as_json=True) == "[]"
