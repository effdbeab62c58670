"""DTR `$questionnaire-package` (DTR OperationDefinition questionnaire-package, Da Vinci DTR 2.2.0):
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
from cds_service.errors import InvalidRequest, NotFound, clip
from cds_service.store.records import DeterminationRecord


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


def known_determination(
    request: PackageRequest, stored: DeterminationRecord | None, client: str
) -> DeterminationRecord | None:
    """The stored determination for `context`, only when it was recorded for the same client (JWT issuer)
    and is about the Coverage the client sent: an assertion id alone never hands out another member's
    pre-filled answers."""
    if stored is None or stored.client != client:
        return None
    if stored.coverage != _resource_reference(request.coverage):
        return None
    return stored


def _subject(request: PackageRequest, stored: DeterminationRecord | None) -> str | None:
    if stored is not None and isinstance(stored.prefill.get("subject"), str):
        return str(stored.prefill["subject"])
    for order in request.orders:
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
    stored: DeterminationRecord | None,
    now: datetime,
    client: str = "",
) -> dict[str, Any]:
    """The package; ``stored`` is what the store holds under the request's `context` (None: nothing)."""
    url, version = questionnaire["url"], questionnaire["version"]
    wanted = {canonical.split("|", 1)[0] for canonical in request.questionnaires}
    if wanted and url not in wanted:
        raise NotFound(f"no Questionnaire {clip(', '.join(sorted(wanted)))} here; this server has {url}")
    known = known_determination(request, stored, client)
    orders = [ref for ref in (_resource_reference(order) for order in request.orders) if ref]
    if known is not None and not orders:
        orders = [known.order]
    answers = known.prefill.get("answers", {}) if known is not None else {}
    response = questionnaire_response(
        canonical=f"{url}|{version}",
        answers=answers if isinstance(answers, dict) else {},
        subject=_subject(request, known),
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
