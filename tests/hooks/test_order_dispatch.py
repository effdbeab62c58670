"""The order-dispatch service over HTTP: the signed order's coverage information at dispatch, the assertion
on record when nothing that decides it changed, a new determination (and a card saying why) when the
record changed; the request fixtures of fhir_fixtures/requests/ a client sends right and wrong."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
import respx

from cds_service.hooks.discovery import DISPATCH_SERVICE_ID, SERVICE_ID
from cds_service.store.protocol import StoreUnavailable
from tests.conftest import REPO_ROOT, SPEC_DIR, ServeApp, empty_fhir_server
from tests.fhir.fake_fhir_server import FakeFhirServer
from tests.fhir.request_fixtures import TOKEN, load_json, server_resources
from tests.hooks.test_routes import COVERAGE_INFORMATION, assert_outcome
from tests.hooks.workflow import as_dispatch

DISPATCH = f"/cds-services/{DISPATCH_SERVICE_ID}"
SIGN = f"/cds-services/{SERVICE_ID}"
POLICY = REPO_ROOT / "fhir_fixtures" / "policy"
FHIR_BASE = "https://ehr.example.org/fhir"


def policy_case(name: str) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads((POLICY / f"{name}.json").read_bytes())
    return body


def coverage_information(response: dict[str, Any]) -> list[dict[str, Any]]:
    """Each system action's coverage-information parts, by url (a repeated url keeps its last value)."""
    found = []
    for action in response.get("systemActions") or []:
        for extension in action["resource"].get("extension", []):
            if extension["url"] == COVERAGE_INFORMATION:
                found.append({part["url"]: part for part in extension["extension"]})
    return found


def assertion(parts: dict[str, Any]) -> tuple[str, str]:
    return parts["coverage-assertion-id"]["valueString"], parts["date"]["valueDate"]


