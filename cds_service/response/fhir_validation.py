"""Validation of what the service emits against FHIR R4 (fhir.resources R4B models, R4-compatible for the
resources used here). Input stays plain dicts; only emitted resources are validated in full."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError


def r4_problem(resource: dict[str, Any]) -> str | None:
    """Why `resource` is not a valid FHIR R4 resource, or None when it is.

    The message names element paths and error kinds only, never values: the resource holds patient data.
    """
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str):
        return "no resourceType"
    try:
        model = get_fhir_model_class(resource_type)
    except (ValueError, KeyError):
        return f"{resource_type} is not an R4 resource type"
    try:
        model.model_validate(resource)
    except ValidationError as error:
        return "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['type']}" for issue in error.errors()[:5]
        )
    return None
