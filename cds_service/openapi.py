"""The OpenAPI document, told true: the real request bodies, every status each route sends, and
no 422 (FastAPI's default, which the service never sends: its errors are 400 OperationOutcomes).

Documentation only. The routes read their bodies themselves (``hooks/parse.py``, ``hooks/feedback.py``,
``dtr/package.py``), deliberately lenient (sandbox shapes, DSTU2 orders, unknown fields), so nothing here is
given to FastAPI to validate with: ``install_openapi`` replaces each operation's ``parameters``,
``requestBody`` and ``responses`` in the generated document. The schemas say exactly what the parsers
check, no more (a schema-valid body is never refused) and no less (a schema-invalid one is never
accepted); the schemathesis run of ``tests/test_openapi.py`` holds the two together with every check.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from cds_service.dtr.questionnaire import QUESTIONNAIRE_ID
from cds_service.hooks.discovery import (
    DISPATCH_SERVICE_ID,
    HOOK,
    ORDER_DISPATCH,
    ORDER_SELECT,
    SELECT_SERVICE_ID,
    SERVICE_ID,
    SERVICES,
)
from cds_service.hooks.feedback import MAX_CODE_CHARS, MAX_ID_CHARS, MAX_ITEMS, MAX_SUGGESTIONS
from cds_service.hooks.parse import MAX_ORDERS_NAMED, MAX_REFERENCE_CHARS

JSON = "application/json"
FHIR_JSON = "application/fhir+json"

# A string with something besides white space: the parser strips with Python's str.strip, so the class is
# Python's white space (str.isspace), spelled out since a pattern's \s differs between regex dialects.
_PYTHON_WHITE_SPACE = "".join(f"\\u{c:04x}" for c in range(0x3001) if chr(c).isspace())
NOT_BLANK = f"[^{_PYTHON_WHITE_SPACE}]"
# fhir/tokens.py's id (letters, digits, -._~, at least one letter or digit, 1..256 characters), without the
# look-ahead some regex dialects lack.
FHIR_ID = "^[-._~]*[A-Za-z0-9][-._~A-Za-z0-9]*$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _text(**limits: Any) -> dict[str, Any]:
    return {"type": "string", **limits}


_BOUNDED_ID = _text(minLength=1, maxLength=MAX_ID_CHARS)
_BOUNDED_CODE = _text(minLength=1, maxLength=MAX_CODE_CHARS)

# fhir/tokens.py's relative reference (Type/id), as order-dispatch's dispatchedOrders are checked.
REFERENCE = "^[A-Z][A-Za-z]+/[-._~]*[A-Za-z0-9][-._~A-Za-z0-9]*$"


def _hook_request(hook: str, description: str, context: dict[str, Any]) -> dict[str, Any]:
    """A CDS Hooks 2.0 request of ``hook``, as hooks/parse.py reads it (hooks/request.py lists what is
    required); ``context`` as that hook's context is checked."""
    return {
        "type": "object",
        "description": description + " Unknown fields are accepted; the FHIR content of the context and "
        "prefetch is read leniently (R4, the sandbox's DSTU2 MedicationOrder).",
        "required": ["hook", "hookInstance", "context"],
        "properties": {
            "hook": {"const": hook},
            "hookInstance": _text(pattern=NOT_BLANK, description="A UUID by the spec; any non-blank string"),
            "fhirServer": _nullable(
                _text(description="Queried only when allowed (CDS_FHIR_SERVER_ALLOWLIST)")
            ),
            "fhirAuthorization": _nullable(
                {
                    "type": "object",
                    "description": "Only access_token is used (a Bearer token to fhirServer); the other "
                    "fields (token_type, expires_in, scope, subject, patient) are not judged.",
                    "required": ["access_token"],
                    "properties": {"access_token": _text()},
                }
            ),
            "context": context,
            "prefetch": _nullable(
                {"type": "object", "description": "Keys of the discovery document's prefetch"}
            ),
            "extension": _nullable({"type": "object"}),
        },
    }


