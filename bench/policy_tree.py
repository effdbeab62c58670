"""Time the policy step alone: ``determine`` (pathway, criteria tree, decision, approval, documentation)
and ``determination_to_json`` for one order, on the facts of each fixture case under fhir_fixtures/policy.

Run: .venv/bin/python bench/policy_tree.py [--runs N]

Facts are extracted once per case; only the policy step is timed. Prints figures; the machine is noisy,
so compare medians from one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.evaluation import gather
from cds_service.fhir.pool import Resource
from cds_service.hooks.request import HookRequest
from cds_service.policy.decide import determine
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings

CASES = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "policy"


async def facts_of(body: bytes, today: date, settings: Settings) -> tuple[ClinicalFacts, Resource]:
    request = HookRequest.model_validate(orjson.loads(body))
    async with httpx.AsyncClient() as http:
        gathered = await gather(request.source(), settings=settings, http=http)
    pool, order = gathered.pool, gathered.orders[0]
    return extract_facts(pool, order, today=today, line_of_business_map={}), order


def _today(path: Path) -> date:
    expected = orjson.loads(path.with_name(path.stem + ".expect.json").read_bytes())
    return date.fromisoformat(expected["today"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    settings = Settings()
    paths = sorted(p for p in CASES.glob("*.json") if not p.name.endswith(".expect.json"))
    cases = [asyncio.run(facts_of(path.read_bytes(), _today(path), settings)) for path in paths]
    decide_us: list[float] = []
    render_us: list[float] = []
    for _ in range(args.runs):
        for facts, order in cases:
            began = time.perf_counter()
            determination = determine(facts, order)
            middle = time.perf_counter()
            determination_to_json(determination)
            decide_us.append((middle - began) * 1e6)
            render_us.append((time.perf_counter() - middle) * 1e6)
    for name, figures in (("determine", decide_us), ("determination_to_json", render_us)):
        figures.sort()
        print(
            f"{name}: {len(figures)} calls over {len(cases)} cases, "
            f"median {statistics.median(figures):.0f} µs, "
            f"p95 {figures[int(len(figures) * 0.95)]:.0f} µs, max {figures[-1]:.0f} µs"
        )


if __name__ == "__main__":
    main()
