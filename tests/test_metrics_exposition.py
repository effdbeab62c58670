"""``GET /metrics`` after real hook calls: the series move, with their labels, and carry no identifier."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import respx
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

from cds_service import metrics
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.metrics_exposition import MULTIPROC_ENV, prepare_multiprocess_dir
from tests.conftest import REPO_ROOT, ServeApp

SERVICE = f"/cds-services/{SERVICE_ID}"
CASES = REPO_ROOT / "fhir_fixtures" / "policy"
CASE = CASES / "I.A.2-pend-internist-without-consultation.json"
CASE_EXPECTED = CASES / "I.A.2-pend-internist-without-consultation.expect.json"
FHIR = "https://ehr.example.org/fhir"
ACCESS_TOKEN = "fhir-token-metrics-7d1e"
HOOK_INSTANCE = "d6b0c3b2-0f0e-4a8e-9c5e-metrics-test"
PATIENT = "pat-metrics-4411"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient) -> Samples:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return parse(answer.text)


def hook_with_a_fhir_server(patient: str = "pat") -> dict[str, Any]:
    """The I.A.2 pend case, with its procedures left for fhirServer to answer (one search)."""
    body: dict[str, Any] = orjson.loads(CASE.read_bytes())
    del body["prefetch"]["procedures"]
    body["fhirServer"] = FHIR
    body["fhirAuthorization"] = {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "cds-service",
    }
    body["hookInstance"] = HOOK_INSTANCE
    if patient != "pat":
        text = (
            orjson.dumps(body)
            .decode()
            .replace('"pat"', f'"{patient}"')
            .replace("Patient/pat", f"Patient/{patient}")
        )
        body = orjson.loads(text)
    return body


def fhir_server(status: int = 200) -> httpx.AsyncClient:
    router = respx.Router(assert_all_mocked=True)
    router.get(url__startswith=f"{FHIR}/Procedure").mock(
        return_value=httpx.Response(status, json={"resourceType": "Bundle", "type": "searchset", "entry": []})
    )
    return httpx.AsyncClient(transport=httpx.MockTransport(router.handler))


async def test_a_hook_moves_the_decision_the_fhir_query_and_the_latency_series(
    serve_app: ServeApp, make_settings: Callable[..., Any]
) -> None:
    expected = orjson.loads(CASE_EXPECTED.read_bytes())
    settings = make_settings(fhir_server_allowlist=[FHIR])
    async with fhir_server() as http, serve_app(settings, http_client=http) as client:
        before = await scrape(client)
        answer = await client.post(SERVICE, json=hook_with_a_fhir_server())
        assert answer.status_code == 200
        after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    decision = {"hook": "order-sign", "decision": expected["decision"], "pathway": expected["pathway"]}
    assert moved("cds_decisions_total", **decision) == 1
    assert (
        sum(v for (n, _), v in after.items() if n == "cds_decisions_total")
        - sum(v for (n, _), v in before.items() if n == "cds_decisions_total")
        == 1
    )  # one dexrazoxane order, one determination: the doxorubicin draft is not counted
    assert moved("cds_fhir_query_duration_seconds_count", status="ok") == 1
    assert moved("cds_hook_duration_seconds_count", hook="order-sign", outcome="ok") == 1
    assert moved("cds_hook_duration_seconds_sum", hook="order-sign", outcome="ok") > 0


async def test_a_failed_fhir_query_is_counted_with_its_status(
    serve_app: ServeApp, make_settings: Callable[..., Any]
) -> None:
    settings = make_settings(fhir_server_allowlist=[FHIR])
    async with fhir_server(status=503) as http, serve_app(settings, http_client=http) as client:
        before = await scrape(client)
        await client.post(SERVICE, json=hook_with_a_fhir_server())
        after = await scrape(client)
    name = "cds_fhir_query_duration_seconds_count"
    assert value(after, name, status="http_error") - value(before, name, status="http_error") == 1
    assert value(after, name, status="ok") == value(before, name, status="ok")


async def test_a_400_is_counted_with_its_reason_and_as_a_client_error(
    serve_app: ServeApp, make_settings: Callable[..., Any]
) -> None:
    async with serve_app(make_settings()) as client:
        before = await scrape(client)
        answer = await client.post(SERVICE, content=b"{not json")
        assert answer.status_code == 400
        reason = answer.json()["issue"][0]["code"]
        unknown = await client.post("/cds-services/no-such-service", json={})
        assert unknown.status_code == 404
        after = await scrape(client)
    errors = "cds_http_errors_total"
    assert reason == "invalid"
    assert (
        value(after, errors, status="400", reason="invalid")
        - value(before, errors, status="400", reason="invalid")
        == 1
    )
    assert (
        value(after, errors, status="404", reason="not-found")
        - value(before, errors, status="404", reason="not-found")
        == 1
    )
    latency = "cds_hook_duration_seconds_count"
    client_error = {"hook": "order-sign", "outcome": "client_error"}
    assert value(after, latency, **client_error) - value(before, latency, **client_error) == 1


async def test_a_refused_client_token_is_counted_as_a_401(
    serve_app: ServeApp, make_settings: Callable[..., Any], tmp_path: Path
) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    settings = make_settings(auth_required=True, trusted_issuers={"https://ehr.example.org": str(jwks)})
    async with serve_app(settings) as client:
        before = await scrape(client)  # /metrics itself needs no client JWT
        assert (await client.post(SERVICE, json={})).status_code == 401
        after = await scrape(client)
    name = "cds_http_errors_total"
    assert (
        value(after, name, status="401", reason="security")
        - value(before, name, status="401", reason="security")
        == 1
    )


async def test_the_readiness_probe_is_not_counted_as_an_error(
    serve_app: ServeApp, make_settings: Callable[..., Any]
) -> None:
    from cds_service.app import create_app

    app = create_app(make_settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        before = await scrape(client)
        assert (await client.get("/readyz")).status_code == 503  # no lifespan: not warmed up
        after = await scrape(client)
    assert value(after, "cds_http_errors_total", status="503", reason="transient") == value(
        before, "cds_http_errors_total", status="503", reason="transient"
    )


async def test_every_declared_series_is_exposed_and_no_identifier_is(
    serve_app: ServeApp, make_settings: Callable[..., Any]
) -> None:
    settings = make_settings(fhir_server_allowlist=[FHIR])
    request = hook_with_a_fhir_server(patient=PATIENT)
    async with fhir_server() as http, serve_app(settings, http_client=http) as client:
        assert (await client.post(SERVICE, json=request)).status_code == 200
        bad = copy.deepcopy(request)
        bad["hook"] = "patient-view-" + PATIENT  # a client's text quoted in the error body, never a label
        assert (await client.post(SERVICE, json=bad)).status_code == 400
        text = (await client.get("/metrics")).text

    declared = {
        family.name
        for collector in vars(metrics).values()
        if isinstance(collector, MetricWrapperBase)
        for family in collector.describe()
    }
    exposed = {family.name for family in text_string_to_metric_families(text)}
    assert len(declared) >= 10 and declared <= exposed
    for identifier in (
        PATIENT,
        HOOK_INSTANCE,
        ACCESS_TOKEN,
        "ehr.example.org",
        "Practitioner/prescriber",
        "prescriber",
        "dexrazoxane-order-sign",
        "MedicationRequest",
    ):
        assert identifier not in text, identifier
    assert "patient-view" not in text


def no_sample_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset for the test, and unset again after it whatever the test sets (``delenv`` of an unset
    variable records nothing to undo)."""
    monkeypatch.setenv(MULTIPROC_ENV, "")
    monkeypatch.delenv(MULTIPROC_ENV)


