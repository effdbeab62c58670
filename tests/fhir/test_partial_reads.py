""" "A partial read is not a record", docs/prefetch.md "Partial reads", end to end.

The adult of fhir_fixtures/policy/I.A.3.a-approve-adult-cumulative-300 (six doxorubicin doses of
50 mg/m², approved), with some prefetch keys left out so that they are read from a FHIR server (the
fake one) that pages two entries at a time and misbehaves after real entries: never a deny or an
approve on what was read; a 412 naming the key when the key is required, else a pend naming the query.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cds_service.errors import MissingData
from cds_service.evaluation import Evaluation, evaluate_hook
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.hooks.request import HookRequest
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings
from tests.conftest import ServeApp
from tests.fhir.fake_fhir_server import FakeFhirServer

CASE = Path(__file__).resolve().parents[2] / "fhir_fixtures/policy/I.A.3.a-approve-adult-cumulative-300.json"
SERVER = "https://ehr.example.org/fhir"
TODAY = date(2026, 11, 28)
FAULTS = ("loop", "reuse-page-id", "total-above", "fail-page-2")


def request_without(*keys: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case's request with ``keys`` left out of the prefetch, and what they held (for the server)."""
    body: dict[str, Any] = copy.deepcopy(orjson.loads(CASE.read_bytes()))
    held: list[dict[str, Any]] = []
    for key in keys:
        value = body["prefetch"].pop(key)
        held.extend(e["resource"] for e in value["entry"])
    body["fhirServer"] = SERVER
    body["fhirAuthorization"] = {
        "access_token": "fixture-access-token-not-a-secret",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "cds-dexrazoxane",
    }
    return body, held


def second_coverage() -> dict[str, Any]:
    return {
        "resourceType": "Coverage",
        "id": "coverage-2",
        "status": "active",
        "type": {"coding": [{"system": "https://nahdo.org/sopt", "code": "1", "display": "MEDICARE"}]},
        "beneficiary": {"reference": "Patient/pat"},
    }


async def evaluate(body: dict[str, Any], fake: FakeFhirServer | None = None) -> Evaluation:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no FHIR server expected")

    transport = httpx.MockTransport(fake.handle if fake is not None else refuse)
    async with httpx.AsyncClient(transport=transport) as http:
        return await evaluate_hook(
            HookRequest.model_validate(body).source(), settings=Settings(), http=http, today=TODAY
        )


def decided(evaluation: Evaluation) -> dict[str, Any]:
    assert len(evaluation.determinations) == 1
    return determination_to_json(evaluation.determinations[0])


def reasons(document: dict[str, Any]) -> str:
    found: list[str] = [document["reason"]]

    def walk(node: dict[str, Any]) -> None:
        found.append(node["reason"])
        for child in node["children"]:
            walk(child)

    for root in ([document["criteria"]] if document["criteria"] else []) + document["related"]:
        walk(root)
    return "\n".join(found)


async def test_a_well_paged_history_is_read_whole_and_approved() -> None:
    body, held = request_without("medicationAdministrations", "coverage")
    # the Medicare Coverage says it is secondary: the commercial one decides, once both are read (two
    # Coverages that do not say which comes first leave the line of business unknown, and the order pends:
    # docs/decisions.md "Line of business unknown never approves or denies")
    fake = FakeFhirServer(SERVER, [*held, {**second_coverage(), "order": 2}], max_page_size=2)
    document = decided(await evaluate(body, fake))
    # the control: six doses over three pages of two, both Coverages read
    assert document["decision"] == "approve"
    assert document["facts"]["line_of_business"] == "commercial"
    assert "Coverage search incomplete" not in reasons(document)
    assert document["facts"]["cumulative_doxorubicin_mg_m2"] == 300.0
    # big pages are asked for; the server's own cap decides
    assert all(r.url.params.get("_count") == "1000" for r in fake.requests if "?" in str(r.url))


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_partial_administration_history_is_a_412_naming_the_key(fault: str) -> None:
    # Before this rule, an adult with 300 mg/m² given was denied on the two doses of the first page.
    body, held = request_without("medicationAdministrations")
    fake = FakeFhirServer(SERVER, held, max_page_size=2, paging_faults={"MedicationAdministration": fault})
    with pytest.raises(MissingData) as raised:
        await evaluate(body, fake)
    assert raised.value.expression == ("prefetch.medicationAdministrations",)
    assert "its search could not be read whole" in raised.value.message
    assert "HTTP" not in raised.value.message  # a server fault's own words stay in the logs


@pytest.mark.parametrize("fault", [*FAULTS, "fail"])
async def test_a_partial_coverage_read_leaves_the_line_of_business_unknown(fault: str) -> None:
    # Two Coverages, one a page: the Medicare one is on the page not read. Deciding on the first page
    # would approve a Medicare member under a commercial policy.
    body, held = request_without("coverage")
    fake = FakeFhirServer(
        SERVER, [*held, second_coverage()], max_page_size=1, paging_faults={"Coverage": fault}
    )
    document = decided(await evaluate(body, fake))
    assert document["decision"] == "pend"
    assert document["facts"]["line_of_business"] is None
    assert "Coverage search incomplete" in reasons(document)
    assert "HTTP" not in reasons(document)  # a server fault's own words stay in the logs