async def sign_then_dispatch(
    client: httpx.AsyncClient, sign: dict[str, Any], *, change: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    signed = await client.post(SIGN, json=sign)
    assert signed.status_code == 200, signed.text
    dispatch = as_dispatch(sign, response=signed.json())
    if change is not None:
        change(dispatch)
    dispatched = await client.post(DISPATCH, json=dispatch)
    assert dispatched.status_code == 200, dispatched.text
    return signed.json(), dispatched.json()


async def test_nothing_changed_since_signing_the_assertion_made_then_stands(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        signed, dispatched = await sign_then_dispatch(
            client, policy_case("I.A.3.a-approve-adult-cumulative-300")
        )
    (at_signing,), (at_dispatch,) = coverage_information(signed), coverage_information(dispatched)
    assert assertion(at_dispatch) == assertion(at_signing)  # the same id, the same day
    assert at_dispatch["satisfied-pa-id"] == at_signing["satisfied-pa-id"]
    assert at_dispatch["pa-needed"]["valueCode"] == "satisfied"
    (action,) = dispatched["systemActions"]
    assert action["type"] == "update"
    order = action["resource"]
    assert order["status"] == "active"  # the signed order, as the pharmacy receives it
    # The EHR applied the order-sign assertion: it is replaced, not repeated beside itself.
    assert [e["url"] for e in order["extension"]].count(COVERAGE_INFORMATION) == 1
    instructions = dispatched["cards"][0]
    assert instructions["detail"].startswith("**Unchanged since ")
    assert instructions["summary"] == signed["cards"][0]["summary"]


def _add_late_charted_dose(dispatch: dict[str, Any]) -> None:
    """A doxorubicin dose given before the order (2026-11-24) and charted after signing: 1 mg/m² more."""
    administrations = dispatch["prefetch"]["medicationAdministrations"]
    dose = copy.deepcopy(administrations["entry"][-1])
    dose["resource"]["id"] = "doxorubicin-charted-late"
    dose["fullUrl"] = "http://ehr.example.org/fhir/MedicationAdministration/doxorubicin-charted-late"
    dose["resource"]["effectiveDateTime"] = "2026-11-24T09:00:00Z"
    dose["resource"]["dosage"]["dose"]["value"] = 1
    administrations["entry"].append(dose)
    administrations["total"] = len(administrations["entry"])


async def test_a_dose_charted_after_signing_decides_again_and_the_card_says_why(
    serve_app: ServeApp, make_settings: Any
) -> None:
    """Signed at 299 mg/m² (deny); the dose charted since brings 300 mg/m²: approved at dispatch, under the
    same assertion id (the same order and coverage: the EHR replaces the earlier assertion)."""
    async with serve_app(make_settings()) as client:
        signed, dispatched = await sign_then_dispatch(
            client, policy_case("I.A.3.a-deny-cumulative-299"), change=_add_late_charted_dose
        )
    (at_signing,), (at_dispatch,) = coverage_information(signed), coverage_information(dispatched)
    assert at_signing["covered"]["valueCode"] == "not-covered"
    assert (
        at_dispatch["covered"]["valueCode"] == "covered"
        and at_dispatch["pa-needed"]["valueCode"] == "satisfied"
    )
    assert assertion(at_dispatch)[0] == assertion(at_signing)[0]
    detail = dispatched["cards"][0]["detail"]
    assert detail.startswith("**Determination changed since ") and "(was not covered, now approved)" in detail
    assert "- decision: deny (I.A) → approve (I.A)" in detail
    assert "cumulative doxorubicin (mg/m²): 299 → 300" in detail


async def test_the_changed_determination_replaces_the_one_on_record(
    serve_app: ServeApp, make_settings: Any
) -> None:
    """Dispatched again with the same record: now unchanged against the determination made at dispatch."""
    async with serve_app(make_settings()) as client:
        signed, first = await sign_then_dispatch(
            client, policy_case("I.A.3.a-deny-cumulative-299"), change=_add_late_charted_dose
        )
        dispatch = as_dispatch(policy_case("I.A.3.a-deny-cumulative-299"), response=signed)
        _add_late_charted_dose(dispatch)
        again = (await client.post(DISPATCH, json=dispatch)).json()
    assert again["cards"][0]["detail"].startswith("**Unchanged since ")
    assert assertion(coverage_information(again)[0]) == assertion(coverage_information(first)[0])


async def test_a_new_coverage_is_a_new_assertion(serve_app: ServeApp, make_settings: Any) -> None:
    def new_coverage(dispatch: dict[str, Any]) -> None:
        coverage = dispatch["prefetch"]["coverage"]["entry"][0]
        coverage["resource"]["id"] = "coverage-2027"
        coverage["fullUrl"] = "http://ehr.example.org/fhir/Coverage/coverage-2027"

    async with serve_app(make_settings()) as client:
        signed, dispatched = await sign_then_dispatch(
            client, policy_case("I.A.3.a-approve-adult-cumulative-300"), change=new_coverage
        )
    (at_signing,) = coverage_information(signed)
    # The order keeps the assertion made at signing against the coverage it then had (the EHR's record of
    # it); the new coverage gets an assertion of its own beside it.
    earlier, at_dispatch = coverage_information(dispatched)
    assert earlier == at_signing
    assert at_dispatch["coverage"]["valueReference"] == {"reference": "Coverage/coverage-2027"}
    assert assertion(at_dispatch)[0] != assertion(at_signing)[0]
    assert "- the coverage: Coverage/coverage → Coverage/coverage-2027" in dispatched["cards"][0]["detail"]


async def test_an_order_never_signed_here_is_decided_and_said_so(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(
            DISPATCH, json=as_dispatch(policy_case("I.A.3.a-approve-adult-cumulative-300"))
        )
    assert response.status_code == 200
    body = response.json()
    assert body["cards"][0]["detail"].startswith("**No earlier determination on record**")
    assert coverage_information(body)[0]["pa-needed"]["valueCode"] == "satisfied"


@pytest.fixture
async def ehr_fhir_server() -> AsyncIterator[tuple[FakeFhirServer, httpx.AsyncClient]]:
    """The fixture patient's FHIR server: everything the prefetch held and the extras no key returns."""
    base = load_json("dexrazoxane-full-prefetch.json")
    server = FakeFhirServer(FHIR_BASE, server_resources(base))
    with respx.mock(using=None, assert_all_called=False, assert_all_mocked=True) as mock:
        mock.route(url__startswith=FHIR_BASE).mock(side_effect=server.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(mock.async_handler)) as http:
            yield server, http


async def test_the_dispatch_fixture_reads_what_its_prefetch_lacks_and_finds_the_signed_assertion(
    serve_app: ServeApp, make_settings: Any, ehr_fhir_server: tuple[FakeFhirServer, httpx.AsyncClient]
) -> None:
    """Signed with the full prefetch, dispatched with only the keys order-dispatch advertises (no
    practitioner keys: the context has no user): the prescriber is read from the order's requester on
    fhirServer, and the determination rests on the same facts, so the assertion made at signing stands."""
    server, http = ehr_fhir_server
    settings = make_settings(fhir_server_allowlist=[FHIR_BASE])
    sign = load_json("dexrazoxane-full-prefetch.json")
    server.add(
        *[{**order, "status": "active"} for order in [sign["context"]["draftOrders"]["entry"][0]["resource"]]]
    )
    async with serve_app(settings, http_client=http) as client:
        signed = await client.post(SIGN, json=sign)
        dispatched = await client.post(DISPATCH, json=load_json("order-dispatch-dexrazoxane.json"))
    assert dispatched.status_code == 200, dispatched.text
    assert any("Practitioner/prac-onc-1" in path or "practitioner=prac-onc-1" in str(r.url)
               for path, r in zip(server.paths, server.requests, strict=True))  # fmt: skip
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in server.requests)
    (at_signing,), (at_dispatch,) = (
        coverage_information(signed.json()),
        coverage_information(dispatched.json()),
    )
    assert assertion(at_dispatch) == assertion(at_signing)
    assert dispatched.json()["cards"][0]["detail"].startswith("**Unchanged since ")


async def test_a_dispatched_order_read_from_fhir_server_by_id(
    serve_app: ServeApp, make_settings: Any, ehr_fhir_server: tuple[FakeFhirServer, httpx.AsyncClient]
) -> None:
    server, http = ehr_fhir_server
    order = copy.deepcopy(
        load_json("dexrazoxane-full-prefetch.json")["context"]["draftOrders"]["entry"][0]["resource"]
    )
    server.add({**order, "status": "active"})
    body = load_json("order-dispatch-dexrazoxane.json")
    del body["prefetch"]["medicationRequests"]  # the client did not prefetch it: the service searches
    body["prefetch"]["medicationRequests"] = None  # "no data": so the order can only be read by id
    async with serve_app(make_settings(fhir_server_allowlist=[FHIR_BASE]), http_client=http) as client:
        response = await client.post(DISPATCH, json=body)
    assert response.status_code == 200, response.text
    assert "/MedicationRequest/mr-dxr-1" in server.paths
    (action,) = response.json()["systemActions"]
    assert action["resource"]["id"] == "mr-dxr-1" and action["resource"]["status"] == "active"


async def test_a_dispatched_order_that_cannot_be_read_is_412_naming_it(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(DISPATCH, json=load_json("order-dispatch-order-not-readable.json"))
    issue = assert_outcome(response, 412)["issue"][0]
    assert issue["expression"] == ["context.dispatchedOrders[0]"]
    assert "MedicationRequest/mr-dxr-9" in issue["details"]["text"]


async def test_a_dispatched_order_the_fhir_server_does_not_have_is_412(
    serve_app: ServeApp, make_settings: Any, ehr_fhir_server: tuple[FakeFhirServer, httpx.AsyncClient]
) -> None:
    _, http = ehr_fhir_server
    body = load_json("order-dispatch-dexrazoxane.json")
    body["context"]["dispatchedOrders"] = ["MedicationRequest/mr-dxr-1", "MedicationRequest/gone"]
    async with serve_app(make_settings(fhir_server_allowlist=[FHIR_BASE]), http_client=http) as client:
        response = await client.post(DISPATCH, json=body)
    assert assert_outcome(response, 412)["issue"][0]["expression"] == ["context.dispatchedOrders[1]"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["context"].update(dispatchedOrders=["mr-dxr-1"]), "context.dispatchedOrders[0]"),
        (lambda b: b["context"].update(dispatchedOrders=[]), "context.dispatchedOrders"),
        (lambda b: b["context"].pop("dispatchedOrders"), "context.dispatchedOrders"),
        (lambda b: b["context"].pop("performer"), "context.performer"),
        (lambda b: b["context"].update(performer=" "), "context.performer"),
        (lambda b: b["context"].update(fulfillmentTasks="Task/1"), "context.fulfillmentTasks"),
        (lambda b: b.update(hook="order-sign"), "hook"),
    ],
    ids=[
        "not-a-reference",
        "empty",
        "missing",
        "no-performer",
        "blank-performer",
        "tasks-not-an-array",
        "hook",
    ],
)
async def test_what_a_client_gets_wrong_is_400_naming_it(
    serve_app: ServeApp, make_settings: Any, change: Any, field: str
) -> None:
    body = load_json("order-dispatch-dexrazoxane.json")
    change(body)
    async with serve_app(make_settings()) as client:
        response = await client.post(DISPATCH, json=body)
    assert assert_outcome(response, 400)["issue"][0]["expression"] == [field]


async def test_the_not_a_reference_fixture_is_400(serve_app: ServeApp, make_settings: Any) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(DISPATCH, json=load_json("order-dispatch-not-a-reference.json"))
    assert assert_outcome(response, 400)["issue"][0]["expression"] == ["context.dispatchedOrders[0]"]


async def test_only_medication_orders_are_read(serve_app: ServeApp, make_settings: Any) -> None:
    """A ServiceRequest dispatched alone: nothing to read, nothing to decide, an empty answer (never 412)."""
    body = load_json("order-dispatch-dexrazoxane.json")
    body["context"]["dispatchedOrders"] = ["ServiceRequest/infusion-1"]
    async with serve_app(make_settings()) as client:
        response = await client.post(DISPATCH, json=body)
    assert response.status_code == 200
    assert response.json() == {"cards": [], "systemActions": []}


class ReadFails:
    """The store, but reading the record fails (the database went away between the hooks)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def latest_for_order(self, order_key: str, *, now: datetime) -> Any:
        raise StoreUnavailable("store read_order_determination failed: OSError")


async def test_a_record_that_cannot_be_read_is_said_and_the_hook_still_answers(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
        runtime.store = ReadFails(runtime.store)
        response = await client.post(
            DISPATCH, json=as_dispatch(policy_case("I.A.3.a-approve-adult-cumulative-300"))
        )
    assert response.status_code == 200
    assert response.json()["cards"][0]["detail"].startswith("_The determination on record could not be read")


async def test_dispatch_feedback_is_recorded(serve_app: ServeApp, make_settings: Any) -> None:
    item = {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": datetime.now(UTC).isoformat()}
    async with serve_app(make_settings()) as client:
        response = await client.post(f"{DISPATCH}/feedback", json={"feedback": [item]})
    assert response.status_code == 200


async def test_the_published_order_dispatch_example_is_answered(
    serve_app: ServeApp, make_settings: Any
) -> None:
    """The CRD IG 2.2.1 order-dispatch request: its two MedicationRequests are read from its fhirServer (here
    a server holding them without a drug: not dexrazoxane), so the answer is 200 with nothing to assert."""
    body = orjson.loads((SPEC_DIR / "davinci-crd-2.2.1" / "CRDServiceRequest2.json").read_bytes())
    with respx.mock(using=None, assert_all_called=False, assert_all_mocked=True) as mock:
        route = mock.route(url__startswith=body["fhirServer"]).mock(side_effect=empty_fhir_server)
        async with httpx.AsyncClient(transport=httpx.MockTransport(mock.async_handler)) as http:
            settings = make_settings(
                fhir_server_allowlist=[body["fhirServer"]], allow_unauthenticated_fhir=True
            )
            async with serve_app(settings, http_client=http) as client:
                response = await client.post(DISPATCH, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"cards": [], "systemActions": []}
    read = {call.request.url.path for call in route.calls}
    assert {
        "/some-payer/fhir/crd/MedicationRequest/1111",
        "/some-payer/fhir/crd/MedicationRequest/2222",
    } <= read
