"""The order-sign service over HTTP: the spec's example requests, refusals and the call log."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import respx
from fhir.resources.R4B.operationoutcome import OperationOutcome

from cds_service.hooks.discovery import SERVICE_ID
from tests.conftest import REPO_ROOT, SPEC_DIR, ServeApp, empty_fhir_server

SERVICE = f"/cds-services/{SERVICE_ID}"


def order_sign_examples() -> list[tuple[str, dict[str, Any]]]:
    """Every order-sign request among the spec examples (CRD IG 2.2.1, the Inferno CRD test kit)."""
    examples: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(SPEC_DIR.rglob("*.json")):
        document = orjson.loads(path.read_bytes())
        candidates = document if isinstance(document, list) else [document]
        for index, candidate in enumerate(candidates):
            if (
                isinstance(candidate, dict)
                and candidate.get("hook") == "order-sign"
                and "context" in candidate
            ):
                name = str(path.relative_to(SPEC_DIR)) + (f"[{index}]" if isinstance(document, list) else "")
                examples.append((name, candidate))
    return examples


EXAMPLES = order_sign_examples()
BASE_EXAMPLE = dict(EXAMPLES)["inferno-crd-test-kit/order_sign_hook_request.json"]


def test_the_spec_holds_the_examples_the_brief_names() -> None:
    names = {name for name, _ in EXAMPLES}
    assert {
        "inferno-crd-test-kit/order_sign_hook_request.json",
        "inferno-crd-test-kit/order-sign-request.json",
        "davinci-crd-2.2.1/CRDServiceRequest.json",
        "davinci-crd-2.2.1/CRDServiceRequest3.json",
        "inferno-crd-test-kit/ri_crd_server.order_sign_request_bodies.json[0]",
        "inferno-crd-test-kit/ri_crd_server.order_sign_request_bodies.json[1]",
    } <= names


@pytest.fixture
async def fhir_servers() -> AsyncIterator[httpx.AsyncClient]:
    """The service's HTTP client: any fhirServer the examples name answers from the stub; nothing leaves
    the machine (respx's router behind the client, no global patching)."""
    with respx.mock(using=None, assert_all_called=False, assert_all_mocked=True) as mock:
        for server in {example.get("fhirServer") for _, example in EXAMPLES} - {None}:
            mock.route(url__startswith=server).mock(side_effect=empty_fhir_server)
        async with httpx.AsyncClient(transport=httpx.MockTransport(mock.async_handler)) as http:
            yield http


@pytest.mark.parametrize("example", [e for _, e in EXAMPLES], ids=[n for n, _ in EXAMPLES])
async def test_every_spec_example_is_answered_200(
    serve_app: ServeApp, make_settings: Any, fhir_servers: httpx.AsyncClient, example: dict[str, Any]
) -> None:
    async with serve_app(make_settings(), http_client=fhir_servers) as client:
        response = await client.post(SERVICE, content=orjson.dumps(example))
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["cards"], list)
    assert isinstance(body.get("systemActions", []), list)


async def test_the_sandbox_double_slash_path_is_served(
    serve_app: ServeApp, make_settings: Any, fhir_servers: httpx.AsyncClient
) -> None:
    async with serve_app(make_settings(), http_client=fhir_servers) as client:
        response = await client.post(f"/cds-services//{SERVICE_ID}", content=orjson.dumps(BASE_EXAMPLE))
    assert response.status_code == 200


def broken(path: tuple[str, ...]) -> dict[str, Any]:
    body = copy.deepcopy(BASE_EXAMPLE)
    target = body
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return body


def assert_outcome(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    OperationOutcome.model_validate(body)
    return body


@pytest.mark.parametrize(
    "field", ["hook", "hookInstance", "context", "context.userId", "context.patientId", "context.draftOrders"]
)
async def test_a_request_missing_a_required_field_is_400(
    serve_app: ServeApp, make_settings: Any, field: str
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, content=orjson.dumps(broken(tuple(field.split(".")))))
    assert field in assert_outcome(response, 400)["issue"][0]["expression"]


async def test_a_malformed_body_is_400(serve_app: ServeApp, make_settings: Any) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, content=b'{"hook": "order-sign",')
    assert_outcome(response, 400)


async def test_another_hook_is_400(serve_app: ServeApp, make_settings: Any) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, content=orjson.dumps({**BASE_EXAMPLE, "hook": "patient-view"}))
    assert assert_outcome(response, 400)["issue"][0]["expression"] == ["hook"]


async def test_an_unknown_service_id_is_404(serve_app: ServeApp, make_settings: Any) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post("/cds-services/no-such-service", content=orjson.dumps(BASE_EXAMPLE))
    assert_outcome(response, 404)


