"""The order-select and order-dispatch requests an EHR sends around an order-sign request, built from it.

- ``as_select``: the same session (``draftOrders``, prefetch) with ``context.selections`` naming the
  dexrazoxane orders (or those given);
- ``as_dispatch``: after signing, the orders dispatched to the pharmacy or clinic: ``dispatchedOrders``
  names them; in the prefetch they are now active orders of the patient (``medicationRequests``), carrying
  the coverage information the EHR applied from the order-sign response when one is given. The prefetch
  keeps every key the order-sign request had (more keys than advertised may be sent), or only the keys
  order-dispatch advertises (``advertised_only``).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.fhir.pool import ResourcePool, reference_of
from cds_service.fhir.prefetch_templates import DISPATCH_PREFETCH_TEMPLATES

Json = dict[str, Any]
PERFORMER = "Organization/infusion-pharmacy"


def draft_orders(body: Json) -> list[Json]:
    entries = body["context"]["draftOrders"].get("entry") or []
    entries = [entries] if isinstance(entries, dict) else entries
    return [e["resource"] for e in entries if isinstance(e, dict) and isinstance(e.get("resource"), dict)]


def dexrazoxane_references(body: Json) -> list[str]:
    """``Type/id`` of the request's dexrazoxane draft orders, as the service tells them."""
    pool = ResourcePool(patient_id=body["context"].get("patientId"))
    for value in (body.get("prefetch") or {}).values():
        if isinstance(value, dict):
            pool.add(value)
    pool.add_draft_orders(body["context"]["draftOrders"])
    return [reference_of(order) for order in dexrazoxane_orders(pool)]


def as_select(sign: Json, *, selections: list[str] | None = None) -> Json:
    body = copy.deepcopy(sign)
    body["hook"] = "order-select"
    body["hookInstance"] = str(uuid.uuid4())
    body["context"]["selections"] = selections if selections is not None else dexrazoxane_references(sign)
    return body


def _applied(order: Json, response: Json | None) -> Json:
    """The order as the EHR holds it once signed: active, with the coverage information of the order-sign
    response's system action for it (the EHR applies the update)."""
    signed = copy.deepcopy(order)
    if response is not None:
        for action in response.get("systemActions") or []:
            resource = action.get("resource") or {}
            if reference_of(resource) == reference_of(order):
                signed = copy.deepcopy(resource)
    signed["status"] = "active"
    return signed


def as_dispatch(
    sign: Json,
    *,
    response: Json | None = None,
    advertised_only: bool = False,
    performer: str = PERFORMER,
) -> Json:
    orders = [_applied(order, response) for order in draft_orders(sign) if order.get("id")]
    prefetch = copy.deepcopy(sign.get("prefetch") or {})
    if advertised_only:
        prefetch = {key: value for key, value in prefetch.items() if key in DISPATCH_PREFETCH_TEMPLATES}
    requests = prefetch.get("medicationRequests")
    if isinstance(requests, dict) and requests.get("resourceType") == "Bundle":
        signed = {reference_of(order) for order in orders}
        kept = [
            entry
            for entry in requests.get("entry") or []
            if reference_of(entry.get("resource") or {}) not in signed
        ]
        requests["entry"] = kept + [{"resource": order} for order in orders]
        if isinstance(requests.get("total"), int):
            requests["total"] = len(requests["entry"])
    body: Json = {
        "hook": "order-dispatch",
        "hookInstance": str(uuid.uuid4()),
        "context": {
            "patientId": sign["context"]["patientId"],
            "dispatchedOrders": [reference_of(order) for order in orders],
            "performer": performer,
        },
        "prefetch": prefetch,
    }
    for key in ("fhirServer", "fhirAuthorization", "extension"):
        if key in sign:
            body[key] = copy.deepcopy(sign[key])
    return body
