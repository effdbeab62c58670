from __future__ import annotations

import copy
import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.errors import InvalidRequest
from cds_service.hooks.parse import parse_hook_request
from tests.conftest import ORDER_SIGN_EXAMPLE

EXAMPLE: dict[str, Any] = orjson.loads(ORDER_SIGN_EXAMPLE.read_bytes())


def without(path: tuple[str, ...]) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE)
    target = body
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return body


def with_value(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE)
    target = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


def refusal(body: Any) -> InvalidRequest:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    with pytest.raises(InvalidRequest) as refused:
        parse_hook_request(raw)
    return refused.value


REQUIRED = [
    ("hook",),
    ("hookInstance",),
    ("context",),
    ("context", "userId"),
    ("context", "patientId"),
    ("context", "draftOrders"),
]


def test_the_example_request_parses() -> None:
    request = parse_hook_request(orjson.dumps(EXAMPLE))
    assert request.hook == "order-sign"
    assert request.context.patientId == EXAMPLE["context"]["patientId"]


@pytest.mark.parametrize("path", REQUIRED, ids=".".join)
def test_a_missing_required_field_is_named(path: tuple[str, ...]) -> None:
    refused = refusal(without(path))
    assert ".".join(path) in refused.expression
    assert ".".join(path) in refused.message


@pytest.mark.parametrize("path", REQUIRED, ids=".".join)
def test_a_null_required_field_is_named(path: tuple[str, ...]) -> None:
    assert ".".join(path) in refusal(with_value(path, None)).expression


@pytest.mark.parametrize(
    "path", [p for p in REQUIRED if p[-1] not in {"context", "draftOrders"}], ids=".".join
)
def test_an_empty_required_string_is_refused(path: tuple[str, ...]) -> None:
    assert refusal(with_value(path, "  ")).expression == (".".join(path),)


def test_draft_orders_must_be_an_object() -> None:
    refused = refusal(with_value(("context", "draftOrders"), "MedicationRequest/1"))
    assert refused.expression == ("context.draftOrders",)
    assert "JSON object" in refused.message


@pytest.mark.parametrize("patient_id", ["Patient/123", " 123", "12 3", "a/b"])
def test_a_patient_id_that_is_not_a_bare_fhir_id_is_refused(patient_id: str) -> None:
    refused = refusal(with_value(("context", "patientId"), patient_id))
    assert refused.expression == ("context.patientId",)


def test_another_hook_is_refused() -> None:
    assert refusal(with_value(("hook",), "patient-view")).expression == ("hook",)


@pytest.mark.parametrize("body", [b"", b"{not json", b"[]", b"42", b'"order-sign"'])
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    assert refusal(body).status == 400


def test_unknown_fields_and_extensions_are_accepted() -> None:
    body = with_value(("extension",), {"com.example.thing": {"a": 1}})
    body["somethingNew"] = [1, 2]
    body["context"]["selections"] = ["MedicationRequest/1"]
    assert parse_hook_request(orjson.dumps(body)).extension == {"com.example.thing": {"a": 1}}


def test_a_sandbox_style_request_without_bundle_type_or_encounter_parses() -> None:
    body = {
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "hook": "order-sign",
        "fhirServer": "https://launch.smarthealthit.org/v/r2/fhir",
        "context": {
            "patientId": "smart-1288992",
            "userId": "Practitioner/example",
            "draftOrders": {
                "resourceType": "Bundle",
                "entry": [{"resource": {"resourceType": "MedicationOrder"}}],
            },
        },
    }
    assert parse_hook_request(orjson.dumps(body)).context.encounterId is None


def test_a_fhir_authorization_without_its_token_is_refused() -> None:
    body = with_value(("fhirAuthorization",), {"token_type": "Bearer"})
    assert refusal(body).expression == ("fhirAuthorization.access_token",)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


# No deadline: the first fhirServer with a non-ASCII host loads idna's tables (once per process).
@settings(deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["hook", "hookInstance", "context", "prefetch", "fhirServer", "fhirAuthorization", "x"]
        ),
        JSON_VALUES,
    )
)
def test_any_json_object_parses_or_is_refused_as_invalid(body: dict[str, Any]) -> None:
    try:
        parse_hook_request(orjson.dumps(body))
    except InvalidRequest as refused:
        assert refused.status == 400 and refused.message


@given(
    st.fixed_dictionaries(
        {"userId": JSON_VALUES, "patientId": JSON_VALUES, "draftOrders": JSON_VALUES},
        optional={"encounterId": JSON_VALUES},
    )
)
def test_any_context_parses_or_is_refused_as_invalid(context: dict[str, Any]) -> None:
    body = {**EXAMPLE, "context": context}
    try:
        request = parse_hook_request(orjson.dumps(body))
    except InvalidRequest as refused:
        assert refused.expression and all(field.startswith("context") for field in refused.expression)
    else:
        assert isinstance(request.context.draftOrders, dict) and request.context.patientId.strip()


def nested(depth: int) -> Any:
    """``depth`` levels of objects and arrays, as FHIR extensions nest."""
    value: Any = {"url": "x"}
    for _ in range((depth - 1) // 2):
        value = {"extension": [value]}
    return value


def test_json_nested_deeper_than_64_levels_is_refused() -> None:
    order = EXAMPLE["context"]["draftOrders"]["entry"][0]["resource"]
    deep = with_value(
        ("context", "draftOrders", "entry"), [{"resource": {**order, "extension": [nested(200)]}}]
    )
    assert "deeper than 64 levels" in refusal(deep).message
    # The prefetch is read, never echoed: held to orjson's 255-level limit instead (checked at C speed).
    too_deep = json.dumps(with_value(("prefetch",), {"x": nested(300)})).encode()  # orjson stops at 255
    assert "too deep" in refusal(too_deep).message
    assert parse_hook_request(orjson.dumps(with_value(("prefetch",), {"x": nested(200)})))


def test_nesting_up_to_the_limit_is_accepted() -> None:
    # the top-level object, "extension", and a 62-level value: 64 levels
    assert parse_hook_request(orjson.dumps({**EXAMPLE, "extension": {"x": nested(62)}}))
    assert "deeper" in refusal({**EXAMPLE, "extension": {"x": nested(64)}}).message


@pytest.mark.parametrize(
    "server",
    ["https://xn--zz.example/fhir", "http://10.0.0.1/fhir", "not a url", "https://ehr.example/../fhir", ""],
)
def test_a_fhir_server_is_not_judged_when_parsing(server: str) -> None:
    # where the service may go is decided when gathering (fhir.server_url.server_refusal), not a 400
    assert parse_hook_request(orjson.dumps(with_value(("fhirServer",), server))).fhirServer == server
