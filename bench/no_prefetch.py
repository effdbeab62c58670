"""The hook with nothing prefetched, in process, against a FHIR server that answers every request after a
fixed latency (``--latency`` ms; the in-memory fake of tests/fhir behind respx, its own work timed apart):
the timeline of one hook's decision path (parse -> gather -> facts -> policy -> response -> store) and
the figure total - slowest query.

For each run: when the first FHIR request leaves (after the request is parsed), when the last answer
arrives, when the decision path ends (the response built and encoded, the determination stored); and the
slowest single query the hook sent, all its pages, read alone with the same latency. Medians of
``--runs``. What is left after the last answer is the service's own work on the critical path; the fake
server's time (building and encoding its answers, which a real server does elsewhere) is subtracted.

Run: .venv/bin/python -m bench.no_prefetch [--administrations 30,500] [--latency 20] [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import orjson
import respx
import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fhir"))

from fake_fhir_server import FakeFhirServer
from request_fixtures import server_resources

from bench.gather_decide import big_request
from cds_service.dtr.store import record_determinations
from cds_service.evaluation import decided, gather
from cds_service.gc_tuning import tune_gc
from cds_service.hooks.parse import parse_hook_request
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from cds_service.store.sql import SqlStore

TODAY = date(2026, 11, 28)


class SlowServer:
    """The fake server answering each request ``latency`` seconds after it arrived; records when each
    request arrived and when its answer left, and the time spent building answers."""

    def __init__(self, fake: FakeFhirServer, latency: float) -> None:
        self.fake = fake
        self.latency = latency
        self.log: list[tuple[str, float, float]] = []
        self.own = 0.0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        arrived = time.perf_counter()
        built = time.perf_counter()
        response = self.fake.handle(request)
        response.read()
        self.own += time.perf_counter() - built
        await asyncio.sleep(max(0.0, self.latency - (time.perf_counter() - arrived)))
        self.log.append((str(request.url), arrived, time.perf_counter()))
        return response


async def _slowest_query(server: SlowServer, urls: list[str], http: httpx.AsyncClient) -> float:
    """The slowest single query (its first URL, then every next page) read alone."""
    slowest = 0.0
    for url in urls:
        began = time.perf_counter()
        for _ in range(50):  # bounded
            page = (await http.get(url)).json()
            following = [link["url"] for link in page.get("link", []) if link.get("relation") == "next"]
            if not following:
                break
            url = following[0]
        slowest = max(slowest, time.perf_counter() - began)
    return slowest * 1000


async def one_size(administrations: int, latency: float, runs: int, store: SqlStore) -> dict[str, float]:
    body = big_request(administrations)
    fake = FakeFhirServer(body["fhirServer"], server_resources(body), max_page_size=1000)
    del body["prefetch"]
    raw = orjson.dumps(body)
    settings = Settings(allow_unauthenticated_fhir=True, fhir_server_allowlist=[body["fhirServer"]])
    samples: dict[str, list[float]] = {
        name: []
        for name in ("before", "span", "after", "gather", "decide", "respond", "total", "slowest", "server")
    }
    server = SlowServer(fake, latency)
    with respx.mock(using=None, assert_all_called=False) as router:
        router.route(host=httpx.URL(fake.base).host).mock(side_effect=server.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:

            async def hook() -> list[float]:
                began = time.perf_counter()
                request = parse_hook_request(copy.copy(raw))
                source = request.source()
                gathered = await gather(source, settings=settings, http=http)
                at_gathered = time.perf_counter()
                evaluation = decided(gathered, source, today=TODAY, settings=settings)
                at_decided = time.perf_counter()
                await record_determinations(
                    store, evaluation.assessed, patient_id=request.patient_id, now=datetime.now(UTC)
                )
                answer = build_response(
                    evaluation.assessed, request.options(), settings=settings, today=TODAY
                )
                orjson.dumps(answer)
                return [began, at_gathered, at_decided, time.perf_counter()]

            for _ in range(3):
                await hook()
            tune_gc()
            for _ in range(runs):
                server.log.clear()
                server.own = 0.0
                began, gathered_at, decided_at, ended = await hook()
                first = min(arrived for _, arrived, _ in server.log)
                last = max(answered for _, _, answered in server.log)
                samples["before"].append((first - began) * 1000)
                samples["span"].append((last - first) * 1000)
                samples["after"].append((ended - last) * 1000)
                samples["gather"].append((gathered_at - last) * 1000)
                samples["decide"].append((decided_at - gathered_at) * 1000)
                samples["respond"].append((ended - decided_at) * 1000)
                samples["total"].append((ended - began) * 1000)
                samples["server"].append(server.own * 1000)
                requests = len(server.log)
            queries = [url for url, _, _ in server.log if "?" in url and "_offset=" not in url]
            for _ in range(3):
                samples["slowest"].append(await _slowest_query(server, queries, http))
    figures = {name: statistics.median(values) for name, values in samples.items()}
    figures["requests"] = requests
    figures["over"] = figures["total"] - figures["slowest"]
    return figures


async def main(sizes: list[int], latency_ms: float, runs: int) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    folder = tempfile.mkdtemp()
    store = SqlStore.from_settings(Settings(database_url=f"sqlite:///{folder}/no-prefetch.sqlite3"))
    await store.migrate()
    print(f"No prefetch, in process, FHIR latency {latency_ms:g} ms per request, medians of {runs} hooks")
    print(
        "| N | requests | before the first query | FHIR span (the fake server's own work) "
        "| after the last answer (gather + decide + store, respond) | total | slowest query alone "
        "| total - slowest |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in sizes:
        f = await one_size(size, latency_ms / 1000, runs, store)
        print(
            f"| {size} | {f['requests']:.0f} | {f['before']:.1f} ms | {f['span']:.1f} ms ({f['server']:.1f})"
            f" | {f['after']:.1f} ms ({f['gather']:.1f} + {f['decide']:.1f} + {f['respond']:.1f})"
            f" | {f['total']:.1f} ms | {f['slowest']:.1f} ms | {f['over']:+.1f} ms |"
        )
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--administrations", default="30,500")
    parser.add_argument("--latency", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    asyncio.run(
        main([int(n) for n in arguments.administrations.split(",")], arguments.latency, arguments.runs)
    )
