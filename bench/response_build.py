"""Figures for the order-sign response step: `build_response` for one dexrazoxane order whose facts sum
300 administrations, in the 2.0.1-safe and 2.2 shapes, plus a Propose Alternate Request case.

Run: .venv/bin/python -m bench.response_build
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import date, timedelta

from cds_service.clinical.facts import DoseLine
from cds_service.policy.determination import Determination
from cds_service.response.fhir_validation import r4_problem
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from tests.response.determinations import TODAY, assessed, hook_request, over_ratio, pend

RUNS = 300


def with_many_doses(determination: Determination, count: int) -> Determination:
    assert determination.facts is not None
    lines = tuple(
        DoseLine(
            f"MedicationAdministration/a{i}",
            "doxorubicin",
            date(2025, 1, 1) + timedelta(days=i),
            1.0,
            1.0,
            1.8,
        )
        for i in range(count)
    )
    return replace(determination, facts=replace(determination.facts, dose_lines=lines))


def per_call_ms(determination: Determination, extension: dict[str, str] | None) -> tuple[float, float]:
    request = hook_request(determination.order_resource, extension=extension)
    settings = Settings()
    build_response(
        assessed(determination), request.options(), settings=settings, today=TODAY
    )  # warm the models
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        build_response(assessed(determination), request.options(), settings=settings, today=TODAY)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    print(f"build_response, {RUNS} runs each (median / p95, ms)")
    cases = {
        "pend, 300 administrations, CRD 2.0.1-safe": (with_many_doses(pend(), 300), None),
        "pend, 300 administrations, CRD 2.2": (
            with_many_doses(pend(), 300),
            {"davinci-crd.requestedVersion": "2.2"},
        ),
        "deny with a dose proposal": (over_ratio(), None),
    }
    for name, (determination, extension) in cases.items():
        median, p95 = per_call_ms(determination, extension)
        print(f"  {name}: {median:.2f} / {p95:.2f}")
    order = pend().order_resource
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        r4_problem(order)
        samples.append((time.perf_counter() - started) * 1000)
    print(f"  R4 validation of the updated MedicationRequest alone: {statistics.median(samples):.3f}")


if __name__ == "__main__":
    main()
