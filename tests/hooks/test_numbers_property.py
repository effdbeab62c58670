"""A property of the order-sign route: numbers anywhere in a timing, a dose or a date, at any magnitude,
are answered 200 (with the fact they feed unknown) or a 4xx, never a 500 or a 503, and the work stays
under the caps: no planned schedule the service builds holds more doses than
``limits.PLANNED_DOSES_PER_ORDER`` (every one is measured as it is built)."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.app import create_app
from cds_service.clinical.limits import PLANNED_DOSES_PER_ORDER
from cds_service.clinical.schedule import PlannedSchedule
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import Settings
from cds_service.tester.scenarios import shift_dates

SERVICE = f"/cds-services/{SERVICE_ID}"
POLICY = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "policy"
# A cardioprotection case (planned totals, the dose ratio) and an extravasation one (the course's days).
NAMES = ("I.A.3.b.vi-approve-sarcoma-planned-250", "I.B-approve-extravasation-2000-2000-1000")
Json = dict[str, Any]


def base_request(name: str) -> Json:
    """The case moved to today, with every place a number or a date can sit in the record filled: a second
    draft, an active order, a CarePlan activity, a height and a weight, a dose in mg."""
    expect = orjson.loads((POLICY / f"{name}.expect.json").read_bytes())
    body: Json = shift_dates(
        orjson.loads((POLICY / f"{name}.json").read_bytes()),
        date.today() - date.fromisoformat(expect["today"]),
    )
    drafts = [e["resource"] for e in body["context"]["draftOrders"]["entry"]]
    if len(drafts) < 2:
        second = copy.deepcopy(drafts[0])
        second["id"] = "second"
        body["context"]["draftOrders"]["entry"].append({"resource": second})
        drafts.append(second)
    active = copy.deepcopy(drafts[1])
    active.update({"id": "doxorubicin-active", "status": "active"})
    today = date.today().isoformat()
    prefetch = body["prefetch"]
    prefetch["medicationRequests"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": active}],
    }
    prefetch["carePlans"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "CarePlan",
                    "id": "plan",
                    "status": "active",
                    "intent": "plan",
                    "subject": {"reference": "Patient/pat"},
                    "created": today,
                    "activity": [
                        {
                            "detail": {
                                "status": "scheduled",
                                "productCodeableConcept": drafts[1]["medicationCodeableConcept"],
                                "dailyAmount": {"value": 50, "code": "mg/m2"},
                                "scheduledTiming": copy.deepcopy(drafts[1]["dosageInstruction"][0]["timing"]),
                            }
                        }
                    ],
                }
            }
        ],
    }
    prefetch["observations"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": _observation("height", "8302-2", 170, "cm", today)},
            {"resource": _observation("weight", "29463-7", 70, "kg", today)},
        ],
    }
    in_mg = copy.deepcopy(prefetch["medicationAdministrations"]["entry"][0]["resource"])
    in_mg.update({"id": "dose-in-mg", "dosage": {"dose": {"value": 90, "code": "mg"}}})
    prefetch["medicationAdministrations"]["entry"].append({"resource": in_mg})
    return body


def _observation(rid: str, code: str, value: float, unit: str, when: str) -> Json:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "subject": {"reference": "Patient/pat"},
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "code": unit},
    }


# --- where a number or a date goes --------------------------------------------------------------------------


def _drafts(body: Json) -> list[Json]:
    return [e["resource"] for e in body["context"]["draftOrders"]["entry"]]


def _timings(body: Json) -> Iterator[Json]:
    for order in [*_drafts(body), body["prefetch"]["medicationRequests"]["entry"][0]["resource"]]:
        yield order["dosageInstruction"][0]["timing"]
    yield body["prefetch"]["carePlans"]["entry"][0]["resource"]["activity"][0]["detail"]["scheduledTiming"]


def _in_repeat(key: str, index: int) -> Callable[[Json, Any], None]:
    def put(body: Json, value: Any) -> None:
        list(_timings(body))[index].setdefault("repeat", {})[key] = value

    return put


def _bounds(kind: str, index: int) -> Callable[[Json, Any], None]:
    def put(body: Json, value: Any) -> None:
        repeat = list(_timings(body))[index].setdefault("repeat", {})
        repeat.pop("count", None)
        if kind == "boundsRange":
            repeat[kind] = {"low": {"value": 1, "code": "d"}, "high": {"value": value, "code": "a"}}
        else:
            repeat[kind] = {"value": value, "code": "h"}

    return put


def _dose(index: int) -> Callable[[Json, Any], None]:
    def put(body: Json, value: Any) -> None:
        _drafts(body)[index]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = value

    return put


def _administered(body: Json, value: Any) -> None:
    body["prefetch"]["medicationAdministrations"]["entry"][-1]["resource"]["dosage"]["dose"]["value"] = value


def _measured(body: Json, value: Any) -> None:
    body["prefetch"]["observations"]["entry"][0]["resource"]["valueQuantity"]["value"] = value


NUMBER_SLOTS: dict[str, Callable[[Json, Any], None]] = {
    **{
        f"{key}[{i}]": _in_repeat(key, i)
        for key in (
            "count",
            "countMax",
            "frequency",
            "frequencyMax",
            "period",
            "periodMax",
            "offset",
            "duration",
        )
        for i in range(4)
    },
    **{f"{kind}[{i}]": _bounds(kind, i) for kind in ("boundsDuration", "boundsRange") for i in range(4)},
    "first draft dose": _dose(0),
    "second draft dose": _dose(1),
    "administered dose": _administered,
    "height": _measured,
}


def _authored(body: Json, value: Any) -> None:
    _drafts(body)[0]["authoredOn"] = value


def _bounds_start(body: Json, value: Any) -> None:
    _drafts(body)[1]["dosageInstruction"][0]["timing"].setdefault("repeat", {})["boundsPeriod"] = {
        "start": value
    }


def _bounds_end(body: Json, value: Any) -> None:
    repeat = _drafts(body)[1]["dosageInstruction"][0]["timing"].setdefault("repeat", {})
    repeat.setdefault("boundsPeriod", {})["end"] = value


def _given_on(body: Json, value: Any) -> None:
    body["prefetch"]["medicationAdministrations"]["entry"][0]["resource"]["effectiveDateTime"] = value


def _measured_on(body: Json, value: Any) -> None:
    body["prefetch"]["observations"]["entry"][1]["resource"]["effectiveDateTime"] = value


def _event(body: Json, value: Any) -> None:
    _drafts(body)[0]["dosageInstruction"][0]["timing"] = {"event": [value]}


DATE_SLOTS: dict[str, Callable[[Json, Any], None]] = {
    "authoredOn": _authored,
    "boundsPeriod.start": _bounds_start,
    "boundsPeriod.end": _bounds_end,
    "administered on": _given_on,
    "measured on": _measured_on,
    "timing.event": _event,
}

NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 1e-300, 5e-324, 1e8, 1e15, 1e18, 1e300, 1.7976931348623157e308, 10**30]),
    st.sampled_from(["NaN", "1e18", "-0", ""]),
)
DATES = (
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:00{}{:02d}:{:02d}".format,
        st.integers(min_value=0, max_value=9999),
        st.integers(min_value=0, max_value=13),
        st.integers(min_value=0, max_value=32),
        st.integers(min_value=0, max_value=25),
        st.integers(min_value=0, max_value=61),
        st.sampled_from(["+", "-"]),
        st.integers(min_value=0, max_value=99),
        st.integers(min_value=0, max_value=99),
    )
    | st.sampled_from(["0001-01-01T01:00:00+14:00", "9999-12-31T23:00:00-14:00", "2026-11-28T10:00:00+99:99"])
    | NUMBERS
)

EDITS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(sorted(NUMBER_SLOTS)), NUMBERS),
        st.tuples(st.sampled_from(sorted(DATE_SLOTS)), DATES),
    ),
    min_size=1,
    max_size=4,
)


@pytest.fixture
def largest_schedule(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every planned schedule built while the test runs (the cap, measured where it holds)."""
    sizes: list[int] = []
    checked = PlannedSchedule.__post_init__

    def measured(self: PlannedSchedule) -> None:
        sizes.append(len(self.doses) + len(self.optional))
        checked(self)

    monkeypatch.setattr(PlannedSchedule, "__post_init__", measured)
    return sizes


