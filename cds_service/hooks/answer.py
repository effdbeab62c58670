"""One order-sign answer: the request read and decided within its deadline, the determinations recorded,
the CDS Hooks response built. The hook route answers with it; the tester page's Sign takes the same answer
with the determinations beside it, so one Sign is one evaluation (one read of the FHIR server), never a
second evaluation for the criteria panel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import structlog

from cds_service.dtr.store import record_determinations
from cds_service.evaluation import Evaluation
from cds_service.hooks.admission import HookDeadline, evaluate_within
from cds_service.hooks.request import HookRequest
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from cds_service.store.protocol import Store, StoreUnavailable

log = structlog.get_logger("cds_service.hooks")


@dataclass(frozen=True)
class Answer:
    request: HookRequest
    evaluation: Evaluation
    response: dict[str, Any]
    stored: bool  # False: the store was down, the assertions are not on record (the answer still stands)


async def answer_order_sign(
    deadline: HookDeadline,
    read_body: Callable[[], Awaitable[bytes]],
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    store: Store,
    today: date,
    client: str = "",
) -> Answer:
    hook_request, evaluation = await evaluate_within(
        deadline, read_body, settings=settings, http=http, today=today, client=client
    )
    deadline.check("responding")
    # Stored (committed) before the answer leaves: a coverage assertion the EHR holds is one the claim
    # system and every replica's DTR can find (README, "Store"). With the store down the hook still
    # answers the same determination (the clinician is not failed); the assertion is then not on record,
    # which the log and cds_store_errors_total say, and re-signing the order records it under the same id.
    stored = True
    try:
        await record_determinations(
            store,
            evaluation.assessed,
            patient_id=hook_request.context.patientId,
            client=client,
            retention_days=settings.retention_days,
        )
    except StoreUnavailable as error:
        stored = False
        log.error("determinations_not_stored", error=str(error))
    response = build_response(evaluation.assessed, hook_request.options(), settings=settings, today=today)
    return Answer(hook_request, evaluation, response, stored)
