from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_profile
from hypothesis import strategies as st
from structlog.testing import capture_logs

from cds_service.errors import MissingData
from cds_service.fhir.pool import ResourcePool
from cds_service.fhir.prefetch_templates import PREFETCH_TEMPLATES
from cds_service.fhir.supplementary_queries import SUPPLEMENTARY_QUERIES
from cds_service.settings import Settings
from tests.fhir.fake_fhir_server import FakeFhirServer
from tests.fhir.request_fixtures import TOKEN, gather_pool, hook_request, load_json, server_resources

HOST = "ehr.example.org"
PATIENT_ID = "pat-dxr-1"
OPERATION_OUTCOME = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}


@pytest.fixture
def fake(dexrazoxane_body: dict[str, Any]) -> FakeFhirServer:
    return FakeFhirServer(dexrazoxane_body["fhirServer"], server_resources(dexrazoxane_body))


async def gather(
    body: dict[str, Any], settings: Settings, fake: FakeFhirServer | None = None
) -> ResourcePool:
    with respx.mock(using=None, assert_all_mocked=True, assert_all_called=False) as router:
        if fake is not None:
            router.route(host=HOST).mock(side_effect=fake.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            return await gather_pool(hook_request(body), settings=settings, http=http)


def resource_types(fake: FakeFhirServer) -> list[str]:
    return sorted(path.strip("/").split("/")[0] for path in fake.paths)


async def test_a_full_prefetch_reads_only_what_no_prefetch_key_carries(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    pool = await gather(dexrazoxane_body, settings, fake)
    # The supplementary queries, and the Medication one administration names by reference.
    assert resource_types(fake) == sorted(
        [
            "CarePlan",
            "Medication",
            "MedicationStatement",
            "Observation",  # BCR-ABL1 results and karyotypes
            "Observation",  # cancer disease status
            "QuestionnaireResponse",
            "ResearchSubject",
            "ServiceRequest",
        ]
    )
    assert pool.get("Medication", "med-doxorubicin") is not None
    assert len(pool.of_type("MedicationAdministration")) == 6
    assert pool.problems == []
    assert all(request.headers["Authorization"] == f"Bearer {TOKEN}" for request in fake.requests)


async def test_without_prefetch_every_key_is_read_from_fhir_server(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    del dexrazoxane_body["prefetch"]
    pool = await gather(dexrazoxane_body, settings, fake)
    assert len(fake.requests) == len(PREFETCH_TEMPLATES) + len(SUPPLEMENTARY_QUERIES) + 1
    assert "/Patient/pat-dxr-1" in fake.paths and "/Practitioner/prac-onc-1" in fake.paths
    assert pool.get("Patient", PATIENT_ID) is not None
    assert pool.get("PractitionerRole", "role-onc-1") is not None
    assert pool.problems == []


async def test_a_null_key_means_no_data_and_is_never_fetched(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    dexrazoxane_body["prefetch"]["procedures"] = None
    dexrazoxane_body["prefetch"]["conditions"] = None  # required, but "no data" is an answer
    pool = await gather(dexrazoxane_body, settings, fake)
    assert "Procedure" not in resource_types(fake) and "Condition" not in resource_types(fake)
    assert pool.of_type("Condition") == []


async def test_an_operation_outcome_in_place_of_a_prefetch_value_is_fetched_instead(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    dexrazoxane_body["prefetch"]["conditions"] = OPERATION_OUTCOME
    pool = await gather(dexrazoxane_body, settings, fake)
    assert "Condition" in resource_types(fake)
    assert {c["id"] for c in pool.of_type("Condition")} == {"cond-breast", "cond-liver-mets"}
    assert pool.of_type("OperationOutcome") == []
    assert pool.problems == [
        "prefetch.conditions: the client reported an error (OperationOutcome) instead of data"
    ]


async def test_a_prefetch_bundle_reporting_an_error_is_fetched_instead(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    # An empty Condition list read as complete would deny for want of a diagnosis (docs/decisions.md).
    dexrazoxane_body["prefetch"]["conditions"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": OPERATION_OUTCOME, "search": {"mode": "outcome"}}],
    }
    pool = await gather(dexrazoxane_body, settings, fake)
    assert "Condition" in resource_types(fake)
    assert len(pool.of_type("Condition")) == 2


async def test_a_paged_prefetch_bundle_is_completed_from_its_next_link(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    administrations = dexrazoxane_body["prefetch"]["medicationAdministrations"]
    first_page = copy.deepcopy(administrations)
    first_page["entry"] = first_page["entry"][:2]
    first_page["link"] = [
        {
            "relation": "next",
            "url": f"https://{HOST}/fhir/MedicationAdministration?patient={PATIENT_ID}&_offset=2",
        }
    ]
    dexrazoxane_body["prefetch"]["medicationAdministrations"] = first_page
    pool = await gather(dexrazoxane_body, settings, fake)
    assert len(pool.of_type("MedicationAdministration")) == 6
    assert pool.problems == []


async def test_a_paged_prefetch_without_a_usable_server_is_missing_data(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    dexrazoxane_body["prefetch"]["medicationAdministrations"]["link"] = [
        {"relation": "next", "url": f"https://{HOST}/fhir/MedicationAdministration?page=2"}
    ]
    del dexrazoxane_body["fhirServer"], dexrazoxane_body["fhirAuthorization"]
    with pytest.raises(MissingData) as raised:
        await gather(dexrazoxane_body, settings)
    assert raised.value.expression == ("prefetch.medicationAdministrations",)
    assert "its prefetch is paged" in raised.value.message


async def test_missing_required_data_with_no_server_is_a_412_naming_each_key(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    for key in ("conditions", "medicationRequests", "observations"):
        del dexrazoxane_body["prefetch"][key]
    del dexrazoxane_body["fhirServer"], dexrazoxane_body["fhirAuthorization"]
    with capture_logs() as logs, pytest.raises(MissingData) as raised:
        await gather(dexrazoxane_body, settings)
    assert raised.value.status == 412
    # observations is not required: without it the BSA, hence mg doses, are unknown (a pend), not a deny.
    assert raised.value.expression == ("prefetch.conditions", "prefetch.medicationRequests")
    assert "conditions (no usable fhirServer)" in raised.value.message
    assert "the request names no fhirServer" in str(logs)  # the precise reason: logs only
    assert PATIENT_ID not in raised.value.message


async def test_a_prefetch_about_another_patient_is_no_data_about_this_one(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    """context.patientId names a patient the prefetch is not about: its resources are not indexed as this
    patient's, and the required keys are read again rather than taken as "nothing recorded" (which would
    deny). With no server to read them, the resources are kept aside as another patient's
    (``pool.other_patients``): the record conflicts with itself, which pends naming it
    (clinical.other_patients), rather than a 412 with no card."""
    dexrazoxane_body["context"]["patientId"] = "someone-else"
    no_server = copy.deepcopy(dexrazoxane_body)
    del no_server["fhirServer"], no_server["fhirAuthorization"]
    pool = await gather(no_server, settings)
    assert pool.of_type("Patient") == [] and pool.of_type("MedicationAdministration") == []
    kept = {source for source, _ in pool.other_patients}
    assert {"prefetch.patient", "prefetch.medicationAdministrations"} <= kept

    with pytest.raises(MissingData):  # the server knows no such patient either (404)
        await gather(dexrazoxane_body, settings, fake)
    assert "/Patient/someone-else" in fake.paths


async def test_missing_optional_data_is_noted_and_the_rest_is_evaluated(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    for key in ("observations", "coverage", "procedures", "practitioner", "practitionerRoles"):
        del dexrazoxane_body["prefetch"][key]
    del dexrazoxane_body["fhirServer"], dexrazoxane_body["fhirAuthorization"]
    pool = await gather(dexrazoxane_body, settings)
    assert pool.problems == ["data beyond the prefetch not read: the request names no fhirServer"]
    assert len(pool.of_type("MedicationAdministration")) == 6


async def test_no_dexrazoxane_order_means_no_fetch_and_no_412(settings: Settings) -> None:
    body = load_json("sandbox-r4-no-medication.json")
    body["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer"}
    fake = FakeFhirServer(body["fhirServer"])
    with respx.mock(using=None, assert_all_mocked=True, assert_all_called=False) as router:
        route = router.route(host="launch.smarthealthit.org").mock(side_effect=fake.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            pool = await gather_pool(hook_request(body), settings=settings, http=http)
    assert not route.called
    assert len(pool.draft_orders) == 1


def failing(fake: FakeFhirServer, status: int, *paths: str) -> Callable[[httpx.Request], httpx.Response]:
    """The fake server, but searches on ``paths`` answer ``status``."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(paths):
            return httpx.Response(status, json=OPERATION_OUTCOME)
        return fake.handle(request)

    return handle


@pytest.mark.parametrize("status", [401, 500])
async def test_a_failing_required_query_is_a_412(
    dexrazoxane_body: dict[str, Any],
    settings: Settings,
    fake: FakeFhirServer,
    status: int,
) -> None:
    del dexrazoxane_body["prefetch"]["conditions"], dexrazoxane_body["prefetch"]["observations"]
    with capture_logs() as logs, respx.mock(using=None) as router:
        router.route(host=HOST).mock(side_effect=failing(fake, status, "/Condition", "/Observation"))
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            with pytest.raises(MissingData) as raised:
                await gather_pool(hook_request(dexrazoxane_body), settings=settings, http=http)
    assert raised.value.expression == ("prefetch.conditions",)
    # The 412 is coarse (no port-scan oracle for whoever chose fhirServer); the status is logged.
    assert "conditions (fhirServer could not provide it)" in raised.value.message
    assert str(status) not in raised.value.message
    assert f"conditions: fhirServer answered HTTP {status}" in str(logs)


@pytest.mark.parametrize("status", [401, 500])
async def test_a_failing_optional_query_is_a_problem_and_the_rest_is_evaluated(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer, status: int
) -> None:
    del dexrazoxane_body["prefetch"]["observations"]
    with respx.mock(using=None) as router:
        router.route(host=HOST).mock(side_effect=failing(fake, status, "/Observation"))
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            pool = await gather_pool(hook_request(dexrazoxane_body), settings=settings, http=http)
    assert pool.problems == [
        f"observations: fhirServer answered HTTP {status}",
        f"bcrAbl1Observations: fhirServer answered HTTP {status}",
        f"diseaseStatusObservations: fhirServer answered HTTP {status}",
    ]
    assert len(pool.of_type("Condition")) == 2


async def test_a_server_that_answers_slowly_is_bounded_by_the_total_timeout(
    dexrazoxane_body: dict[str, Any], fake: FakeFhirServer
) -> None:
    settings = Settings(fhir_query_timeout_seconds=5.0, fhir_total_timeout_seconds=0.2)
    del dexrazoxane_body["prefetch"]["observations"]

    async def slow_observations(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Observation"):
            await asyncio.Event().wait()  # never answers; only the total budget ends it
        return fake.handle(request)

    with respx.mock(using=None) as router:
        router.route(host=HOST).mock(side_effect=slow_observations)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            pool = await gather_pool(hook_request(dexrazoxane_body), settings=settings, http=http)
    assert "observations: not finished within the total FHIR budget of 0.2 s" in pool.problems
    assert len(pool.of_type("Condition")) == 2  # what answered in time is kept


async def test_the_first_round_of_queries_is_in_flight_at_once(
    dexrazoxane_body: dict[str, Any], fake: FakeFhirServer
) -> None:
    # Every query of the first round waits until all of them have arrived. Sent one after another,
    # the first would wait out its 0.5 s timeout and every query would fail.
    settings = Settings(fhir_query_timeout_seconds=0.5, fhir_total_timeout_seconds=2.0)
    del dexrazoxane_body["prefetch"]
    first_round = len(PREFETCH_TEMPLATES) + len(SUPPLEMENTARY_QUERIES)
    arrived = 0
    all_in = asyncio.Event()

    async def barrier(request: httpx.Request) -> httpx.Response:
        nonlocal arrived
        if "/Medication/" not in request.url.path:  # the follow-up read comes in the next round
            arrived += 1
            if arrived == first_round:
                all_in.set()
            await all_in.wait()
        return fake.handle(request)

    with respx.mock(using=None) as router:
        router.route(host=HOST).mock(side_effect=barrier)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            pool = await gather_pool(hook_request(dexrazoxane_body), settings=settings, http=http)
    assert pool.problems == []
    assert arrived == first_round


async def test_without_fhir_authorization_the_server_is_queried_only_when_allowed(
    dexrazoxane_body: dict[str, Any],
    settings: Settings,
    fake: FakeFhirServer,
) -> None:
    del dexrazoxane_body["fhirAuthorization"], dexrazoxane_body["prefetch"]["medicationRequests"]
    with capture_logs() as logs, pytest.raises(MissingData) as raised:
        await gather(dexrazoxane_body, settings, fake)
    assert "medicationRequests (no usable fhirServer)" in raised.value.message
    assert "CDS_ALLOW_UNAUTHENTICATED_FHIR is off" in str(logs)
    assert fake.requests == []

    open_settings = settings.model_copy(update={"allow_unauthenticated_fhir": True})
    pool = await gather(dexrazoxane_body, open_settings, fake)
    assert pool.get("MedicationRequest", "mr-dox-1") is not None
    assert fake.requests and all("Authorization" not in r.headers for r in fake.requests)


async def test_no_token_or_patient_id_in_problems_or_logs(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    del dexrazoxane_body["prefetch"]["observations"], dexrazoxane_body["prefetch"]["procedures"]

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"failed {request.url} with {request.headers.get('Authorization')}")

    with capture_logs() as logs, respx.mock(using=None) as router:
        router.route(host=HOST).mock(side_effect=fail)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            pool = await gather_pool(hook_request(dexrazoxane_body), settings=settings, http=http)
    assert pool.problems  # the failures are reported...
    text = " ".join(pool.problems) + str(logs)
    assert "observations: fhirServer unreachable (ConnectError)" in text
    for secret in (TOKEN, PATIENT_ID):  # ...without the token or the patient id
        assert secret not in text


async def test_a_draft_orders_medication_reference_is_read_before_deciding_what_the_order_is(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    order = dexrazoxane_body["context"]["draftOrders"]["entry"][0]["resource"]
    del order["medicationCodeableConcept"]
    order["medicationReference"] = {"reference": "Medication/med-dxr"}
    fake.add({"resourceType": "Medication", "id": "med-dxr", "code": {"text": "Dexrazoxane 500 mg vial"}})
    del dexrazoxane_body["prefetch"]["conditions"]
    pool = await gather(dexrazoxane_body, settings, fake)
    assert pool.get("Medication", "med-dxr") is not None
    assert "Condition" in resource_types(fake)  # recognised as dexrazoxane, so the gaps were filled


async def test_a_practitioner_role_user_is_read_by_id_and_user_templates_are_skipped(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    del dexrazoxane_body["prefetch"]
    dexrazoxane_body["context"]["userId"] = "PractitionerRole/role-onc-1"
    order = dexrazoxane_body["context"]["draftOrders"]["entry"][0]["resource"]
    order["requester"] = {"reference": "PractitionerRole/role-onc-1"}
    pool = await gather(dexrazoxane_body, settings, fake)
    # The practitioner templates need userPractitionerId: skipped, not sent half-filled.
    assert not any(path == "/PractitionerRole" for path in fake.paths)
    assert "/PractitionerRole/role-onc-1" in fake.paths
    assert "/Practitioner/prac-onc-1" in fake.paths  # the role's practitioner, read in the next round
    assert pool.get("PractitionerRole", "role-onc-1") is not None
    assert pool.get("Practitioner", "prac-onc-1") is not None


async def test_a_requester_practitioner_gets_its_roles_searched(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    order = dexrazoxane_body["context"]["draftOrders"]["entry"][0]["resource"]
    order["requester"] = {"reference": "Practitioner/prac-other"}
    fake.add({"resourceType": "Practitioner", "id": "prac-other"})
    pool = await gather(dexrazoxane_body, settings, fake)
    assert "/Practitioner/prac-other" in fake.paths
    assert any("PractitionerRole?practitioner=prac-other" in str(r.url) for r in fake.requests)
    assert pool.get("Practitioner", "prac-other") is not None


async def test_a_research_study_the_server_did_not_include_is_read_by_id(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    fake.add(
        {
            "resourceType": "ResearchSubject",
            "id": "rs-1",
            "status": "on-study",
            "individual": {"reference": f"Patient/{PATIENT_ID}"},
            "study": {"reference": "ResearchStudy/dfci-16-001"},
        },
        {
            "resourceType": "ResearchStudy",
            "id": "dfci-16-001",
            "title": "DFCI ALL Consortium Protocol 16-001",
        },
    )
    pool = await gather(dexrazoxane_body, settings, fake)
    assert pool.get("ResearchStudy", "dfci-16-001") is not None


async def test_a_server_ignoring_the_patient_parameter_cannot_lend_another_patients_data(
    dexrazoxane_body: dict[str, Any],
    settings: Settings,
    fake: FakeFhirServer,
) -> None:
    # Servers may ignore a search parameter they do not support and answer every patient's resources.
    fake.add(
        {
            "resourceType": "ResearchSubject",
            "id": "rs-other",
            "individual": {"reference": "Patient/someone-else"},
            "study": {"reference": "ResearchStudy/dfci-16-001"},
        },
        {
            "resourceType": "ResearchStudy",
            "id": "dfci-16-001",
            "title": "DFCI ALL Consortium Protocol 16-001",
        },
    )

    def ignores_patient(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ResearchSubject"):
            return httpx.Response(200, json=fake.search("ResearchSubject", []))
        return fake.handle(request)

    with capture_logs() as logs, respx.mock(using=None) as router:
        router.route(host=HOST).mock(side_effect=ignores_patient)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            pool = await gather_pool(hook_request(dexrazoxane_body), settings=settings, http=http)
    assert pool.of_type("ResearchSubject") == []
    assert pool.get("ResearchStudy", "dfci-16-001") is None  # never asked for: no subject names it
    assert "fhirServer.researchSubjects: 1 resource(s) of another patient ignored" in pool.problems
    assert "1 resource(s) of another patient ignored" in str(logs)
    assert "someone-else" not in str(logs)


async def test_a_dstu2_draft_order_asks_for_medication_orders(settings: Settings) -> None:
    body = load_json("sandbox-dstu2-medicationorder.json")
    fake = FakeFhirServer(body["fhirServer"])
    open_settings = settings.model_copy(update={"allow_unauthenticated_fhir": True})
    with respx.mock(using=None, assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="launch.smarthealthit.org").mock(side_effect=fake.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            await gather_pool(hook_request(body), settings=open_settings, http=http)
    assert "/MedicationOrder" in fake.paths and "/MedicationRequest" not in fake.paths


async def test_an_on_hold_order_on_the_server_reaches_the_service(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    # The medicationRequests template asks for on-hold orders too: one may resume, so its doses and the
    # concurrency it bears on are unknown, never absent (docs/facts.md "Record integrity").
    del dexrazoxane_body["prefetch"]["medicationRequests"]
    on_hold = {
        "resourceType": "MedicationRequest",
        "id": "doxorubicin-on-hold",
        "status": "on-hold",
        "intent": "order",
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "medicationCodeableConcept": {"text": "doxorubicin"},
    }
    stopped = {**on_hold, "id": "doxorubicin-stopped", "status": "stopped"}
    fake = FakeFhirServer(
        dexrazoxane_body["fhirServer"], [*server_resources(dexrazoxane_body), on_hold, stopped]
    )
    pool = await gather(dexrazoxane_body, settings, fake)
    asked = [r for r in fake.requests if r.url.path.endswith("/MedicationRequest")]
    assert [r.url.params["status"] for r in asked] == ["active,on-hold"]
    assert pool.get("MedicationRequest", "doxorubicin-on-hold") is not None
    assert pool.get("MedicationRequest", "doxorubicin-stopped") is None


async def test_unreadable_prefetch_values_and_entries_are_noted_not_fatal(
    dexrazoxane_body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> None:
    prefetch = dexrazoxane_body["prefetch"]
    prefetch["procedures"] = ["not", "a", "resource"]
    prefetch["conditions"]["entry"].append({"fullUrl": "urn:uuid:broken"})
    prefetch["conditions"]["entry"].append("garbage")
    prefetch["encounter"] = {"resourceType": "Encounter", "id": "enc-1"}  # a key we did not ask for
    pool = await gather(dexrazoxane_body, settings, fake)
    assert "prefetch.procedures: not a FHIR resource, ignored" in pool.problems
    assert "prefetch.conditions.entry[2]: no resource, ignored" in pool.problems
    assert "prefetch.conditions.entry[3]: no resource, ignored" in pool.problems
    assert "Procedure" in resource_types(fake)  # unreadable counts as absent: fetched
    assert len(pool.of_type("Condition")) == 2
    assert pool.get("Encounter", "enc-1") is not None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)
RESOURCE_TYPES = st.sampled_from(
    [
        "Bundle",
        "Patient",
        "Condition",
        "MedicationRequest",
        "MedicationOrder",
        "OperationOutcome",
        "Medication",
    ]
)
FHIRISH = st.recursive(
    JSON,
    lambda children: st.fixed_dictionaries(
        {"resourceType": RESOURCE_TYPES},
        optional={
            "id": JSON,
            "entry": st.lists(st.fixed_dictionaries({}, optional={"resource": children, "fullUrl": JSON}))
            | children,
            "link": JSON,
            "medicationReference": st.fixed_dictionaries({"reference": st.text(max_size=20)}) | JSON,
            "requester": JSON,
            "contained": JSON,
        },
    ),
    max_leaves=8,
)


@settings_profile(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    draft_entries=st.lists(FHIRISH, max_size=3),
    prefetch=st.dictionaries(
        st.sampled_from([*PREFETCH_TEMPLATES, "other"]), FHIRISH | st.none(), max_size=5
    ),
)
def test_whatever_the_client_sends_gather_answers_a_pool_or_a_412(
    dexrazoxane_body: dict[str, Any], settings: Settings, draft_entries: list[Any], prefetch: dict[str, Any]
) -> None:
    body = copy.deepcopy(dexrazoxane_body)
    del body["fhirServer"], body["fhirAuthorization"]
    body["context"]["draftOrders"]["entry"].extend({"resource": entry} for entry in draft_entries)
    body["prefetch"] = prefetch

    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no fhirServer in this request: nothing may be fetched")

    async def run() -> ResourcePool:
        async with httpx.AsyncClient(transport=httpx.MockTransport(no_network)) as http:
            return await gather_pool(hook_request(body), settings=settings, http=http)

    try:
        pool = asyncio.run(run())
    except MissingData as missing:
        assert missing.expression
    else:
        assert pool.draft_orders


def recording_transport(sent: list[httpx.Request]) -> httpx.MockTransport:
    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset", "entry": []})

    return httpx.MockTransport(record)


@pytest.mark.parametrize(
    "server",
    [
        "http://127.0.0.1:6379/",
        "https://169.254.169.254/latest/meta-data",
        "https://0x7f000001/",
        "https://[::1]/",
        "https://localhost/admin",
        "https://user@ehr.example.org/fhir",
        "gopher://127.0.0.1/",
        "http://[::1",
    ],
)
async def test_an_internal_or_malformed_fhir_server_is_never_queried(
    dexrazoxane_body: dict[str, Any], settings: Settings, server: str
) -> None:
    """SSRF: whoever calls the hook chooses fhirServer; the service does not reach its own network."""
    dexrazoxane_body["fhirServer"] = server
    del dexrazoxane_body["prefetch"]["observations"]
    open_settings = settings.model_copy(update={"allow_unauthenticated_fhir": True})
    sent: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=recording_transport(sent)) as http:
        pool = await gather_pool(hook_request(dexrazoxane_body), settings=open_settings, http=http)
    assert sent == []
    assert len(pool.problems) == 1 and pool.problems[0].startswith("data beyond the prefetch not read: ")


async def test_with_an_allowlist_only_a_listed_fhir_server_is_queried(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    del dexrazoxane_body["prefetch"]["observations"]
    listed = settings.model_copy(update={"fhir_server_allowlist": [dexrazoxane_body["fhirServer"]]})
    elsewhere = settings.model_copy(update={"fhir_server_allowlist": ["https://other.example.org/fhir"]})
    sent: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=recording_transport(sent)) as http:
        pool = await gather_pool(hook_request(dexrazoxane_body), settings=elsewhere, http=http)
        assert sent == []
        assert pool.problems == [
            "data beyond the prefetch not read: fhirServer is not in CDS_FHIR_SERVER_ALLOWLIST"
        ]
        await gather_pool(hook_request(dexrazoxane_body), settings=listed, http=http)
        assert sent and {r.url.host for r in sent} == {HOST}


async def test_a_required_key_from_a_refused_server_is_a_coarse_412(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    dexrazoxane_body["fhirServer"] = "https://10.0.0.5:8500/"
    del dexrazoxane_body["prefetch"]["conditions"]
    with pytest.raises(MissingData) as raised:
        await gather(dexrazoxane_body, settings)
    # Coarse: the setting that would allow it is named, the address is not echoed.
    assert raised.value.message.endswith(
        "conditions (no usable fhirServer). fhirServer would be read with CDS_FHIR_SERVER_ALLOWLIST set"
    )
    assert "10.0.0.5" not in raised.value.message and "8500" not in raised.value.message


async def test_a_local_open_fhir_server_refused_names_both_settings_that_would_allow_it(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    # What a tester hit: the sandbox against a FHIR server on 127.0.0.1, no fhirAuthorization.
    dexrazoxane_body["fhirServer"] = "http://127.0.0.1:8081/fhir"
    del dexrazoxane_body["fhirAuthorization"]
    del dexrazoxane_body["prefetch"]["conditions"]
    with pytest.raises(MissingData) as raised:
        await gather(dexrazoxane_body, settings)
    assert raised.value.message.endswith(
        "fhirServer would be read with CDS_ALLOW_UNAUTHENTICATED_FHIR=true and CDS_FHIR_SERVER_ALLOWLIST set"
    )
    assert "127.0.0.1" not in raised.value.message


async def test_outbound_requests_stop_at_the_cap_and_the_rest_is_a_problem(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    del dexrazoxane_body["prefetch"]
    capped = settings.model_copy(update={"fhir_max_requests": 3})
    sent: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=recording_transport(sent)) as http:
        with pytest.raises(MissingData):
            await gather_pool(hook_request(dexrazoxane_body), settings=capped, http=http)
    assert len(sent) == 3


async def test_the_request_cap_counts_pages(dexrazoxane_body: dict[str, Any], settings: Settings) -> None:
    del dexrazoxane_body["prefetch"]["observations"]
    capped = settings.model_copy(update={"fhir_max_requests": 4, "fhir_page_cap": 100})
    sent: list[httpx.Request] = []

    def endless(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        following = f"https://{HOST}/fhir/Observation?page={len(sent)}"
        return httpx.Response(
            200,
            json={
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [],
                "link": [{"relation": "next", "url": following}],
            },
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(endless)) as http:
        pool = await gather_pool(hook_request(dexrazoxane_body), settings=capped, http=http)
    assert len(sent) == 4
    assert any("cap of 4 fhirServer requests" in problem for problem in pool.problems)


async def test_the_412_says_the_same_whatever_the_server_did(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    """No port-scan oracle: a 404, a refused connection and a timeout read alike in the 412."""
    del dexrazoxane_body["prefetch"]["conditions"]

    def answer_404(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="nope")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    messages = set()
    for handler in (answer_404, refuse, time_out):
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            with pytest.raises(MissingData) as raised:
                await gather_pool(hook_request(dexrazoxane_body), settings=settings, http=http)
        messages.add(raised.value.message)
    assert len(messages) == 1
    assert messages.pop().endswith("conditions (fhirServer could not provide it)")


@pytest.mark.parametrize("token", ["t\u00f6ken", "tok en", "tok\r\nX-Injected: 1", ""])
async def test_an_access_token_that_cannot_be_sent_makes_the_server_unusable(
    dexrazoxane_body: dict[str, Any], settings: Settings, token: str
) -> None:
    """A non-ASCII token was a UnicodeEncodeError building the headers: a 500."""
    dexrazoxane_body["fhirAuthorization"]["access_token"] = token
    del dexrazoxane_body["prefetch"]["observations"]
    sent: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=recording_transport(sent)) as http:
        pool = await gather_pool(hook_request(dexrazoxane_body), settings=settings, http=http)
    assert sent == []
    assert pool.problems == [
        "data beyond the prefetch not read: fhirAuthorization.access_token cannot be sent in an HTTP header"
    ]