def test_numbers_anywhere_are_answered_200_or_4xx_and_the_work_stays_under_the_caps(
    tmp_path: Path, largest_schedule: list[int]
) -> None:
    bases = {name: base_request(name) for name in NAMES}
    with asyncio.Runner() as runner:
        stack = AsyncExitStack()
        app = create_app(Settings(data_dir=str(tmp_path / "var")))
        runner.run(stack.enter_async_context(app.router.lifespan_context(app)))
        runner.run(app.state.runtime.ready.wait())
        runner.run(app.state.runtime.store_migrated.wait())
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = runner.run(
            stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        )

        @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.sampled_from(NAMES), EDITS)
        def answered(name: str, edits: list[tuple[str, Any]]) -> None:
            body = copy.deepcopy(bases[name])
            for slot, value in edits:
                (NUMBER_SLOTS.get(slot) or DATE_SLOTS[slot])(body, value)
            # Python's JSON writes what orjson will not (NaN, 2**70): the service must refuse those itself.
            response = runner.run(client.post(SERVICE, content=json.dumps(body, allow_nan=True)))
            assert response.status_code == 200 or 400 <= response.status_code < 500, (edits, response.text)
            if response.status_code != 200:
                assert response.json()["resourceType"] == "OperationOutcome"
            assert max(largest_schedule, default=0) <= PLANNED_DOSES_PER_ORDER.value

        try:
            answered()
        finally:
            runner.run(stack.aclose())
    assert largest_schedule, "the requests built schedules: the measure saw them"
