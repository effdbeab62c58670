"""`GET /coverage-assertions/{id}` for the payer's claim system: the stored determination behind a
coverage-assertion-id (determination JSON (docs/determination.md) plus what was stored with it), so a claim
carrying the id can be matched to what the EHR was told.

Its own credential: ``Authorization: Bearer T`` with T one of ``CDS_CLAIMS_API_TOKENS``, compared in
constant time against every configured token. The EHR's hook JWTs never open it (they are not in that
list, and the route does not go through the CDS client check). With no token configured the route is not
mounted at all. 401 without a valid token, 404 for an id unknown or past its retention, 503 while the store
is unreachable.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import APIRouter, Request
from pydantic import SecretStr
from starlette.responses import Response

from cds_service.deps import RuntimeDep
from cds_service.errors import NotFound, Unauthorized
from cds_service.hooks.errors import outcome_response
from cds_service.hooks.routes import json_response
from cds_service.policy.stored import stored_document
from cds_service.store.protocol import StoreUnavailable
from cds_service.store.records import DeterminationRecord

log = structlog.get_logger("cds_service.claims")

router = APIRouter(tags=["Claims"])


def _authorized(request: Request, tokens: list[SecretStr]) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    presented = token.strip().encode()
    if scheme.lower() != "bearer" or not presented:
        return False
    matches = [hmac.compare_digest(presented, expected.get_secret_value().encode()) for expected in tokens]
    return any(matches)  # every token compared: the time taken does not say which one came close


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def assertion_json(record: DeterminationRecord) -> dict[str, Any]:
    return {
        "coverage_assertion_id": record.assertion_id,
        "satisfied_pa_id": record.satisfied_pa_id,
        "order": record.order,
        "patient_id": record.patient_id,
        "coverage": record.coverage,
        "decision": record.decision,
        "pathway": record.pathway,
        "approval": (
            {"start": record.approval_start.isoformat(), "end": record.approval_end.isoformat()}
            if record.approval_start is not None and record.approval_end is not None
            else None
        ),
        "criteria": record.criteria,
        "client": record.client,
        "hook": record.hook,  # the hook that made it (order-sign, order-dispatch); null on rows before 0002
        "created": _utc(record.created_at),
        "expires": _utc(record.expires_at),
        "determination": stored_document(record),
    }


@router.get("/coverage-assertions/{assertion_id}", summary="A stored coverage assertion (claim system)")
async def coverage_assertion(assertion_id: str, request: Request, runtime: RuntimeDep) -> Response:
    if not _authorized(request, runtime.settings.claims_api_tokens):
        log.warning("claims_token_rejected")
        raise Unauthorized("Authentication failed")
    try:
        record = await runtime.store.determination(assertion_id, now=datetime.now(UTC))
    except StoreUnavailable as error:
        log.error("coverage_assertion_not_read", error=str(error))
        return outcome_response(503, "The store is unavailable; retry later", code="transient")
    if record is None:
        raise NotFound("No coverage assertion with this id (unknown or past retention)", expression=("id",))
    return json_response(assertion_json(record))
