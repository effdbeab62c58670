"""Gather the request's FHIR data into a pool. (First cut: draft orders and prefetch only.)"""

from __future__ import annotations

import httpx

from cds_service.fhir.pool import ResourcePool
from cds_service.hooks.request import HookRequest
from cds_service.settings import Settings


async def gather_resources(
    request: HookRequest, *, settings: Settings, http: httpx.AsyncClient
) -> ResourcePool:
    pool = ResourcePool(patient_id=request.context.patientId, user_reference=request.context.userId)
    pool.add_draft_orders(request.context.draftOrders)
    for key, value in (request.prefetch or {}).items():
        if value is not None:
            pool.add(value, source=f"prefetch.{key}")
    return pool
