"""What each hook does with the one evaluation every hook shares (``hooks.admission.evaluate_within``): the
small per-hook differences, kept apart from the route (docs/hooks.md).

- order-select: provisional guidance, one short card per selected dexrazoxane order; nothing recorded, no
  system action (``policy.provisional``, ``response.provisional_card``);
- order-sign: every determination with a coverage assertion recorded before the answer leaves, then the
  cards and coverage information (``dtr.store``, ``response.hook_response``);
- order-dispatch: each determination set against the one on record for its order (``dtr.against_record``):
  the assertion on record when nothing that decides it changed, else the new one, recorded; then the same
  response as order-sign, the Instructions card saying how the determination stands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import structlog

from cds_service.assertion_ids import Assessed
from cds_service.dtr.against_record import against_record
from cds_service.dtr.store import record_determinations
from cds_service.evaluation import Evaluation
from cds_service.hooks.discovery import ORDER_DISPATCH, ORDER_SELECT, ORDER_SIGN
from cds_service.hooks.request import HookCall
from cds_service.metrics import DISPATCH_REVISIONS
from cds_service.policy.provisional import provisional
from cds_service.response.hook_response import build_response
from cds_service.response.provisional_card import provisional_response
from cds_service.settings import Settings
from cds_service.store.protocol import Store, StoreUnavailable

log = structlog.get_logger("cds_service.hooks")


@dataclass(frozen=True)
class Call:
    """One admitted, decided hook call, as the responders need it."""

    request: HookCall
    evaluation: Evaluation
    store: Store
    settings: Settings
    client: str  # the verified JWT issuer ("" with authentication off)
    today: date


@dataclass
class Responded:
    body: dict[str, Any]
    # (decision, pathway) of each determination told: what ``cds_decisions_total`` counts
    decisions: list[tuple[str, str | None]]
    log: dict[str, Any] = field(default_factory=dict)  # more fields of the call's log line


def _told(assessed: list[Assessed]) -> list[tuple[str, str | None]]:
    return [(str(a.determination.decision), a.determination.pathway) for a in assessed]


async def _record(call: Call, assessed: list[Assessed], *, hook: str) -> dict[str, Any]:
    """Stored (committed) before the answer leaves: a coverage assertion the EHR holds is one the claim
    system and every replica's DTR can find. With the store down the hook still answers the
    same determination (the clinician is not failed); the assertion is then not on record, which the log
    and cds_store_errors_total say, and signing the order again records it under the same id."""
    try:
        await record_determinations(
            call.store,
            assessed,
            patient_id=call.request.patient_id,
            client=call.client,
            retention_days=call.settings.retention_days,
            hook=hook,
        )
    except StoreUnavailable as error:
        log.error("determinations_not_stored", error=str(error))
        return {"stored": False}
    return {}


async def respond_to_select(call: Call) -> Responded:
    guidance = [provisional(determination) for determination in call.evaluation.determinations]
    body = provisional_response(guidance, call.request.options(), settings=call.settings)
    decisions = [(str(g.decision), g.determination.pathway) for g in guidance]
    return Responded(body, decisions)


async def respond_to_sign(call: Call) -> Responded:
    assessed = call.evaluation.assessed
    fields = await _record(call, assessed, hook=ORDER_SIGN)
    body = build_response(assessed, call.request.options(), settings=call.settings, today=call.today)
    return Responded(body, _told(assessed), fields)


async def respond_to_dispatch(call: Call) -> Responded:
    assessed = await against_record(call.store, call.evaluation.assessed, now=datetime.now(UTC))
    standings = [str(a.revision.standing) for a in assessed if a.revision is not None]
    for standing in standings:
        DISPATCH_REVISIONS.labels(standing=standing).inc()
    fields = await _record(call, assessed, hook=ORDER_DISPATCH)
    body = build_response(assessed, call.request.options(), settings=call.settings, today=call.today)
    return Responded(body, _told(assessed), {**fields, "standings": standings})


RESPONDERS: dict[str, Callable[[Call], Awaitable[Responded]]] = {
    ORDER_SELECT: respond_to_select,
    ORDER_SIGN: respond_to_sign,
    ORDER_DISPATCH: respond_to_dispatch,
}
