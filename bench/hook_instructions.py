"""Instructions per order-sign hook, counted by valgrind's callgrind: a figure a shared, noisy machine does
not move (CPU time moves by 2x with the load; the instruction count of the same work moves by well under
1 %), for comparing two trees of the code one after the other.

For each N, a child process (``--child``) is started under ``valgrind --tool=callgrind --instr-atstart=no``
(start-up and imports run uninstrumented, which is still slow: about a minute), warms up with a few hooks,
then this process switches instrumentation on (``callgrind_control -i on``), the child runs ``--hooks``
hooks, and instrumentation is switched off before it exits: the count is of those hooks alone, every
thread of the child included (the store's driver thread).

What runs per hook (``--what``):
- ``hook``: POST through the app in process (ASGI, no network; full prefetch; SQLite store), the route's
  whole work (middleware, parsing, gathering, deciding, storing, the response, the log line);
- ``path``: the decision path without the app (``bench.hook_phases``'s steps: parse, gather, facts and
  criteria, record, save, the response and its encoding);
- ``parse``, ``gather``, ``decide`` (facts, criteria, coverage assertion), ``record`` (the store's record
  built), ``save``, ``response`` (built and encoded), ``encode``: one step of that path alone;
- ``loads``: ``orjson.loads`` of the request body, the floor any JSON service pays for it.

Run: .venv/bin/python -m bench.hook_instructions [--sizes 30,500] [--hooks 5] [--what hook]
Needs valgrind (Debian ``valgrind``); takes minutes. Prints instructions per hook and, with two sizes or
more, the least-squares slope per administration and the intercept.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What runs per hook: the whole hook through the app, the decision path without the app, or one step of it.
EXTRA_VALGRIND = os.environ.get("BENCH_VALGRIND_ARGS", "").split()
WHAT = ["hook", "path", "parse", "gather", "decide", "record", "save", "response", "encode", "loads"]


async def _child(size: int, hooks: int, what: str) -> None:
    from datetime import UTC, date, datetime

    import httpx
    import orjson

    from bench.hook_cpu import body_of
    from bench.http_bench import wait_ready
    from cds_service.app import create_app
    from cds_service.dtr.store import determination_records
    from cds_service.evaluation import decided, gather
    from cds_service.hooks.discovery import SERVICE_ID
    from cds_service.hooks.parse import parse_hook_request
    from cds_service.response.hook_response import build_response
    from cds_service.settings import Settings
    from cds_service.store.sql import SqlStore

    folder = tempfile.mkdtemp()
    raw = body_of(size)
    today = date(2026, 11, 28)
    app = create_app(Settings(data_dir=folder))
    store = SqlStore.from_settings(Settings(database_url=f"sqlite:///{folder}/decide.sqlite3"))
    await store.migrate()
    settings = Settings()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        httpx.AsyncClient() as http,
    ):
        request = parse_hook_request(raw)
        source = request.source()
        gathered = await gather(source, settings=settings, http=http)
        evaluation = decided(gathered, source, today=today, settings=settings)
        records = determination_records(
            evaluation.assessed, patient_id="p", client="", now=datetime.now(UTC), retention_days=365
        )
        body = build_response(evaluation.assessed, request.options(), settings=settings, today=today)

        async def whole_hook() -> None:
            answer = await client.post(
                f"/cds-services/{SERVICE_ID}", content=raw, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 200, answer.text

        async def decide_path() -> None:
            request = parse_hook_request(raw)
            source = request.source()
            evaluation = decided(
                await gather(source, settings=settings, http=http), source, today=today, settings=settings
            )
            records = determination_records(
                evaluation.assessed, patient_id="p", client="", now=datetime.now(UTC), retention_days=365
            )
            await store.save_determinations(records)
            answer = build_response(evaluation.assessed, request.options(), settings=settings, today=today)
            orjson.dumps(answer)

        async def parse() -> None:
            parse_hook_request(raw).source()

        async def gather_step() -> None:
            await gather(source, settings=settings, http=http)

        async def decide() -> None:
            decided(gathered, source, today=today, settings=settings)

        async def record() -> None:
            determination_records(
                evaluation.assessed, patient_id="p", client="", now=datetime.now(UTC), retention_days=365
            )

        async def save() -> None:
            await store.save_determinations(records)

        async def respond() -> None:
            answer = build_response(evaluation.assessed, request.options(), settings=settings, today=today)
            orjson.dumps(answer)

        async def encode() -> None:
            orjson.dumps(body)

        async def loads() -> None:
            orjson.loads(raw)

        one = {
            "hook": whole_hook,
            "path": decide_path,
            "parse": parse,
            "gather": gather_step,
            "decide": decide,
            "record": record,
            "save": save,
            "response": respond,
            "encode": encode,
            "loads": loads,
        }[what]

        # Start-up's warm-up (imports, a thread) must be over, or the count would hold it.
        await wait_ready(client, "/readyz")
        for _ in range(3):
            await one()
        print("READY", file=sys.stderr, flush=True)
        sys.stdin.readline()
        for _ in range(hooks):
            await one()
        print("DONE", file=sys.stderr, flush=True)
        sys.stdin.readline()
    await store.close()


def _count(size: int, hooks: int, what: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        child = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                *EXTRA_VALGRIND,
                sys.executable,
                "-m",
                "bench.hook_instructions",
                "--child",
                str(size),
                "--hooks",
                str(hooks),
                "--what",
                what,
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,  # the service's log lines, written as in production
            stderr=subprocess.PIPE,  # valgrind's report and the child's markers
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdin is not None and child.stderr is not None
        said: list[str] = []  # the child's last lines, to say why it ended
        for marker, switch in (("READY", "on"), ("DONE", "off")):
            for line in child.stderr:
                if line.strip() == marker:
                    break
                said = [*said[-30:], line]
            else:
                raise RuntimeError(f"the child ended before {marker}:\n{''.join(said)}")
            control = ["callgrind_control", "-i", switch, str(child.pid)]
            subprocess.run(control, check=True, capture_output=True)
            child.stdin.write("\n")
            child.stdin.flush()
        _, report = child.communicate()
        # valgrind's own summary (the output file's totals line is written per dump, not per run)
        collected = re.search(r"Collected\s*:\s*([\d,]+)", report)
        assert collected is not None, report[-2000:]
        return int(collected.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="30,500")
    parser.add_argument("--hooks", type=int, default=5)
    parser.add_argument("--what", choices=WHAT, default="hook")
    parser.add_argument("--child", type=int, default=None)
    arguments = parser.parse_args()
    if arguments.child is not None:
        asyncio.run(_child(arguments.child, arguments.hooks, arguments.what))
        return
    sizes = [int(size) for size in arguments.sizes.split(",")]
    counts = {}
    for size in sizes:
        counts[size] = _count(size, arguments.hooks, arguments.what) / arguments.hooks
        print(f"N={size:<5} {counts[size] / 1e6:9.2f} M instructions per {arguments.what}", flush=True)
    if len(sizes) > 1:
        from bench.hook_phases import fit

        slope, intercept = fit(sizes, [counts[size] for size in sizes])
        print(f"slope {slope / 1e3:.1f} k instructions per administration, intercept {intercept / 1e6:.2f} M")


if __name__ == "__main__":
    main()
