"""What a hostile or broken record does to the order-sign route: each finding of the security review on
record data, through the real endpoint. A count of 1e18, 1e8 doses a day, a period of 1e15 days, a
frequency of 1e-300, bounds of 1e7 years, a date at year 1 or with an offset of +99:99 are answered 200 with
the fact they feed unknown (pend), never a 500, a hang or a MemoryError; more dexrazoxane orders than the
service decides are answered 400 naming the cap."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from cds_service.clinical.limits import DEXRAZOXANE_ORDERS_PER_REQUEST
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.tester.scenarios import shift_dates
from tests.conftest import ServeApp

SERVICE = f"/cds-services/{SERVICE_ID}"
POLICY = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "policy"
# Approved as written: 150 mg/m² given, two 50 mg/m² doses to come, 250 planned, soft tissue sarcoma.
SARCOMA = "I.A.3.b.vi-approve-sarcoma-planned-250"
EXTRAVASATION = "I.B-approve-extravasation-2000-2000-1000"

Json = dict[str, Any]


def moved_to_today(name: str) -> Json:
    """The fixture with its dates moved so that its "today" is the real one (the route decides as of it)."""
    expect = orjson.loads((POLICY / f"{name}.expect.json").read_bytes())
    body = orjson.loads((POLICY / f"{name}.json").read_bytes())
    moved: Json = shift_dates(body, date.today() - date.fromisoformat(expect["today"]))
    return moved


def draft(body: Json, rid: str) -> Json:
    return next(e["resource"] for e in body["context"]["draftOrders"]["entry"] if e["resource"]["id"] == rid)


def repeat_of(order: Json) -> Json:
    repeat: Json = order["dosageInstruction"][0]["timing"]["repeat"]
    return repeat


def doxorubicin_repeat(edit: Callable[[Json], None]) -> Callable[[Json], None]:
    def apply(body: Json) -> None:
        edit(repeat_of(draft(body, "doxorubicin-draft")))

    return apply


def one_day_bounds(repeat: Json) -> None:
    start = repeat["boundsPeriod"]["start"]
    repeat.pop("count")
    repeat.update({"frequency": 100_000_000, "period": 1, "periodUnit": "d"})
    repeat["boundsPeriod"] = {"start": start, "end": start}


def active_order_with_a_tiny_interval(body: Json) -> None:
    # The patient's own record: an active doxorubicin order at 1e8 doses a day over one day.
    active = copy.deepcopy(draft(body, "doxorubicin-draft"))
    active.update({"id": "doxorubicin-active", "status": "active"})
    one_day_bounds(repeat_of(active))
    body["prefetch"]["medicationRequests"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [
            {
                "fullUrl": "http://ehr.example.org/fhir/MedicationRequest/doxorubicin-active",
                "resource": active,
            }
        ],
    }


def administration_at_year_one(body: Json) -> None:
    # The order written with a time and offset gives the order's clock; a dose charted at year 1, +14:00,
    # overflowed when put on it.
    order = draft(body, "dexrazoxane")
    order["authoredOn"] = f"{order['authoredOn']}T09:00:00-05:00"
    entries = body["prefetch"]["medicationAdministrations"]["entry"]
    slip = copy.deepcopy(entries[0]["resource"])
    slip.update({"id": "year-one", "effectiveDateTime": "0001-01-01T01:00:00+14:00"})
    entries.append({"resource": slip})


def authored_with_an_impossible_offset(body: Json) -> None:
    order = draft(body, "dexrazoxane")
    order["authoredOn"] = f"{order['authoredOn']}T10:00:00+99:99"


FINDINGS: list[tuple[str, str, Callable[[Json], None]]] = [
    ("count 1e9", SARCOMA, doxorubicin_repeat(lambda r: r.update(count=1_000_000_000))),
    ("count 1e18", SARCOMA, doxorubicin_repeat(lambda r: r.update(count=10**18))),
    ("1e8 doses a day over one day", SARCOMA, doxorubicin_repeat(one_day_bounds)),
    ("an active order with a tiny interval", SARCOMA, active_order_with_a_tiny_interval),
    ("period 1e15 days", SARCOMA, doxorubicin_repeat(lambda r: r.update(period=1e15))),
    ("frequency 1e-300", SARCOMA, doxorubicin_repeat(lambda r: r.update(frequency=1e-300))),
    (
        "boundsDuration 1e7 years",
        SARCOMA,
        doxorubicin_repeat(lambda r: (r.pop("count"), r.update(boundsDuration={"value": 1e7, "code": "a"}))),
    ),
]


@pytest.mark.parametrize(("finding", "name", "edit"), FINDINGS, ids=[f[0] for f in FINDINGS])
async def test_a_schedule_beyond_the_caps_pends_on_the_planned_total(
    serve_app: ServeApp, make_settings: Any, finding: str, name: str, edit: Callable[[Json], None]
) -> None:
    body = moved_to_today(name)
    edit(body)
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, content=orjson.dumps(body))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    # the 250 mg/m² the sarcoma criterion needs rests on the schedule: now unknown, the order pends
    assert "needs prior authorization" in cards[0]["summary"], finding
    assert "I.A.3.b.vi" in cards[0]["detail"]


async def test_an_administration_at_year_one_on_the_orders_clock_is_not_counted(
    serve_app: ServeApp, make_settings: Any
) -> None:
    body = moved_to_today(SARCOMA)
    administration_at_year_one(body)
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, content=orjson.dumps(body))
    assert response.status_code == 200, response.text
    # 250 mg/m² planned without it: the known part meets the threshold, the slip is an unknown part
    assert "approved" in response.json()["cards"][0]["summary"]


async def test_an_authored_on_with_an_impossible_offset_is_read_as_absent(
    serve_app: ServeApp, make_settings: Any
) -> None:
    # On the extravasation pathway the course's clock was built from the order's offset: a 500.
    body = moved_to_today(EXTRAVASATION)
    authored_with_an_impossible_offset(body)
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, content=orjson.dumps(body))
    assert response.status_code == 200, response.text
    # read as of today, its date: the course still approves
    assert "approved" in response.json()["cards"][0]["summary"]


async def test_more_dexrazoxane_orders_than_the_cap_are_answered_400_naming_it(
    serve_app: ServeApp, make_settings: Any
) -> None:
    body = moved_to_today(SARCOMA)
    entries = body["context"]["draftOrders"]["entry"]
    for index in range(DEXRAZOXANE_ORDERS_PER_REQUEST.value):
        copied = copy.deepcopy(draft(body, "dexrazoxane"))
        copied["id"] = f"dexrazoxane-{index}"
        entries.append({"resource": copied})
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, content=orjson.dumps(body))
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["code"] == "too-costly"
    assert f"at most {DEXRAZOXANE_ORDERS_PER_REQUEST.value}" in issue["details"]["text"]