_PATIENT_ID = _text(pattern=FHIR_ID, maxLength=256, description="A bare FHIR Patient.id")
_SIGN_CONTEXT: dict[str, Any] = {
    "type": "object",
    "required": ["userId", "patientId", "draftOrders"],
    "properties": {
        "userId": _text(pattern=NOT_BLANK),
        "patientId": _PATIENT_ID,
        "encounterId": _nullable(_text()),
        "draftOrders": {"type": "object", "description": "A FHIR Bundle of the orders being signed"},
    },
}
HOOK_REQUEST = _hook_request(HOOK, "A CDS Hooks 2.0 order-sign request.", _SIGN_CONTEXT)
SELECT_REQUEST = _hook_request(
    ORDER_SELECT,
    "A CDS Hooks order-select request (hook library order-select 1.0). Each selection must name an order "
    "of draftOrders ('Type/id', or a full URL ending in it), which JSON Schema cannot say: one that names "
    "none is a 400.",
    {
        **_SIGN_CONTEXT,
        "required": ["userId", "patientId", "draftOrders", "selections"],
        "properties": {
            **_SIGN_CONTEXT["properties"],
            "draftOrders": {
                "type": "object",
                "description": "A FHIR Bundle of the session's unsigned orders",
            },
            "selections": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_ORDERS_NAMED,
                "items": _text(),
                "description": "The newly selected orders among draftOrders; only these are decided",
            },
        },
    },
)
DISPATCH_REQUEST = _hook_request(
    ORDER_DISPATCH,
    "A CDS Hooks order-dispatch request (hook library order-dispatch 1.0). A dispatched MedicationRequest "
    "that is neither in the prefetch nor readable on fhirServer is a 412.",
    {
        "type": "object",
        "required": ["patientId", "dispatchedOrders", "performer"],
        "properties": {
            "patientId": _PATIENT_ID,
            "dispatchedOrders": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_ORDERS_NAMED,
                "items": _text(pattern=REFERENCE, maxLength=MAX_REFERENCE_CHARS),
                "description": "The orders dispatched, as references 'Type/id' (e.g. MedicationRequest/123)",
            },
            "performer": _text(pattern=NOT_BLANK, description="Who will perform them (a reference)"),
            "fulfillmentTasks": _nullable({"type": "array", "items": {"type": "object"}}),
        },
    },
)

HOOK_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["cards"],
    "properties": {
        "cards": {"type": "array", "items": {"type": "object"}},
        "systemActions": {"type": "array", "items": {"type": "object"}},
    },
}

DISCOVERY: dict[str, Any] = {
    "type": "object",
    "required": ["services"],
    "properties": {"services": {"type": "array", "items": {"type": "object"}}},
}

# CDS Hooks 2.0 §Feedback, as hooks/feedback.py reads it: an accepted item without acceptedSuggestions, or
# without a readable outcomeTimestamp, is recorded flagged, not refused.
FEEDBACK: dict[str, Any] = {
    "type": "object",
    "required": ["feedback"],
    "properties": {
        "feedback": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_ITEMS,
            "items": {
                "type": "object",
                "required": ["card", "outcome"],
                "properties": {
                    "card": _BOUNDED_ID,
                    "outcome": {"enum": ["accepted", "overridden"]},
                    "acceptedSuggestions": _nullable(
                        {
                            "type": "array",
                            "maxItems": MAX_SUGGESTIONS,
                            "items": {
                                "type": "object",
                                "required": ["id"],
                                "properties": {"id": _BOUNDED_ID},
                            },
                        }
                    ),
                    "overrideReason": _nullable(
                        {
                            "type": "object",
                            "properties": {
                                "reason": _nullable(
                                    {
                                        "type": "object",
                                        "required": ["code", "system"],
                                        "properties": {
                                            "code": _BOUNDED_CODE,
                                            "system": _BOUNDED_CODE,
                                            "display": _nullable(_text()),
                                        },
                                    }
                                ),
                                "userComment": _nullable(_text()),
                            },
                        }
                    ),
                    "outcomeTimestamp": {
                        "description": "RFC 3339 date-time with a zone; when missing or unreadable the item "
                        "is recorded without it, flagged"
                    },
                },
            },
        }
    },
}


def _parameter_named(*names: str) -> dict[str, Any]:
    return {"type": "object", "required": ["name"], "properties": {"name": {"enum": list(names)}}}


# Falsy JSON values: dtr/package.py reads `valueCanonical or valueUri`.
_FALSY: dict[str, Any] = {"enum": [None, False, 0, "", [], {}]}

