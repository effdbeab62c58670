"""One hook call, end to end: gather the FHIR data, read the facts, decide per dexrazoxane order.

The only async step is gathering data (I/O at the edge); everything after it is the pure decision core,
given "today" by the caller (DEVELOPERS.md, "How we write code" 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx

from cds_service.clinical.extract import extract_facts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.partial_reads import unknown_where_partial
from cds_service.fhir.gather import gather_resources
from cds_service.fhir.pool import ResourcePool, reference_of
from cds_service.hooks.request import HookRequest
from cds_service.policy.decide import determine
from cds_service.policy.determination import Determination
from cds_service.settings import Settings


@dataclass(frozen=True)
class Evaluation:
    determinations: list[Determination]
    pool: ResourcePool


def decide_all(pool: ResourcePool, *, today: date, settings: Settings) -> list[Determination]:
    """The pure part: a determination for every dexrazoxane order among the draft orders."""
    return [
        determine(
            unknown_where_partial(
                extract_facts(pool, order, today=today, line_of_business_map=settings.line_of_business_map),
                pool.incomplete,
            ),
            order,
        )
        for order in dexrazoxane_orders(pool)
    ]


async def gather_hook_data(
    request: HookRequest, *, settings: Settings, http: httpx.AsyncClient
) -> ResourcePool:
    """The I/O part alone, so the service can bound it by the hook deadline (hooks/admission.py)."""
    return await gather_resources(request, settings=settings, http=http)


async def evaluate_hook(
    request: HookRequest, *, settings: Settings, http: httpx.AsyncClient, today: date
) -> Evaluation:
    pool = await gather_resources(request, settings=settings, http=http)
    return Evaluation(decide_all(pool, today=today, settings=settings), pool)


__all__ = ["Evaluation", "decide_all", "evaluate_hook", "gather_hook_data", "reference_of"]
