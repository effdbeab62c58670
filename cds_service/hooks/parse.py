"""Read a hook call's body: strict on what CDS Hooks 2.0 requires, lenient on everything else.

400 (``InvalidRequest``) when the body is not a JSON object, when a field the hook's context requires
(``hooks.request``) is missing, null, empty or of the wrong JSON type (CDS Hooks 2.0 §Calling a CDS
Service; JSON elements "SHALL NOT be empty"), when ``context.patientId`` is not a bare FHIR id, when the
hook is not the one the service answers, when the JSON nests deeper than ``MAX_JSON_DEPTH`` (real FHIR
stays far below; deeper would break validation and orjson's 255-level output limit downstream), and, by
hook:

- order-select: a selection that names no order of ``draftOrders`` (order-select 1.0: "The selections
  field references FHIR resources in the draftOrders Bundle"), or more than ``MAX_ORDERS_NAMED``;
- order-dispatch: a ``dispatchedOrders`` entry that is not a relative reference ``Type/id`` (what is read
  from ``fhirServer``), or more than ``MAX_ORDERS_NAMED`` of them.

The FHIR content itself is not judged here: it is read leniently further on, where one bad entry never
rejects the request (docs/api.md "Errors").
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from cds_service.errors import InvalidRequest, clip
from cds_service.fhir.pool import relative_part
from cds_service.fhir.tokens import fhir_id, relative_reference
from cds_service.hooks.discovery import ORDER_DISPATCH, ORDER_SELECT, ORDER_SIGN
from cds_service.hooks.request import HookCall, HookRequest, OrderDispatchRequest, OrderSelectRequest

# Deepest JSON nesting accepted (objects and arrays); a hook request is about 15 levels deep.
MAX_JSON_DEPTH = 64

# Most orders one call may name (order-select's selections, order-dispatch's dispatchedOrders): an ordering
# session holds a handful; each named order may cost a FHIR read.
MAX_ORDERS_NAMED = 100
# Longest dispatched order reference ("MedicationRequest/" and a FHIR id well within 256 characters).
MAX_REFERENCE_CHARS = 256

_MODELS: dict[str, type[HookCall]] = {
    ORDER_SIGN: HookRequest,
    ORDER_SELECT: OrderSelectRequest,
    ORDER_DISPATCH: OrderDispatchRequest,
}

# Required string fields, as paths into the body: present but empty is as good as missing.
_COMMON_TEXT: tuple[tuple[str, ...], ...] = (("hook",), ("hookInstance",), ("context", "patientId"))
_REQUIRED_TEXT: dict[str, tuple[tuple[str, ...], ...]] = {
    ORDER_SIGN: (*_COMMON_TEXT, ("context", "userId")),
    ORDER_SELECT: (*_COMMON_TEXT, ("context", "userId")),
    ORDER_DISPATCH: (*_COMMON_TEXT, ("context", "performer")),
}


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


def parse_hook_request(body: bytes, hook: str | None = ORDER_SIGN) -> HookCall:
    """The request of a service answering ``hook``; ``None``: of whichever served hook the body names
    (the command line and the tester's determination read any of them)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise InvalidRequest("The body must be a JSON object (a CDS Hooks request)")
    check_depth(payload)
    expected = hook if hook is not None else payload.get("hook")
    if expected not in _MODELS:
        expected = ORDER_SIGN  # an unknown hook is refused below, after the fields are checked
    try:
        request = _MODELS[expected].model_validate(payload)
    except ValidationError as exc:
        described = [_describe(error) for error in exc.errors()]
        raise InvalidRequest(
            "; ".join(message for _, message in described), expression=tuple(field for field, _ in described)
        ) from None
    for path in _REQUIRED_TEXT[expected]:
        value: Any = payload
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and not value.strip():
            field = ".".join(path)
            raise InvalidRequest(f"{field} must not be empty", expression=(field,))
    if fhir_id(request.patient_id) is None:
        # "The FHIR Patient.id of the current patient" (every hook's context): a bare id. "Patient/123" or
        # " 123" would match no prefetched resource, and the absence of all data would read as a deny.
        raise InvalidRequest(
            "context.patientId must be a FHIR Patient.id (no resource type, no spaces)",
            expression=("context.patientId",),
        )
    if request.hook != expected:
        raise InvalidRequest(
            f"This service answers the {expected} hook, not {clip(request.hook)!r}", expression=("hook",)
        )
    if isinstance(request, OrderSelectRequest):
        _check_selections(request)
    if isinstance(request, OrderDispatchRequest):
        _check_dispatched_orders(request)
    return request


def draft_order_references(bundle: Any) -> set[str]:
    """``Type/id`` of every resource in a draftOrders Bundle, read as leniently as the pool reads it (an
    ``entry`` sent as one object, a numeric id)."""
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    entries = [entries] if isinstance(entries, dict) else entries if isinstance(entries, list) else []
    found: set[str] = set()
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            continue
        rid = resource.get("id")
        if isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid):
            found.add(f"{resource['resourceType']}/{rid}")
    return found


def _check_selections(request: OrderSelectRequest) -> None:
    selections = request.context.selections
    if not selections:
        raise InvalidRequest("context.selections must not be empty", expression=("context.selections",))
    if len(selections) > MAX_ORDERS_NAMED:
        raise InvalidRequest(
            f"context.selections names more than {MAX_ORDERS_NAMED} orders",
            expression=("context.selections",),
        )
    drafts = draft_order_references(request.context.draftOrders)
    for index, selection in enumerate(selections):
        if relative_part(selection) not in drafts:
            raise InvalidRequest(
                f"context.selections[{index}] ({clip(selection)!r}) names no order of context.draftOrders",
                expression=(f"context.selections[{index}]",),
            )


def _check_dispatched_orders(request: OrderDispatchRequest) -> None:
    orders = request.context.dispatchedOrders
    if not orders:
        raise InvalidRequest(
            "context.dispatchedOrders must not be empty", expression=("context.dispatchedOrders",)
        )
    if len(orders) > MAX_ORDERS_NAMED:
        raise InvalidRequest(
            f"context.dispatchedOrders names more than {MAX_ORDERS_NAMED} orders",
            expression=("context.dispatchedOrders",),
        )
    for index, reference in enumerate(orders):
        if len(reference) > MAX_REFERENCE_CHARS or relative_reference(reference) is None:
            raise InvalidRequest(
                f"context.dispatchedOrders[{index}] ({clip(reference)!r}) is not a reference "
                "Type/id (e.g. MedicationRequest/123)",
                expression=(f"context.dispatchedOrders[{index}]",),
            )
