"""docs/facts.md "Record integrity" record-integrity rulings as properties over every fixture request:

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

import pytest

from tests.policy.offline import REQUEST_IDS, REQUESTS, case, decide

CLINIC = timezone(timedelta(hours=-5))


def _decide(body: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """The determination without each criterion's evidence or the dose lines' notes: those say what was
    merged, which is the point of charting twice; the rest must not move."""
    found = asyncio.run(decide(body, today, evidence=False))
    for summary in found:
        facts = summary["facts"]
        facts["dose_lines"] = [
            {k: v for k, v in line.items() if k != "note"} for line in facts.get("dose_lines") or []
        ]
    return found


def _administrations(body: dict[str, Any]) -> list[dict[str, Any]]:
    bundle = (body.get("prefetch") or {}).get("medicationAdministrations") or {}
    return [e["resource"] for e in bundle.get("entry") or [] if isinstance(e, dict) and "resource" in e]


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
def test_every_timed_dose_charted_twice_is_still_one_dose(request_path: Path) -> None:
    body, today = case(request_path)
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


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
def test_a_dose_charted_after_the_order_never_makes_an_approval(request_path: Path) -> None:
    body, today = case(request_path)
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
