"""Two service processes (uvicorn, as deployed) on one PostgreSQL: what one replica was told, the other
knows; a token replayed to the other is refused; a replica killed mid-load loses nothing it answered."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from cds_service.hooks.discovery import DISPATCH_SERVICE_ID, SERVICE_ID
from tests.auth.tokens import BASE_URL, ISSUER, ec_key, jwks, mint
from tests.hooks.workflow import as_dispatch
from tests.local_server import free_port, wait_ready
from tests.store.conftest import fresh_database
from tests.store.hook_requests import assertion_ids, hook_body, hook_bytes
from tests.store.postgres import PostgresServer

SERVICE = f"/cds-services/{SERVICE_ID}"
DISPATCH = f"/cds-services/{DISPATCH_SERVICE_ID}"
PACKAGE = "/fhir/Questionnaire/$questionnaire-package"
CLAIMS = {"Authorization": "Bearer claims-token"}


class Replica:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "cds_service.app:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        self.process = subprocess.Popen(
            command, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_ready(self.url, self.process, seconds=60)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
async def database(postgres: PostgresServer) -> str:
    return await fresh_database(postgres)


@pytest.fixture
def replicas(database: str, tmp_path: Path) -> Iterator[Callable[[], Replica]]:
    (tmp_path / "jwks.json").write_bytes(orjson.dumps(jwks(ec_key())))
    env = {
        **os.environ,
        "CDS_DATABASE_URL": database,
        "CDS_AUTH_REQUIRED": "true",
        "CDS_TRUSTED_ISSUERS": orjson.dumps({ISSUER: str(tmp_path / "jwks.json")}).decode(),
        "CDS_PUBLIC_BASE_URL": BASE_URL,  # both behind one load balancer: one audience
        "CDS_ASSERTION_SECRET": "shared-by-every-replica",
        "CDS_CLAIMS_API_TOKENS": '["claims-token"]',
        # The SIGKILL test sends many hooks at once: admitted, not shed (see tests/hooks/test_admission.py)
        "CDS_MAX_HOOKS_IN_FLIGHT": "128",
    }
    started: list[Replica] = []

    def start() -> Replica:
        replica = Replica(env, tmp_path)
        started.append(replica)
        replica.start()
        return replica

    try:
        yield start
    finally:
        for replica in started:
            replica.stop()


def bearer(path: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(ec_key(), BASE_URL + path)}"}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def test_two_replicas_share_assertions_prefill_and_replay_refusal(
    replicas: Callable[[], Replica], http: httpx.AsyncClient
) -> None:
    first, second = replicas(), replicas()
    token = bearer(SERVICE)
    answered = await http.post(first.url + SERVICE, content=hook_bytes(), headers=token)
    replayed = await http.post(second.url + SERVICE, content=hook_bytes(), headers=token)
    assert answered.status_code == 200, answered.text
    assert replayed.status_code == 401  # the jti was recorded by the first replica

    (assertion_id,) = assertion_ids(answered.json())
    coverage = hook_body()["prefetch"]["coverage"]["entry"][0]["resource"]
    package = await http.post(
        second.url + PACKAGE,
        headers=bearer(PACKAGE),
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "coverage", "resource": coverage},
                {"name": "context", "valueString": assertion_id},
            ],
        },
    )
    assert package.status_code == 200, package.text
    assert package.json()["parameter"][0]["resource"]["entry"][1]["resource"]["item"]  # pre-filled

    found = await http.get(f"{second.url}/coverage-assertions/{assertion_id}", headers=CLAIMS)
    assert found.status_code == 200
    assert found.json()["decision"] == "approve" and found.json()["client"] == ISSUER


async def test_order_dispatch_on_one_replica_returns_the_assertion_order_sign_stored_on_the_other(
    replicas: Callable[[], Replica], http: httpx.AsyncClient
) -> None:
    """The store is the memory across replicas: signed on the first, dispatched on the second with nothing
    changed, the second tells the assertion the first made (the same id, satisfied-pa-id and day), and
    says so on the card; with a dose charted since, it decides again under the same id."""
    first, second = replicas(), replicas()
    sign = hook_body("dex-dispatched")
    signed = await http.post(first.url + SERVICE, content=orjson.dumps(sign), headers=bearer(SERVICE))
    assert signed.status_code == 200, signed.text
    dispatched = await http.post(
        second.url + DISPATCH,
        content=orjson.dumps(as_dispatch(sign, response=signed.json())),
        headers=bearer(DISPATCH),  # the JWT's aud is the dispatch service's own URL
    )
    assert dispatched.status_code == 200, dispatched.text

    def coverage_information(response: httpx.Response) -> dict[str, object]:
        (action,) = response.json()["systemActions"]
        (extension,) = [
            e for e in action["resource"]["extension"] if e["url"].endswith("ext-coverage-information")
        ]
        return {
            part["url"]: next(v for k, v in part.items() if k.startswith("value"))
            for part in extension["extension"]
        }

    at_signing, at_dispatch = coverage_information(signed), coverage_information(dispatched)
    for part in ("coverage-assertion-id", "satisfied-pa-id", "date", "covered", "pa-needed"):
        assert at_dispatch[part] == at_signing[part], part
    assert dispatched.json()["cards"][0]["detail"].startswith("**Unchanged since ")

    later = as_dispatch(sign, response=signed.json())
    administrations = later["prefetch"]["medicationAdministrations"]
    extra = {**administrations["entry"][-1], "fullUrl": "urn:uuid:charted-since"}
    extra["resource"] = {
        **extra["resource"],
        "id": "charted-since",
        "effectiveDateTime": "2026-11-27T09:00:00Z",
    }
    administrations["entry"].append(extra)
    administrations["total"] = len(administrations["entry"])
    changed = await http.post(second.url + DISPATCH, content=orjson.dumps(later), headers=bearer(DISPATCH))
    assert changed.status_code == 200, changed.text
    assert coverage_information(changed)["coverage-assertion-id"] == at_signing["coverage-assertion-id"]
    assert changed.json()["cards"][0]["detail"].startswith("**Determination changed since ")
    found = await http.get(
        f"{first.url}/coverage-assertions/{at_signing['coverage-assertion-id']}", headers=CLAIMS
    )
    assert found.status_code == 200
    assert found.json()["determination"]["facts"]["cumulative_doxorubicin_mg_m2"] > 300  # what was told last


async def test_a_replica_killed_mid_load_loses_no_assertion_it_answered(
    replicas: Callable[[], Replica], http: httpx.AsyncClient
) -> None:
    victim = replicas()

    async def sign(n: int) -> list[str]:
        answer = await http.post(
            victim.url + SERVICE, content=hook_bytes(f"dex-{n}"), headers=bearer(SERVICE)
        )
        assert answer.status_code == 200
        return assertion_ids(answer.json())

    tasks = [asyncio.create_task(sign(n)) for n in range(60)]
    answered: list[str] = []
    pending: set[asyncio.Task[list[str]]] = set(tasks)
    while pending and len(answered) < 10:  # kill once some answers are out and others are in flight
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            answered.extend(task.result())
    victim.kill()
    for outcome in await asyncio.gather(*pending, return_exceptions=True):
        if isinstance(outcome, list):
            answered.extend(outcome)  # answered just before the kill
    assert len(answered) >= 10 and pending  # some calls were cut off by the kill

    restarted = replicas()
    for assertion_id in answered:
        found = await http.get(f"{restarted.url}/coverage-assertions/{assertion_id}", headers=CLAIMS)
        assert found.status_code == 200, assertion_id
