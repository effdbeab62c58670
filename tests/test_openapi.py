"""The published API tells the truth: schemathesis, with every check, over the running app
in-process (ASGI), finds no difference between /openapi.json and what the service does.

Bounded and repeatable for CI: a fixed seed, deterministic generation, a fixed number of examples per
operation and of stateful steps. No FHIR server is ever queried: the allowlist names only a reserved
``.invalid`` host. The same run from the command line, against ``cds-service serve``:
``schemathesis run http://127.0.0.1:8080/openapi.json --checks all`` (docs/api.md "The OpenAPI document").
"""

from __future__ import annotations

from typing import Any

import hypothesis
import orjson
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from cds_service.app import create_app
from cds_service.hooks.discovery import DISPATCH_SERVICE_ID, SELECT_SERVICE_ID, SERVICE_ID
from cds_service.openapi import OPERATIONS
from cds_service.settings import Settings
from tests.conftest import ServeApp

# Answers a schema-valid body can still get, each said in the operation's description: a selection naming
# no order of draftOrders (400), a dispatched order readable neither from the prefetch nor fhirServer (412).
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
SAID_BESIDE_THE_SCHEMA = [
    {
        "include-path": f"/cds-services/{SELECT_SERVICE_ID}",
        "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "400"]}},
    },
    {
        "include-path": f"/cds-services/{DISPATCH_SERVICE_ID}",
        "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "412"]}},
    },
]
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": SAID_BESIDE_THE_SCHEMA,
        "seed": 418,
        "generation": {"max-examples": 25, "deterministic": True},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True},
        },
    }
)

APP = create_app(Settings(feedback_log_path="", fhir_server_allowlist=["https://fhir.invalid"]))
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@SCHEMA.parametrize()
def test_every_operation_behaves_as_documented(case: schemathesis.Case) -> None:
    # No `checks` argument: every check schemathesis has runs (as `--checks all`).
    case.call_and_validate()


Workflow = SCHEMA.as_state_machine()
Workflow.TestCase.settings = hypothesis.settings(
    max_examples=10, stateful_step_count=4, derandomize=True, deadline=None, database=None
)
TestWorkflow = Workflow.TestCase


def test_every_operation_is_described() -> None:
    """A route added without its description in cds_service/openapi.py would publish FastAPI's guess."""
    served = {(path, method) for path, methods in SCHEMA.raw_schema["paths"].items() for method in methods}
    assert served == set(OPERATIONS)


def test_the_document_has_no_422_and_names_its_operation_outcomes() -> None:
    """FastAPI's default 422 is never sent (errors are 400 OperationOutcomes), so it is not documented."""
    document = SCHEMA.raw_schema  # as served at /openapi.json
    assert b"422" not in orjson.dumps(document["paths"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    statuses = {
        (path, method): sorted(operation["responses"])
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    for service_id in (SERVICE_ID, SELECT_SERVICE_ID, DISPATCH_SERVICE_ID):
        assert statuses[(f"/cds-services/{service_id}", "post")] == [
            "200",
            "400",
            "401",
            "408",
            "412",
            "413",
            "503",
        ]
    assert statuses[("/cds-services/{service_id}/feedback", "post")] == [
        "200",
        "400",
        "401",
        "404",
        "408",
        "413",
        "503",
    ]
    assert statuses[("/fhir/$questionnaire-package", "post")] == ["200", "400", "401", "404", "408", "413"]
    shed = document["paths"][f"/cds-services/{SERVICE_ID}"]["post"]["responses"]["503"]
    assert "Retry-After" in shed["headers"]
    assert shed["content"]["application/fhir+json"]["schema"] == {
        "$ref": "#/components/schemas/OperationOutcome"
    }


@pytest.mark.parametrize(
    "path", ["/fhir/$questionnaire-package", "/fhir/Questionnaire/$questionnaire-package"]
)
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"])
async def test_another_method_on_the_package_operation_names_the_documented_one(
    serve_app: ServeApp, make_settings: Any, path: str, method: str
) -> None:
    """The read route (GET /fhir/Questionnaire/{id}) also matches the typed operation's URL: its Allow must
    still be the operation's POST, as documented."""
    async with serve_app(make_settings()) as client:
        response = await client.request(method, path)
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")
