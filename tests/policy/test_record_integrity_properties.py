"""CONTRACT §2.1 record-integrity rulings as properties over every fixture request:

* one dose is counted once: charting every timed administration a second time (another id, seconds
  differing, written in another offset) leaves the determination as it was;
* given means given by then: a "completed" anthracycline dose charted after the order never turns a
  decision into an approval.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fhir_fixtures"
REQUESTS = sorted(
    path.with_name(path.name.removesuffix(".expect.json") + ".json")
    for path in FIXTURES.rglob("*.expect.json")
)
CLINIC = timezone(timedelta(hours=-5))


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fixture with full prefetch must not reach a FHIR server: {request.url}")


def _outcomes(node: dict[str, Any] | None, into: dict[str, str]) -> dict[str, str]:
    if node:
        into[node["id"]] = node["outcome"]
        for child in node["children"]:
            _outcomes(child, into)
    return into


def _decide(body: dict[str, Any], today: date) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
            evaluation = await evaluate_hook(
                HookRequest.model_validate(body).source(), settings=Settings(), http=http, today=today
            )
        found = []
        for determination in evaluation.determinations:
            document = determination_to_json(determination)
            outcomes: dict[str, str] = {}
            _outcomes(document["criteria"], outcomes)
            found.append(
                {
                    "order": document["order"],
                    "decision": document["decision"],
                    "approval": document["approval"],
                    "outcomes": outcomes,
                    # the dose lines' notes say what was merged: the rest must not move
                    "facts": {
                        **document["facts"],
                        "dose_lines": [
                            {k: v for k, v in line.items() if k != "note"}
                            for line in document["facts"].get("dose_lines") or []
                        ],
                    },
                }
            )
        return found

    return asyncio.run(run())


def _case(request_path: Path) -> tuple[dict[str, Any], date]:
    expect_path = request_path.with_name(request_path.name.removesuffix(".json") + ".expect.json")
    today = date.fromisoformat(orjson.loads(expect_path.read_bytes())["today"])
    return orjson.loads(request_path.read_bytes()), today


def _administrations(body: dict[str, Any]) -> list[dict[str, Any]]:
    bundle = (body.get("prefetch") or {}).get("medicationAdministrations") or {}
    return [e["resource"] for e in bundle.get("entry") or [] if isinstance(e, dict) and "resource" in e]


@pytest.mark.parametrize("request_path", REQUESTS, ids=[p.name.removesuffix(".json") for p in REQUESTS])
def test_every_timed_dose_charted_twice_is_still_one_dose(request_path: Path) -> None:
    body, today = _case(request_path)
    copies = []
    for resource in _administrations(body):
        when = resource.get("effectiveDateTime")
        if not isinstance(when, str) or len(when) <= 10:
            continue
        moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
        if moment.tzinfo is None or moment.second > 0:
            continue
        twin = copy.deepcopy(resource)
        twin["id"] = f"{resource['id']}-interface-copy"
        twin["effectiveDateTime"] = (moment.astimezone(CLINIC) + timedelta(seconds=42)).isoformat()
        copies.append(twin)
    if not copies:
        return  # nothing timed to chart twice (the other property still runs on this request)
    doubled = copy.deepcopy(body)
    doubled["prefetch"]["medicationAdministrations"]["entry"] += [{"resource": twin} for twin in copies]
    assert _decide(doubled, today) == _decide(body, today)


@pytest.mark.parametrize("request_path", REQUESTS, ids=[p.name.removesuffix(".json") for p in REQUESTS])
def test_a_dose_charted_after_the_order_never_makes_an_approval(request_path: Path) -> None:
    body, today = _case(request_path)
    before = _decide(body, today)
    slipped = copy.deepcopy(body)
    bundle = slipped["prefetch"].get("medicationAdministrations")
    if not isinstance(bundle, dict):
        slipped["prefetch"]["medicationAdministrations"] = bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
        }
    bundle.setdefault("entry", []).append(
        {
            "resource": {
                "resourceType": "MedicationAdministration",
                "id": "charted-ahead",
                "status": "completed",
                "medicationCodeableConcept": {
                    "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3639"}]
                },
                "subject": {"reference": f"Patient/{body['context']['patientId']}"},
                "effectiveDateTime": f"{(today + timedelta(days=30)).isoformat()}T09:00:00Z",
                "dosage": {"dose": {"value": 400, "unit": "mg/m2", "code": "mg/m2"}},
            }
        }
    )
    after = _decide(slipped, today)
    for old, new in zip(before, after, strict=True):
        if old["decision"] != "approve":
            assert new["decision"] != "approve", old["order"]
