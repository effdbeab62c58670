"""The determination as the store keeps it (``policy.stored``): packed small, unpacked to the same JSON."""

from __future__ import annotations

import zlib
from pathlib import Path

import httpx
import orjson
import pytest

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.render import determination_to_json
from cds_service.policy.stored import FORMAT, StoredFormatUnknown, pack, stored_document, unpack
from cds_service.settings import Settings
from cds_service.store.records import DeterminationRecord
from tests.policy.offline import REQUEST_IDS, REQUESTS, case
from tests.response.determinations import approve, deny, pend


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fixture with full prefetch must not reach a FHIR server: {request.url}")


async def _documents(request_path: Path) -> list[dict[str, object]]:
    body, today = case(request_path)
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
        evaluation = await evaluate_hook(
            HookRequest.model_validate(body).source(), settings=Settings(), http=http, today=today
        )
    return [determination_to_json(d) for d in evaluation.determinations]


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
async def test_every_fixture_s_determination_unpacks_to_the_same_json(request_path: Path) -> None:
    for document in await _documents(request_path):
        unpacked = unpack(pack(document))
        # the same JSON, keys in the same order: the claims API answers the bytes it always answered
        assert orjson.dumps(unpacked) == orjson.dumps(document)


def test_hand_built_determinations_round_trip_too() -> None:
    for determination in (approve(), pend(), deny()):
        document = determination_to_json(determination)
        assert orjson.dumps(unpack(pack(document))) == orjson.dumps(document)


def test_words_that_are_not_the_policy_s_are_kept() -> None:
    document = determination_to_json(approve())
    assert document["criteria"] is not None
    document["criteria"]["text"] = "worded otherwise by an older version"
    assert unpack(pack(document))["criteria"]["text"] == "worded otherwise by an older version"


def test_dose_lines_of_uneven_keys_are_kept_whole() -> None:
    document = determination_to_json(approve())
    document["facts"]["dose_lines"] = [{"reference": "a", "mg_m2": 1.0}, {"mg_m2": 2.0, "reference": "b"}]
    assert unpack(pack(document))["facts"]["dose_lines"] == document["facts"]["dose_lines"]


def test_a_packed_determination_of_an_unknown_format_is_refused_not_guessed() -> None:
    newer = zlib.compress(orjson.dumps({"format": FORMAT + 1, "evidence": [], "document": {}}))
    with pytest.raises(StoredFormatUnknown):
        unpack(newer)


def test_a_row_is_read_packed_or_whole() -> None:
    document = determination_to_json(pend())
    common = {
        "assertion_id": "a", "order": "MedicationRequest/dex-1", "patient_id": "p", "coverage": "Coverage/c",
        "decision": "pend", "pathway": "I.A", "approval_start": None, "approval_end": None, "criteria": {},
        "prefill": {}, "client": "", "satisfied_pa_id": None, "created_at": None, "expires_at": None,
    }  # fmt: skip
    packed = DeterminationRecord(**common, determination=None, packed=pack(document))  # type: ignore[arg-type]
    whole = DeterminationRecord(**common, determination=document)  # type: ignore[arg-type]
    assert stored_document(packed) == stored_document(whole) == document
