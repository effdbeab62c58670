"""Discovery checked against the FHIR Tools IG logical model of the CDS Hooks discovery response
(structuredefinition-CDSHooksServices.json): cardinalities and types are read from the model."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from cds_service.fhir.prefetch_templates import PREFETCH_TEMPLATES
from cds_service.hooks.discovery import (
    DISPATCH_SERVICE_ID,
    SELECT_SERVICE_ID,
    SERVICE_ID,
    discovery_document,
    service_definition,
)
from cds_service.response.configuration import CONFIGURATION_OPTIONS
from tests.conftest import SPEC_DIR, ServeApp

MODEL = orjson.loads((SPEC_DIR / "fhir-tools-ig" / "structuredefinition-CDSHooksServices.json").read_bytes())
JSON_PROPERTY_KEY = "http://hl7.org/fhir/tools/StructureDefinition/json-property-key"
# FHIR primitive patterns (R4 datatypes): `code` has no leading/trailing or double whitespace.
PRIMITIVE_PATTERNS = {"string": re.compile(r"^[\s\S]+$"), "code": re.compile(r"^[^\s]+( [^\s]+)*$")}
# CRD 2.2 §dev-1: "major.minor" versions.
CRD_VERSION = re.compile(r"^[1-9]\d*\.[1-9]\d*$")


def elements() -> dict[str, dict[str, Any]]:
    return {element["path"]: element for element in MODEL["differential"]["element"]}


def children(path: str) -> dict[str, dict[str, Any]]:
    prefix = path + "."
    return {
        p[len(prefix) :]: e
        for p, e in elements().items()
        if p.startswith(prefix) and "." not in p[len(prefix) :]
    }


def check_value(element: dict[str, Any], value: Any, where: str, problems: list[str]) -> None:
    codes = [t["code"] for t in element.get("type", [])]
    values = value if isinstance(value, list) else [value]
    if element.get("max") == "1" and isinstance(value, list):
        problems.append(f"{where}: max 1, got a list")
    if isinstance(value, list) and not value:
        problems.append(f"{where}: empty array (CDS Hooks JSON rules)")
    for item in values:
        for code in codes:
            if code in PRIMITIVE_PATTERNS and not (
                isinstance(item, str) and PRIMITIVE_PATTERNS[code].match(item)
            ):
                problems.append(f"{where}: not a valid {code}: {item!r}")


def check_object(path: str, obj: dict[str, Any], where: str, problems: list[str]) -> None:
    defined = children(path)
    for name, element in defined.items():
        if element.get("min", 0) >= 1 and name not in obj:
            problems.append(f"{where}.{name}: required (min {element['min']})")
    for name, value in obj.items():
        if name == "extension":  # CDSHooksElement.extension 0..1, a JSON object of named extensions
            if not isinstance(value, dict) or not value:
                problems.append(f"{where}.extension: must be a non-empty object")
            continue
        if name not in defined:
            problems.append(f"{where}.{name}: not in the model")
            continue
        if value is None:
            problems.append(f"{where}.{name}: null (CDS Hooks JSON rules)")
            continue
        element = defined[name]
        if any(ext["url"] == JSON_PROPERTY_KEY for ext in element.get("extension", [])):
            check_map(f"{path}.{name}", value, f"{where}.{name}", problems)
        else:
            check_value(element, value, f"{where}.{name}", problems)


def check_map(path: str, value: Any, where: str, problems: list[str]) -> None:
    """A json-property-key element is a JSON object: its keys are `.key`, its values `.value`."""
    if not isinstance(value, dict) or not value:
        problems.append(f"{where}: must be a non-empty JSON object")
        return
    parts = children(path)
    for key, item in value.items():
        check_value(parts["key"], key, f"{where} key", problems)
        check_value(parts["value"], item, f"{where}.{key}", problems)


def conformance_problems(document: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    services_element = elements()["CDSHooksServices.services"]
    services = document.get("services")
    if not isinstance(services, list):
        return ["services: must be an array"]
    if services_element.get("max") != "*":
        problems.append("model changed: services is no longer an array")
    for index, service in enumerate(services):
        check_object("CDSHooksServices.services", service, f"services[{index}]", problems)
    return problems


def test_the_checker_catches_what_the_model_forbids() -> None:
    broken = {
        "services": [
            {"hook": "order-sign", "title": ["a"], "id": " leading-space", "prefetch": {"k": 1}, "x": 1}
        ]
    }
    problems = conformance_problems(broken)
    assert any("description: required" in p for p in problems)
    assert any("title: max 1" in p for p in problems)
    assert any("id: not a valid code" in p for p in problems)
    assert any("prefetch.k: not a valid string" in p for p in problems)
    assert any(".x: not in the model" in p for p in problems)


def test_discovery_conforms_to_the_cds_hooks_services_model() -> None:
    assert conformance_problems(discovery_document()) == []


def test_the_three_hooks_of_an_order_with_their_prefetch() -> None:
    services = {service["hook"]: service for service in discovery_document()["services"]}
    assert list(services) == ["order-sign", "order-select", "order-dispatch"]  # order-sign first, as before
    assert services["order-sign"]["id"] == SERVICE_ID  # unchanged: EHRs are configured with it
    assert services["order-select"]["id"] == SELECT_SERVICE_ID
    assert services["order-dispatch"]["id"] == DISPATCH_SERVICE_ID
    assert services["order-sign"]["prefetch"] == PREFETCH_TEMPLATES
    assert services["order-select"]["prefetch"] == PREFETCH_TEMPLATES
    # order-dispatch's context has no userId: no template that needs it is advertised.
    assert services["order-dispatch"]["prefetch"] == {
        key: template
        for key, template in PREFETCH_TEMPLATES.items()
        if key not in ("practitioner", "practitionerRoles")
    }
    # CDS Hooks 2.0 prefetch tokens: the hook's own context primitives and, where the context has a
    # userId, the user* tokens; nothing else (no FHIRPath, no draftOrders, no dispatchedOrders).
    tokens_allowed = {
        "order-sign": {"context.patientId", "context.encounterId", "context.userId", "userPractitionerId"},
        "order-select": {"context.patientId", "context.encounterId", "context.userId", "userPractitionerId"},
        "order-dispatch": {"context.patientId", "context.performer"},
    }
    for hook, service in services.items():
        assert service["title"] and service["description"] and service["usageRequirements"]
        for template in service["prefetch"].values():
            assert set(re.findall(r"\{\{(.*?)\}\}", template)) <= tokens_allowed[hook], (hook, template)


def test_the_crd_extension_declares_versions_and_configuration_options_only_when_there_are_some() -> None:
    extension = service_definition()["extension"]
    assert extension["davinci-crd.version"] and all(
        CRD_VERSION.match(v) for v in extension["davinci-crd.version"]
    )
    if CONFIGURATION_OPTIONS:
        assert extension["davinci-crd.configuration-options"] == CONFIGURATION_OPTIONS
    else:
        assert "davinci-crd.configuration-options" not in extension


@pytest.mark.parametrize("path", ["/cds-services", "/cds-services/"])
async def test_discovery_is_served_with_and_without_a_trailing_slash(
    serve_app: ServeApp, make_settings: Any, path: str
) -> None:
    async with serve_app(make_settings()) as client:
        response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == discovery_document()
    assert conformance_problems(response.json()) == []
