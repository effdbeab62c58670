"""Each FHIR resource is read once per call: every request with its prefetch removed, its resources served
by a FHIR server that counts what it is asked, goes through its hook's route and the tester's answer."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from cds_service.hooks.discovery import SERVICE_BY_ID
from tests.conftest import REPO_ROOT, ServeApp
from tests.fhir.fake_fhir_server import FakeFhirServer
from tests.fhir.request_fixtures import prefetched_resources

SERVER = "https://ehr.example.org/fhir"
SERVICE_BY_HOOK = {service.hook: service_id for service_id, service in SERVICE_BY_ID.items()}
APPROVE = "fhir_fixtures/policy/I.A.3.a-approve-adult-cumulative-300.json"
AUTHORIZATION = {
    "access_token": "reads-once-token",
    "token_type": "Bearer",
    "expires_in": 300,
    "scope": "patient/*.read user/*.read",
    "subject": "cds-service",
}


def requests() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((REPO_ROOT / "fhir_fixtures").glob("*/*.json")):
        if path.name.endswith(".expect.json"):
            continue
        body = json.loads(path.read_text())
        if isinstance(body, dict) and isinstance(body.get("context"), dict) and body.get("prefetch"):
            found.append((str(path.relative_to(REPO_ROOT)), body))
    return found


@pytest.fixture
async def fake_server() -> AsyncIterator[tuple[FakeFhirServer, httpx.AsyncClient]]:
    fake = FakeFhirServer(SERVER)
    with respx.mock(using=None, assert_all_mocked=True, assert_all_called=False) as router:
        router.route(url__startswith=SERVER).mock(side_effect=lambda request: fake.handle(request))
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            yield fake, http


def without_prefetch(body: dict[str, Any]) -> dict[str, Any]:
    request = copy.deepcopy(body)
    del request["prefetch"]
    request["fhirServer"] = SERVER
    request["fhirAuthorization"] = AUTHORIZATION
    return request


def read_twice(fake: FakeFhirServer) -> dict[str, int]:
    return {url: n for url, n in Counter(str(r.url) for r in fake.requests).items() if n > 1}


async def test_without_prefetch_every_resource_is_read_once_per_hook_call(
    serve_app: ServeApp, make_settings: Any, fake_server: tuple[FakeFhirServer, httpx.AsyncClient]
) -> None:
    fake, http = fake_server
    cases = requests()
    assert len(cases) > 50  # every policy fixture, the clinical case and the request shapes
    patient_reads = 0
    async with serve_app(make_settings(), http_client=http) as client:
        for name, body in cases:
            fake.resources = prefetched_resources(body)
            fake.requests = []
            service = SERVICE_BY_HOOK[body["hook"]]
            answer = await client.post(f"/cds-services/{service}", json=without_prefetch(body))
            assert answer.status_code in (200, 400, 412), (name, answer.text)  # 400: fixtures of bad requests
            assert read_twice(fake) == {}, name
            reads = [r for r in fake.requests if r.url.path.startswith("/fhir/Patient/")]
            assert len(reads) <= 1, name
            patient_reads += len(reads)
    assert patient_reads > 50  # the dexrazoxane requests did read their Patient, once each


async def test_the_tester_reads_the_fhir_server_once_for_the_cards_and_the_criteria(
    serve_app: ServeApp, make_settings: Any, fake_server: tuple[FakeFhirServer, httpx.AsyncClient]
) -> None:
    fake, http = fake_server
    (body,) = [body for name, body in requests() if name == APPROVE]
    fake.resources = prefetched_resources(body)
    async with serve_app(make_settings(), http_client=http) as client:
        signed = await client.post("/tester/answer", json=without_prefetch(body))
    assert signed.status_code == 200
    answer = signed.json()
    assert [d["order"] for d in answer["determinations"]] == [
        a["resource"]["resourceType"] + "/" + a["resource"]["id"] for a in answer["response"]["systemActions"]
    ]
    assert answer["response"]["cards"]
    assert fake.requests and read_twice(fake) == {}
    assert sum(r.url.path.startswith("/fhir/Patient/") for r in fake.requests) == 1
