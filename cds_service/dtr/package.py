"""DTR `$questionnaire-package` (DTR OperationDefinition questionnaire-package; reference/davinci-crd.md §4):
input Parameters with `coverage` (1..1 Coverage), `order` (0..* request resources), `questionnaire` (0..*
canonical), `context` (0..1 string, the CRD coverage-assertion-id), at least one of the last three (dtr-1);
output Parameters with one `packagebundle`: the Questionnaire first (dtrb-1), then a draft
QuestionnaireResponse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cds_service.dtr.prefill import questionnaire_response
from cds_service.dtr.store import DeterminationStore
from cds_service.errors import InvalidRequest, NotFound, clip
from cds_service.policy.determination import Determination


@dataclass(frozen=True)
class PackageRequest:
    coverage: dict[str, Any]
    orders: tuple[dict[str, Any], ...]
    questionnaires: tuple[str, ...]
    context: str | None


def _resource_reference(resource: dict[str, Any]) -> str | None:
    resource_type, resource_id = resource.get("resourceType"), resource.get("id")
    if isinstance(resource_type, str) and isinstance(resource_id, str) and resource_id:
        return f"{resource_type}/{resource_id}"
    return None


def parse_package_request(body: Any) -> PackageRequest:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise InvalidRequest("the body must be a FHIR Parameters resource")
    parameters = body.get("parameter")
    if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
        raise InvalidRequest(
            "Parameters.parameter must be a list of parameters", expression=("Parameters.parameter",)
        )
    coverages: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    questionnaires: list[str] = []
    contexts: list[str] = []
    for parameter in parameters:
        name = parameter.get("name")
        if name in ("coverage", "order"):
            resource = parameter.get("resource")
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                raise InvalidRequest(
                    f"parameter '{clip(name)}' must carry a resource", expression=(f"parameter.{clip(name)}",)
                )
            (coverages if name == "coverage" else orders).append(resource)
        elif name == "questionnaire":
            canonical = parameter.get("valueCanonical") or parameter.get("valueUri")
            if not isinstance(canonical, str) or not canonical:
                raise InvalidRequest(
                    "parameter 'questionnaire' must be a canonical", expression=("parameter.questionnaire",)
                )
            questionnaires.append(canonical)
        elif name == "context":
            context = parameter.get("valueString")
            if not isinstance(context, str) or not context:
                raise InvalidRequest(
                    "parameter 'context' must be a string", expression=("parameter.context",)
                )
            contexts.append(context)
    if len(coverages) != 1 or coverages[0].get("resourceType") != "Coverage":
        raise InvalidRequest(
            "exactly one 'coverage' parameter holding a Coverage is required",
            expression=("parameter.coverage",),
        )
    if len(contexts) > 1:
        raise InvalidRequest("at most one 'context' parameter is allowed", expression=("parameter.context",))
    if not (orders or questionnaires or contexts):
        raise InvalidRequest("one of 'order', 'questionnaire' or 'context' is required (dtr-1)")
    return PackageRequest(
        coverages[0], tuple(orders), tuple(questionnaires), contexts[0] if contexts else None
    )


def _known_determination(
    request: PackageRequest, store: DeterminationStore, client: str
) -> Determination | None:
    """The stored determination for `context`, only when it is about the Coverage the client sent: an
    assertion id alone never hands out another member's pre-filled answers."""
    if request.context is None:
        return None
    determination = store.get(request.context, client)
    if determination is None or determination.facts is None:
        return None
    if determination.facts.coverage.value != _resource_reference(request.coverage):
        return None
    return determination


def _subject(request: PackageRequest, determination: Determination | None) -> str | None:
    candidates = [determination.order_resource] if determination is not None else []
    candidates += list(request.orders)
    for order in candidates:
        subject = order.get("subject")
        if isinstance(subject, dict) and isinstance(subject.get("reference"), str):
            return str(subject["reference"])
    beneficiary = request.coverage.get("beneficiary")
    if isinstance(beneficiary, dict) and isinstance(beneficiary.get("reference"), str):
        return str(beneficiary["reference"])
    return None


def questionnaire_package(
    request: PackageRequest,
    *,
    questionnaire: dict[str, Any],
    store: DeterminationStore,
    now: datetime,
    client: str = "",
) -> dict[str, Any]:
    url, version = questionnaire["url"], questionnaire["version"]
    wanted = {canonical.split("|", 1)[0] for canonical in request.questionnaires}
    if wanted and url not in wanted:
        raise NotFound(f"no Questionnaire {clip(', '.join(sorted(wanted)))} here; this server has {url}")
    determination = _known_determination(request, store, client)
    orders = [ref for ref in (_resource_reference(order) for order in request.orders) if ref]
    if determination is not None and not orders:
        orders = [determination.order]
    response = questionnaire_response(
        canonical=f"{url}|{version}",
        determination=determination,
        subject=_subject(request, determination),
        orders=orders,
        authored=now,
    )
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": now.isoformat(timespec="seconds"),
        "entry": [
            {"fullUrl": url, "resource": questionnaire},
            {"fullUrl": f"urn:uuid:{response['id']}", "resource": response},
        ],
    }
    return {"resourceType": "Parameters", "parameter": [{"name": "packagebundle", "resource": bundle}]}