@pytest.mark.parametrize("fault", ["loop", "total-above"])
async def test_a_partial_body_measure_read_leaves_the_doses_unknown(fault: str) -> None:
    body, _ = request_without()
    body["prefetch"].pop("observations")
    measures = [
        {
            "resourceType": "Observation",
            "id": f"weight-{i}",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
            "subject": {"reference": "Patient/pat"},
            "effectiveDateTime": f"2026-11-2{i}",
            "valueQuantity": {
                "value": 70 + i,
                "unit": "kg",
                "system": "http://unitsofmeasure.org",
                "code": "kg",
            },
        }
        for i in range(4)
    ]
    fake = FakeFhirServer(SERVER, measures, max_page_size=2, paging_faults={"Observation": fault})
    document = decided(await evaluate(body, fake))
    assert document["decision"] == "pend"
    assert document["facts"]["cumulative_doxorubicin_mg_m2"] is None
    assert "Observation search incomplete" in reasons(document)


async def test_a_partial_read_feeds_only_what_its_query_feeds() -> None:
    # The BCR-ABL1 search is partial: the Ph status is unknown, the body measures (another query of the
    # same resource type, read whole) still size the doses, and the approval stands.
    body, _ = request_without()
    body["prefetch"].pop("bcrAbl1Observations")
    results = [
        {
            "resourceType": "Observation",
            "id": f"bcr-abl1-{i}",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "46434-7"}]},
            "subject": {"reference": "Patient/pat"},
            "valueCodeableConcept": {"text": "not detected"},
        }
        for i in range(3)
    ]
    fake = FakeFhirServer(SERVER, results, max_page_size=1, paging_faults={"Observation": "loop"})
    evaluation = await evaluate(body, fake)
    document = decided(evaluation)
    assert document["decision"] == "approve"
    assert document["facts"]["cumulative_doxorubicin_mg_m2"] == 300.0
    ph = evaluation.determinations[0].facts.ph_positive
    assert ph.value is None and ph.reason.startswith("Observation search incomplete: paging loop after page")


async def test_a_prefetch_bundle_short_of_its_total_is_read_again_whole() -> None:
    body, _ = request_without()
    administrations = body["prefetch"]["medicationAdministrations"]
    administrations["total"] = len(administrations["entry"])
    administrations["entry"] = administrations["entry"][:2]  # the client sent two of six
    fake = FakeFhirServer(
        SERVER,
        [
            e["resource"]
            for e in orjson.loads(CASE.read_bytes())["prefetch"]["medicationAdministrations"]["entry"]
        ],
    )
    document = decided(await evaluate(body, fake))
    assert document["decision"] == "approve"
    assert document["facts"]["cumulative_doxorubicin_mg_m2"] == 300.0
    assert any(r.url.path.endswith("/MedicationAdministration") for r in fake.requests)


async def test_a_prefetch_bundle_short_of_its_total_with_no_server_is_a_412() -> None:
    body: dict[str, Any] = copy.deepcopy(orjson.loads(CASE.read_bytes()))
    administrations = body["prefetch"]["medicationAdministrations"]
    administrations["total"] = len(administrations["entry"])
    administrations["entry"] = administrations["entry"][:2]
    with pytest.raises(MissingData) as raised:
        await evaluate(body)
    assert raised.value.expression == ("prefetch.medicationAdministrations",)
    assert "total 6 above the 2 entries sent" in raised.value.message


async def test_a_key_we_did_not_advertise_with_a_next_page_feeds_nothing_decided() -> None:
    body: dict[str, Any] = copy.deepcopy(orjson.loads(CASE.read_bytes()))
    coverage = body["prefetch"].pop("coverage")
    coverage["link"] = [{"relation": "next", "url": f"{SERVER}/Coverage?page=2"}]
    body["prefetch"]["allCoverages"] = coverage
    body["prefetch"]["coverage"] = None  # the client says: nothing under the advertised key
    document = decided(await evaluate(body))
    assert document["decision"] == "pend"
    assert "prefetch.allCoverages incomplete: it has a next page" in reasons(document)


async def test_over_http_a_looping_history_is_a_412_operation_outcome_naming_the_key(
    serve_app: ServeApp, make_settings: Any
) -> None:
    body, held = request_without("medicationAdministrations")
    fake = FakeFhirServer(
        SERVER, held, max_page_size=2, paging_faults={"MedicationAdministration": "reuse-page-id"}
    )
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(fake.handle)) as fhir_http,
        serve_app(make_settings(), http_client=fhir_http) as client,
    ):
        answer = await client.post(f"/cds-services/{SERVICE_ID}", json=body)
    assert answer.status_code == 412
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    issue = outcome["issue"][0]
    assert issue["expression"] == ["prefetch.medicationAdministrations"]
    assert "paging loop after page" in issue["details"]["text"]
