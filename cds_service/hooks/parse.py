"""Read an order-sign call's body: strict on what CDS Hooks 2.0 requires, lenient on everything else.

400 (``InvalidRequest``) when the body is not a JSON object, when ``hook``, ``hookInstance``,
``context.userId``, ``context.patientId`` or ``context.draftOrders`` is missing, null, empty or of the
wrong JSON type (CDS Hooks 2.0 §Calling a CDS Service, order-sign context; JSON elements "SHALL NOT be
empty"), when ``context.patientId`` is not a bare FHIR id, when the hook is not ``order-sign``, or when
the JSON nests deeper than ``MAX_JSON_DEPTH`` (real FHIR stays far below; deeper would break validation
and orjson's 255-level output limit downstream). The FHIR content itself is not judged here (CONTRACT §7).
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from cds_service.errors import InvalidRequest, clip
from cds_service.fhir.tokens import fhir_id
from cds_service.hooks.discovery import HOOK
from cds_service.hooks.request import HookRequest

# Deepest JSON nesting accepted (objects and arrays); a hook request is about 15 levels deep.
MAX_JSON_DEPTH = 64

# Required string fields, as paths into the body: present but empty is as good as missing.
_REQUIRED_TEXT: tuple[tuple[str, ...], ...] = (
    ("hook",),
    ("hookInstance",),
    ("context", "userId"),
    ("context", "patientId"),
)


def _describe(error: Any) -> tuple[str, str]:
    field = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return field, f"{field} is required"
    expected = {"dict_type": "a JSON object", "string_type": "a string", "int_type": "an integer"}
    return field, f"{field} must be {expected.get(error['type'], 'valid')}"


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays in ``value`` nest more than ``limit`` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def check_depth(payload: Any) -> None:
    """400 for JSON nested deeper than ``MAX_JSON_DEPTH``. The prefetch, most of a large request's bytes,
    is only read (never echoed back), so it is held to orjson's own 255-level limit, which re-encoding it
    checks at C speed; walking it in Python cost as much as parsing the request."""
    if isinstance(payload, dict) and isinstance(payload.get("prefetch"), dict | list):
        rest = {key: value for key, value in payload.items() if key != "prefetch"}
        try:
            orjson.dumps(payload["prefetch"])
        except TypeError:  # orjson: "Recursion limit reached" (JSONEncodeError is a TypeError too)
            raise InvalidRequest("The prefetch nests JSON too deep") from None
    else:
        rest = payload
    if nested_deeper_than(rest, MAX_JSON_DEPTH):
        raise InvalidRequest(f"The body nests JSON deeper than {MAX_JSON_DEPTH} levels")


def parse_hook_request(body: bytes) -> HookRequest:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise InvalidRequest("The body must be a JSON object (a CDS Hooks request)")
    check_depth(payload)
    try:
        request = HookRequest.model_validate(payload)
    except ValidationError as exc:
        described = [_describe(error) for error in exc.errors()]
        raise InvalidRequest(
            "; ".join(message for _, message in described), expression=tuple(field for field, _ in described)
        ) from None
    for path in _REQUIRED_TEXT:
        value: Any = payload
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and not value.strip():
            field = ".".join(path)
            raise InvalidRequest(f"{field} must not be empty", expression=(field,))
    if fhir_id(request.context.patientId) is None:
        # "The FHIR Patient.id of the current patient" (order-sign context): a bare id. "Patient/123" or
        # " 123" would match no prefetched resource, and the absence of all data would read as a deny.
        raise InvalidRequest(
            "context.patientId must be a FHIR Patient.id (no resource type, no spaces)",
            expression=("context.patientId",),
        )
    if request.hook != HOOK:
        raise InvalidRequest(
            f"This service answers the {HOOK} hook, not {clip(request.hook)!r}", expression=("hook",)
        )
    return request
