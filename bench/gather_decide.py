"""Time gather + decide for a patient with 500 administrations: full prefetch, then everything fetched.

Run: .venv/bin/python bench/gather_decide.py [--runs N] [--administrations N]

The FHIR server is the in-memory fake of tests/fhir behind respx, so the figures are the service's own
CPU cost (parsing, paging, pooling, facts, the criteria tree) without network latency. Prints figures
only; the machine is noisy (docs/performance.md), so compare medians from one run.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import respx

# The repository this bench sits in comes first, ahead of the venv's editable install, so a copy of the
# tree (an older commit, for a before/after comparison) measures its own code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fhir"))

from fake_fhir_server import FakeFhirServer
from request_fixtures import load_json, server_resources

from cds_service.evaluation import decide_all, gather
from cds_service.hooks.request import HookRequest
from cds_service.settings import Settings

TODAY = date(2026, 11, 28)


def big_request(administrations: int) -> dict[str, Any]:
    """The fixture request with ``administrations`` doxorubicin administrations (10 mg/m2 each, daily)."""
    body = load_json("dexrazoxane-full-prefetch.json")
    template = body["prefetch"]["medicationAdministrations"]["entry"][0]
    entries = []
    first = date(2025, 1, 1)
    for n in range(administrations):
        entry = copy.deepcopy(template)
        resource = entry["resource"]
        resource["id"] = f"ma-bench-{n}"
        resource["effectiveDateTime"] = f"{(first + timedelta(days=n % 600)).isoformat()}T10:00:00Z"
        resource["dosage"]["dose"]["value"] = 10 if n % 3 else 18  # some mg/m2, some in mg below
        if n % 3 == 0:
            resource["dosage"]["dose"].update({"unit": "mg", "code": "mg"})
        entry["fullUrl"] = f"{body['fhirServer']}/MedicationAdministration/{resource['id']}"
        entries.append(entry)
    body["prefetch"]["medicationAdministrations"]["entry"] = entries
    # The doses name the fixture's doxorubicin order: it is written before the first of them, or every dose
    # would be one given under an order not yet written (not counted), and the figures would measure that
    # path instead of the common one (tests/test_bench_request.py).
    orders = body["prefetch"]["medicationRequests"]["entry"]
    course = next(entry["resource"] for entry in orders if entry["resource"]["id"] == "mr-dox-1")
    course["authoredOn"] = first.isoformat()
    # ... and gives them daily, as they are charted: under its every-21-days Timing a dose a day would be
    # sooner than its schedule allows (not counted), another path again
    daily = copy.deepcopy(course)
    daily.update(id="mr-dox-daily", status="completed")
    daily["dosageInstruction"][0]["timing"] = {
        "repeat": {"count": administrations, "frequency": 1, "period": 1, "periodUnit": "d"}
    }
    daily["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 10
    for entry in entries:
        entry["resource"]["request"] = {"reference": "MedicationRequest/mr-dox-daily"}
    orders.append({"fullUrl": f"{body['fhirServer']}/MedicationRequest/mr-dox-daily", "resource": daily})
    return body


class TimedServer:
    """The fake server, with the time spent inside it (building and encoding its answers) summed, so
    that it can be told apart from the service's own cost."""

    def __init__(self, fake: FakeFhirServer) -> None:
        self.fake = fake
        self.seconds = 0.0

    def handle(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = self.fake.handle(request)
        response.read()
        self.seconds += time.perf_counter() - started
        return response


Sample = tuple[float, float, float, int]


async def one_run(body: dict[str, Any], settings: Settings, fake: FakeFhirServer) -> Sample:
    request = HookRequest.model_validate(body)
    server = TimedServer(fake)
    with respx.mock(using=None, assert_all_called=False) as router:
        router.route(host=httpx.URL(fake.base).host).mock(side_effect=server.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            fake.requests.clear()
            started = time.perf_counter()
            result = await gather(request.source(), settings=settings, http=http)
            pool = result.pool
            gathered = time.perf_counter()
            determinations = decide_all(result, today=TODAY, settings=settings)
            decided = time.perf_counter()
    assert len(determinations) == 1 and not pool.problems, pool.problems
    gather_ms = (gathered - started) * 1000
    return gather_ms, server.seconds * 1000, (decided - gathered) * 1000, len(fake.requests)


def report(label: str, samples: list[Sample]) -> None:
    gather_ms = [s[0] - s[1] for s in samples]
    server_ms = [s[1] for s in samples]
    decide_ms = [s[2] for s in samples]
    total = [g + d for g, d in zip(gather_ms, decide_ms, strict=True)]
    print(
        f"{label:<22} gather {statistics.median(gather_ms):6.2f} ms (min {min(gather_ms):5.2f})"
        f" + fake server {statistics.median(server_ms):6.2f} ms"
        f" | decide {statistics.median(decide_ms):6.2f} ms (min {min(decide_ms):5.2f})"
        f" | service total {statistics.median(total):6.2f} ms | {samples[0][3]} requests"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--administrations", type=int, default=500)
    args = parser.parse_args()

    settings = Settings()
    full = big_request(args.administrations)
    none = copy.deepcopy(full)
    del none["prefetch"]
    fake = FakeFhirServer(full["fhirServer"], server_resources(full), default_page_size=50)

    print(f"{args.administrations} MedicationAdministrations, {args.runs} runs, medians of wall-clock time")
    print("(gather excludes the time spent inside the fake server, shown apart)")
    for label, body in (("full prefetch", full), ("no prefetch, fetched", none)):
        await one_run(body, settings, fake)  # warm-up: imports, caches
        samples = [await one_run(body, settings, fake) for _ in range(args.runs)]
        report(label, samples)


if __name__ == "__main__":
    asyncio.run(main())