# DTR $questionnaire-package input Parameters, as dtr/package.py reads it: exactly one coverage, holding a
# Coverage; dtr-1 (an order, a questionnaire or a context); at most one context. Spelled as "exactly one
# context, or none and an order or questionnaire", which schema-driven generators handle (an allOf of
# several `contains` made schemathesis take minutes per run).
PACKAGE_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "parameter"],
    "properties": {
        "resourceType": {"const": "Parameters"},
        "parameter": {
            "type": "array",
            "items": {
                "type": "object",
                "allOf": [
                    {
                        "if": _parameter_named("coverage", "order"),
                        "then": {
                            "required": ["resource"],
                            "properties": {
                                "resource": {
                                    "type": "object",
                                    "required": ["resourceType"],
                                    "properties": {"resourceType": _text()},
                                }
                            },
                        },
                    },
                    {
                        "if": _parameter_named("coverage"),
                        "then": {
                            "properties": {
                                "resource": {"properties": {"resourceType": {"const": "Coverage"}}}
                            }
                        },
                    },
                    {
                        "if": _parameter_named("questionnaire"),
                        "then": {
                            "anyOf": [
                                {
                                    "required": ["valueCanonical"],
                                    "properties": {"valueCanonical": _text(minLength=1)},
                                },
                                {
                                    "required": ["valueUri"],
                                    "properties": {"valueCanonical": _FALSY, "valueUri": _text(minLength=1)},
                                },
                            ]
                        },
                    },
                    {
                        "if": _parameter_named("context"),
                        "then": {
                            "required": ["valueString"],
                            "properties": {"valueString": _text(minLength=1)},
                        },
                    },
                ],
            },
            "contains": _parameter_named("coverage"),
            "minContains": 1,
            "maxContains": 1,
            "anyOf": [
                {"contains": _parameter_named("context"), "minContains": 1, "maxContains": 1},
                {
                    "items": {"properties": {"name": {"not": {"const": "context"}}}},
                    "contains": _parameter_named("order", "questionnaire"),
                },
            ],
        },
    },
}

OPERATION_OUTCOME: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"enum": ["fatal", "error", "warning", "information"]},
                    "code": _text(),
                    "details": {"type": "object", "properties": {"text": _text()}},
                    "expression": {"type": "array", "items": _text()},
                },
            },
        },
    },
}

FHIR_RESOURCE: dict[str, Any] = {"type": "object", "required": ["resourceType"]}

COMPONENTS: dict[str, dict[str, Any]] = {
    "OperationOutcome": OPERATION_OUTCOME,
    "CdsHooksOrderSignRequest": HOOK_REQUEST,
    "CdsHooksOrderSelectRequest": SELECT_REQUEST,
    "CdsHooksOrderDispatchRequest": DISPATCH_REQUEST,
    "CdsHooksResponse": HOOK_RESPONSE,
    "CdsHooksDiscovery": DISCOVERY,
    "CdsHooksFeedback": FEEDBACK,
    "QuestionnairePackageParameters": PACKAGE_PARAMETERS,
    "FhirResource": FHIR_RESOURCE,
}

_WHY: dict[int, str] = {
    400: "The body is not JSON or lacks what is required; the OperationOutcome names the fields",
    401: "A missing or bad client JWT, when CDS_AUTH_REQUIRED is true",
    404: "No such service id or Questionnaire",
    405: "Another method on a path that exists; Allow names the one it has",
    408: "The body did not arrive within CDS_BODY_TIMEOUT_SECONDS (the connection is closed)",
    412: "Data the decision needs is neither prefetched nor readable on fhirServer",
    413: "The body is larger than CDS_MAX_BODY_BYTES (feedback: 1 MiB)",
    503: "Overloaded (the in-flight bound is reached: Retry-After) or past the hook deadline",
}


def _errors(*statuses: int) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": _WHY[status],
            "content": {FHIR_JSON: {"schema": _ref("OperationOutcome")}},
        }
        if status == 503:
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait; sent when the hook was shed, not past its deadline",
                    "required": False,
                    "schema": {"type": "integer"},
                }
            }
        if status == 405:
            response["headers"] = {"Allow": {"required": True, "schema": {"type": "string"}}}
        responses[str(status)] = response
    return responses