async def test_each_call_is_logged_once_without_tokens_or_identifiers(
    serve_app: ServeApp,
    make_settings: Any,
    fhir_servers: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = copy.deepcopy(BASE_EXAMPLE)
    request["context"]["patientId"] = "patient-secret-4471"
    request["context"]["userId"] = "Practitioner/user-secret-9911"
    request["fhirAuthorization"]["access_token"] = "fhir-token-secret-5cc1"
    async with serve_app(make_settings(), http_client=fhir_servers) as client:
        capsys.readouterr()
        response = await client.post(SERVICE, content=orjson.dumps(request))
    assert response.status_code == 200
    output = capsys.readouterr()
    lines = [orjson.loads(line) for line in output.out.splitlines() if line.startswith("{")]
    (call,) = [line for line in lines if line["event"] == "hook_call"]
    assert call["service"] == SERVICE_ID
    assert call["hook_instance"] == request["hookInstance"]
    assert call["status"] == 200
    assert call["orders"] == len(request["context"]["draftOrders"]["entry"])
    assert isinstance(call["decisions"], dict) and call["duration_ms"] >= 0
    for secret in ("patient-secret-4471", "user-secret-9911", "fhir-token-secret-5cc1"):
        assert secret not in output.out and secret not in output.err


COVERAGE_INFORMATION = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
PEND_CASE = REPO_ROOT / "fhir_fixtures" / "policy" / "I.A.2-pend-internist-without-consultation.json"


async def test_a_pended_order_is_prefilled_in_the_dtr_package_that_follows(
    serve_app: ServeApp, make_settings: Any
) -> None:
    hook_request = orjson.loads(PEND_CASE.read_bytes())
    async with serve_app(make_settings()) as client:
        hook = await client.post(SERVICE, content=orjson.dumps(hook_request))
        assert hook.status_code == 200, hook.text
        (action,) = hook.json()["systemActions"]
        (coverage_information,) = [
            e for e in action["resource"]["extension"] if e["url"] == COVERAGE_INFORMATION
        ]
        parts = {e["url"]: e for e in coverage_information["extension"]}
        assert parts["doc-needed"]["valueCode"] == "clinical"
        coverage = hook_request["prefetch"]["coverage"]["entry"][0]["resource"]
        package = await client.post(
            "/fhir/Questionnaire/$questionnaire-package",
            content=orjson.dumps(
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {"name": "coverage", "resource": coverage},
                        {"name": "context", "valueString": parts["coverage-assertion-id"]["valueString"]},
                    ],
                }
            ),
        )
    assert package.status_code == 200, package.text
    bundle = package.json()["parameter"][0]["resource"]
    response = bundle["entry"][1]["resource"]
    assert response["resourceType"] == "QuestionnaireResponse" and response["item"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST"])
@pytest.mark.parametrize("path", ["/cds-services/nope", "/cds-services//nope", "/cds-services/nope/feedback"])
async def test_an_unknown_service_id_is_404_whatever_the_method(
    serve_app: ServeApp, make_settings: Any, method: str, path: str
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.request(method, path, content=b"{}")
    assert_outcome(response, 404)


@pytest.mark.parametrize("path", [SERVICE, f"{SERVICE}/feedback"])
async def test_a_known_service_id_with_get_stays_405(
    serve_app: ServeApp, make_settings: Any, path: str
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.get(path)
    assert_outcome(response, 405)
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("where", ["draft-order", "feedback"])
async def test_deeply_nested_json_is_400_not_500(serve_app: ServeApp, make_settings: Any, where: str) -> None:
    """250 levels in a draft order passed parsing and broke validation or orjson's 255-level dump: a 500."""
    deep = "[" * 250 + "]" * 250
    if where == "draft-order":
        path, body = SERVICE, orjson.dumps(BASE_EXAMPLE).replace(b'"context":{', b'"context":{"deep":@,', 1)
    else:
        path = f"{SERVICE}/feedback"
        item = b'{"card":"c","outcome":"overridden","outcomeTimestamp":"2026-01-01T00:00:00Z","x":@}'
        body = b'{"feedback":[' + item + b"]}"
    async with serve_app(make_settings()) as client:
        response = await client.post(path, content=body.replace(b"@", deep.encode()))
    assert "deeper than 64 levels" in assert_outcome(response, 400)["issue"][0]["details"]["text"]


async def test_a_long_hook_instance_is_logged_clipped_to_128_characters(
    serve_app: ServeApp,
    make_settings: Any,
    fhir_servers: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = {**BASE_EXAMPLE, "hookInstance": "h" * 100_000}
    async with serve_app(make_settings(), http_client=fhir_servers) as client:
        capsys.readouterr()
        assert (await client.post(SERVICE, content=orjson.dumps(request))).status_code == 200
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (call,) = [line for line in lines if line["event"] == "hook_call"]
    assert len(call["hook_instance"]) == 128 and call["hook_instance"].startswith("hhh")


async def test_a_client_string_is_quoted_in_an_error_clipped_to_64_characters(
    serve_app: ServeApp, make_settings: Any
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, content=orjson.dumps({**BASE_EXAMPLE, "hook": "x" * 10_000}))
    text = assert_outcome(response, 400)["issue"][0]["details"]["text"]
    assert "x" * 63 + "\u2026" in text and "x" * 64 not in text


async def test_a_fhir_server_that_is_not_a_url_is_never_a_500(
    serve_app: ServeApp, make_settings: Any
) -> None:
    """A dexrazoxane request naming "http://[::1" as its FHIR server and prefetching everything: decided
    from the prefetch (the unparseable server is not queried, nor does it break the assertion ids)."""
    body = orjson.loads(
        (REPO_ROOT / "fhir_fixtures/policy/I.A.3.a-approve-adult-cumulative-300.json").read_bytes()
    )
    body["fhirServer"] = "http://[::1"
    body["fhirAuthorization"] = {
        "access_token": "t",
        "token_type": "Bearer",
        "expires_in": 60,
        "scope": "x",
        "subject": "s",
    }
    async with serve_app(make_settings()) as client:
        response = await client.post(SERVICE, json=body)
        # A host that is not valid IDNA: read only when the SSRF guard looked at it, where idna raised
        # (a 500 before). The same answer as any other server that cannot be read: the prefetch decides.
        idna = await client.post(SERVICE, json={**body, "fhirServer": "https://xn--zz.example/fhir"})
        without_prefetch = await client.post(
            SERVICE, json={**body, "fhirServer": "https://xn--zz.example/fhir", "prefetch": {}}
        )
    assert response.status_code == 200
    assert response.json()["systemActions"]
    assert idna.status_code == 200, idna.text
    assert idna.json()["systemActions"]
    assert without_prefetch.status_code == 412
    assert "no usable fhirServer" in without_prefetch.json()["issue"][0]["details"]["text"]
