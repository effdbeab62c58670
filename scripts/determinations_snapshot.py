"""Every hook request under fhir_fixtures/ decided on the pure path, and what each hook tells and keeps of
it, written to one JSON file: for comparing a change that must not move any determination (a performance
change) byte for byte before and after.

For each request file (any JSON under fhir_fixtures/ with a "hook" and a "context"; also the benchmarks'
heavy patients, ``HEAVY_PATIENTS``), decided as of the ``today`` of its ``.expect.json`` (2026-11-28
without one), with a fixed assertion secret and nothing read from any network (what the prefetch lacks is
then unread, as it would be with the FHIR server down):

- ``determinations``: each determination's JSON (``policy.render.determination_to_json``);
- ``response``: the hook's response body (order-select's provisional guidance, or the order-sign /
  order-dispatch response, cards and system actions);
- ``stored``: each determination recorded in a fresh SQLite store and read back: what the claims API
  answers for it (``claims_api.assertion_json``), the DTR pre-fill the store hands out, and the basis
  order-dispatch compares against;
- ``dispatch``: the same determinations answered as order-dispatch against what was recorded (nothing
  changed: the assertion on record stands).

Card uuids are random (uuid4): they are written as "uuid".

Run: .venv/bin/python scripts/determinations_snapshot.py OUT.json [--compare BEFORE.json] [--ignore a.b,c]
``--compare`` prints every request whose entry differs (the first differing path) and exits 1 if any;
``--ignore`` names dotted paths left out of the comparison (fields a change names as changed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gather_decide import big_request  # noqa: E402
from cds_service.claims_api import assertion_json  # noqa: E402
from cds_service.dtr.against_record import against_record  # noqa: E402
from cds_service.dtr.store import record_determinations  # noqa: E402
from cds_service.errors import ServiceError  # noqa: E402
from cds_service.evaluation import decided, gather  # noqa: E402
from cds_service.hooks.discovery import ORDER_SELECT  # noqa: E402
from cds_service.hooks.parse import parse_hook_request  # noqa: E402
from cds_service.policy.basis import stored_basis  # noqa: E402
from cds_service.policy.provisional import provisional  # noqa: E402
from cds_service.policy.render import determination_to_json  # noqa: E402
from cds_service.policy.stored import stored_document  # noqa: E402
from cds_service.response.hook_response import build_response  # noqa: E402
from cds_service.response.provisional_card import provisional_response  # noqa: E402
from cds_service.settings import Settings  # noqa: E402
from cds_service.store.sql import SqlStore  # noqa: E402

FIXTURES = ROOT / "fhir_fixtures"
DEFAULT_TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
# The benchmarks' heavy patients (N prior doxorubicin administrations, full prefetch) are decided too.
HEAVY_PATIENTS = (30, 500)


def _refuse(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, json={"resourceType": "OperationOutcome"})


def _requests() -> list[Path]:
    found = []
    for path in sorted(FIXTURES.rglob("*.json")):
        if path.name.endswith(".expect.json"):
            continue
        try:
            body = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            continue
        if isinstance(body, dict) and "hook" in body and "context" in body:
            found.append(path)
    return found


def _today(path: Path) -> date:
    expect = path.with_name(path.name.removesuffix(".json") + ".expect.json")
    if expect.exists():
        return date.fromisoformat(orjson.loads(expect.read_bytes()).get("today", DEFAULT_TODAY.isoformat()))
    return DEFAULT_TODAY


def _plain(value: Any) -> Any:
    def scrub(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: "uuid" if key == "uuid" else scrub(item) for key, item in node.items()}
        if isinstance(node, list):
            return [scrub(item) for item in node]
        return node

    return scrub(orjson.loads(orjson.dumps(value, default=str)))


async def _one(
    body: bytes, today: date, settings: Settings, http: httpx.AsyncClient, store: SqlStore
) -> dict[str, Any]:
    try:
        request = parse_hook_request(body, None)
        source = request.source()
        evaluation = decided(
            await gather(source, settings=settings, http=http), source, today=today, settings=settings
        )
    except ServiceError as error:
        return {"error": [type(error).__name__, error.status, str(error)]}
    entry: dict[str, Any] = {
        "determinations": [determination_to_json(d) for d in evaluation.determinations],
    }
    if request.hook == ORDER_SELECT:
        guidance = [provisional(d) for d in evaluation.determinations]
        entry["response"] = provisional_response(guidance, request.options(), settings=settings)
        return _plain(entry)
    assessed = evaluation.assessed
    entry["response"] = build_response(assessed, request.options(), settings=settings, today=today)
    ids = await record_determinations(
        store, assessed, patient_id=request.patient_id, now=NOW, retention_days=settings.retention_days
    )
    stored = []
    for assertion_id in ids:
        found = await store.determination(assertion_id, now=NOW)
        assert found is not None
        record = found
        stored.append(
            {
                "claims_api": assertion_json(record),
                "prefill": record.prefill,
                "basis": stored_basis(record.basis, partial(stored_document, record)).as_json(),
            }
        )
    entry["stored"] = stored
    unchanged = await against_record(store, assessed, now=NOW)
    entry["dispatch"] = {
        "unchanged": build_response(unchanged, request.options(), settings=settings, today=today),
    }
    return _plain(entry)


async def snapshot() -> dict[str, Any]:
    settings = Settings(assertion_secret="snapshot-secret")  # type: ignore[arg-type]  # noqa: S106
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        store = SqlStore.from_settings(Settings(database_url=f"sqlite:///{folder}/snapshot.sqlite3"))
        try:
            async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
                for path in _requests():
                    name = str(path.relative_to(ROOT))
                    result[name] = await _one(path.read_bytes(), _today(path), settings, http, store)
                for size in HEAVY_PATIENTS:
                    body = big_request(size)
                    del body["fhirServer"], body["fhirAuthorization"]
                    name = f"bench.gather_decide.big_request({size})"
                    result[name] = await _one(orjson.dumps(body), DEFAULT_TODAY, settings, http, store)
        finally:
            await store.close()
    return result


def _first_difference(before: Any, after: Any, where: str, ignored: set[str]) -> str | None:
    if _generic(where.lstrip(".")) in ignored:
        return None
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if key not in before or key not in after:
                path = f"{where}.{key}".lstrip(".")
                if path not in ignored and _generic(path) not in ignored:
                    return f"{path}: only {'after' if key in after else 'before'}"
                continue
            found = _first_difference(before[key], after[key], f"{where}.{key}", ignored)
            if found:
                return found
        return None
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return f"{where.lstrip('.')}: {len(before)} items -> {len(after)}"
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            found = _first_difference(old, new, f"{where}.{index}", ignored)
            if found:
                return found
        return None
    if before != after and _generic(where.lstrip(".")) not in ignored:
        return f"{where.lstrip('.')}: {str(before)[:120]!r} -> {str(after)[:120]!r}"
    return None


def _generic(path: str) -> str:
    """The path with list indices written as '*' (``stored.*.claims_api.determination``)."""
    return ".".join("*" if part.isdigit() else part for part in path.split("."))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--ignore", default="", help="comma-separated paths, list indices written '*'")
    args = parser.parse_args()
    result = asyncio.run(snapshot())
    args.out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    print(f"{len(result)} requests written to {args.out}")
    if args.compare is None:
        return 0
    before = orjson.loads(args.compare.read_bytes())
    ignored = {path for path in args.ignore.split(",") if path}
    differing = 0
    for name in sorted(set(before) | set(result)):
        found = _first_difference(before.get(name), result.get(name), "", ignored)
        if found:
            differing += 1
            print(f"{name}: {found}")
    print(f"{differing} of {len(result)} requests differ")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