def test_one_worker_needs_no_sample_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    no_sample_directory(monkeypatch)
    assert prepare_multiprocess_dir(1) is None
    assert MULTIPROC_ENV not in os.environ


def test_several_workers_get_a_fresh_directory_named_before_they_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_sample_directory(monkeypatch)
    created = prepare_multiprocess_dir(2)
    try:
        assert created is not None and created.is_dir() and not any(created.iterdir())
        assert os.environ[MULTIPROC_ENV] == str(created)
    finally:
        if created is not None:
            created.rmdir()


def test_a_directory_the_operator_names_is_emptied_of_samples_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    directory = tmp_path / "prom"
    directory.mkdir()
    (directory / "counter_4242.db").write_bytes(b"stale")
    (directory / "histogram_4243.db").write_bytes(b"stale")
    (directory / "notes.txt").write_text("not ours")
    monkeypatch.setenv(MULTIPROC_ENV, str(directory))
    assert prepare_multiprocess_dir(1) is None  # named by the operator: kept, not removed at exit
    assert sorted(p.name for p in directory.iterdir()) == ["notes.txt"]


async def test_a_scrape_sums_the_workers_while_the_variable_is_out_of_the_environment(
    serve_app: ServeApp, make_settings: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision pool takes PROMETHEUS_MULTIPROC_DIR out of the environment while it starts its fork
    server; a scrape read in a thread meanwhile answered with this process's registry alone (the Python
    collector's series, no worker's sums). The app reads the directory once, when it is made."""
    samples = tmp_path / "samples"
    samples.mkdir()
    monkeypatch.setenv(MULTIPROC_ENV, str(samples))
    async with serve_app(make_settings()) as client:
        monkeypatch.delenv(MULTIPROC_ENV)
        text = (await client.get("/metrics")).text
    names = {name for name, _labels in parse(text)}
    assert not any(name.startswith(("python_gc_", "process_")) for name in names), sorted(names)[:5]