def _ok(description: str, media_type: str, schema: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": {media_type: {"schema": _ref(schema)}}}}


FEEDBACK_OPERATION = "feedback"


def _answered(service_id: str, description: str) -> dict[str, Any]:
    """A hook's 200, linked to the feedback its cards are given on (CDS Hooks 2.0 §Feedback)."""
    answered = _ok(description, JSON, "CdsHooksResponse")
    answered["200"]["links"] = {
        "feedback": {"operationId": FEEDBACK_OPERATION, "parameters": {"service_id": service_id}}
    }
    return answered


def _body(schema: str, *media_types: str) -> dict[str, Any]:
    return {"required": True, "content": {media_type: {"schema": _ref(schema)} for media_type in media_types}}


def _id(name: str, value: str) -> dict[str, Any]:
    return _ids(name, value)


def _ids(name: str, *values: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "enum": list(values)}}


# The hook route serves every service id; each is described as a path of its own, since each takes its
# own request body (an order-select body sent to the order-sign service is a 400).
SERVICE_PATH = "/cds-services/{service_id}"


_PACKAGE: dict[str, Any] = {
    "parameters": [],
    "requestBody": _body("QuestionnairePackageParameters", FHIR_JSON, JSON),
    "responses": _ok("The Questionnaire package (a Parameters resource)", FHIR_JSON, "FhirResource")
    | _errors(400, 401, 404, 408, 413),
}

# (path, method) -> what the document says of it; tests/test_openapi.py checks every operation is here.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/cds-services", "get"): {
        "responses": _ok("The discovery document", JSON, "CdsHooksDiscovery") | _errors(401),
    },
    (SERVICE_PATH.format(service_id=SERVICE_ID), "post"): {
        "summary": "The dexrazoxane order-sign service",
        "parameters": [],
        "requestBody": _body("CdsHooksOrderSignRequest", JSON),
        "responses": _answered(SERVICE_ID, "Cards and system actions")
        | _errors(400, 401, 408, 412, 413, 503),
    },
    (SERVICE_PATH.format(service_id=SELECT_SERVICE_ID), "post"): {
        "summary": "The dexrazoxane order-select service (provisional guidance)",
        "parameters": [],
        "requestBody": _body("CdsHooksOrderSelectRequest", JSON),
        "responses": _answered(SELECT_SERVICE_ID, "One provisional card per selected dexrazoxane order")
        | _errors(400, 401, 408, 412, 413, 503),
    },
    (SERVICE_PATH.format(service_id=DISPATCH_SERVICE_ID), "post"): {
        "summary": "The dexrazoxane order-dispatch service",
        "parameters": [],
        "requestBody": _body("CdsHooksOrderDispatchRequest", JSON),
        "responses": _answered(DISPATCH_SERVICE_ID, "Cards and system actions")
        | _errors(400, 401, 408, 412, 413, 503),
    },
    ("/cds-services/{service_id}/feedback", "post"): {
        "operationId": FEEDBACK_OPERATION,
        "parameters": [_ids("service_id", SERVICE_ID, SELECT_SERVICE_ID, DISPATCH_SERVICE_ID)],
        "requestBody": _body("CdsHooksFeedback", JSON),
        "responses": {"200": {"description": "Recorded", "content": {JSON: {"schema": {"type": "object"}}}}}
        | _errors(400, 401, 404, 408, 413, 503),
    },
    ("/fhir/Questionnaire/{questionnaire_id}", "get"): {
        "parameters": [_id("questionnaire_id", QUESTIONNAIRE_ID)],
        "responses": _ok("The DTR Questionnaire", FHIR_JSON, "FhirResource") | _errors(401, 404),
    },
    ("/fhir/Questionnaire/$questionnaire-package", "post"): _PACKAGE,
    ("/fhir/$questionnaire-package", "post"): _PACKAGE,
}


def describe(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with OPERATIONS in place of what FastAPI inferred. An operation missing
    from OPERATIONS keeps FastAPI's description less its 422 (tests/test_openapi.py fails on it)."""
    document = get_openapi(title=app.title, version=app.version, routes=app.routes)
    paths = document.get("paths", {})
    served = paths.pop(SERVICE_PATH, None)
    if served is not None:
        for service in SERVICES:
            paths[SERVICE_PATH.format(service_id=service.id)] = {
                method: {**operation, "operationId": f"{operation.get('operationId', method)}_{service.hook}"}
                for method, operation in served.items()
            }
    for path, methods in paths.items():
        for method, operation in methods.items():
            told = OPERATIONS.get((path, method))
            if told is None:
                operation.get("responses", {}).pop("422", None)
                continue
            operation.pop("requestBody", None)
            operation.update(told)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(COMPONENTS)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve ``describe(app)`` at the app's openapi_url (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
