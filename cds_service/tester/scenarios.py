"""The tester page's scenarios: the hook requests of ``fhir_fixtures/`` with the decision expected beside
each (``NAME.expect.json``), moved to today.

A fixture is written for a fixed "today" (its ``.expect.json`` says which); the service decides as of the
real date. Every full date and date-time in the request is moved by the same number of days, so ages,
intervals ("in the 7 days before"), schedules and approval periods keep their relation to today and the
expected decision still holds. Partial dates (``2008``, ``2008-11``) are left as written: they stand for
an imprecise record, and moving them would change what they leave uncertain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

# Where the fixtures are in a clone of the repository (the package is installed editable by scripts/*);
# an installed wheel has none, and the page then offers only "paste a request".
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fhir_fixtures"
# The folders whose requests are offered, each with its expectations beside it.
SCENARIO_FOLDERS = ("policy", "clinical")

_FULL_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?")
_NAME = re.compile(r"[A-Za-z0-9.\-]{1,200}")


@dataclass(frozen=True)
class Scenario:
    name: str  # "policy/I.A.5-pend-ratio-10.2"
    expected: str  # the expected decision: approve | deny | pend | not-applicable
    today: date  # the date the fixture was written for
    path: Path


def _scenario(folder: str, expect_path: Path) -> Scenario | None:
    request_path = expect_path.with_name(expect_path.name.removesuffix(".expect.json") + ".json")
    if not request_path.is_file():
        return None
    expect = orjson.loads(expect_path.read_bytes())
    if not isinstance(expect, dict) or not isinstance(expect.get("today"), str):
        return None
    return Scenario(
        name=f"{folder}/{request_path.name.removesuffix('.json')}",
        expected=str(expect.get("decision", "")),
        today=date.fromisoformat(expect["today"]),
        path=request_path,
    )


def list_scenarios(root: Path = FIXTURES_DIR) -> list[Scenario]:
    found: list[Scenario] = []
    for folder in SCENARIO_FOLDERS:
        directory = root / folder
        if not directory.is_dir():
            continue
        for expect_path in sorted(directory.glob("*.expect.json")):
            scenario = _scenario(folder, expect_path)
            if scenario is not None:
                found.append(scenario)
    return found


def find_scenario(name: str, root: Path = FIXTURES_DIR) -> Scenario | None:
    """The scenario of that name; ``None`` for an unknown or malformed name (never a path outside)."""
    folder, _, stem = name.partition("/")
    if folder not in SCENARIO_FOLDERS or not _NAME.fullmatch(stem):
        return None
    return next((s for s in list_scenarios(root) if s.name == name), None)


def _shift(text: str, days: timedelta) -> str:
    match = _FULL_DATE.fullmatch(text)
    if match is None:
        return text
    try:
        moved = date(int(match[1]), int(match[2]), int(match[3])) + days
    except (ValueError, OverflowError):
        return text
    return moved.isoformat() + (match[4] or "")


def shift_dates(value: Any, days: timedelta) -> Any:
    """``value`` with every full date and date-time string moved by ``days`` (time of day and offset
    kept)."""
    if isinstance(value, str):
        return _shift(value, days)
    if isinstance(value, list):
        return [shift_dates(item, days) for item in value]
    if isinstance(value, dict):
        return {key: shift_dates(item, days) for key, item in value.items()}
    return value


def scenario_request(scenario: Scenario, *, today: date) -> dict[str, Any]:
    """The scenario's hook request, its dates moved so that the fixture's "today" falls on ``today``."""
    request = orjson.loads(scenario.path.read_bytes())
    moved = shift_dates(request, today - scenario.today)
    assert isinstance(moved, dict)
    return moved


__all__ = ["Scenario", "find_scenario", "list_scenarios", "scenario_request", "shift_dates"]
