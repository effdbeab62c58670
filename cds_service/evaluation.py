"""One hook call, end to end: gather the FHIR data, find the dexrazoxane orders once, read the facts,
decide per order, and compute each order's coverage assertion once for the record and the response.

The edge (``hooks/``) parses the wire and hands this a ``Source`` of plain values; nothing below it sees
the CDS Hooks wire model. The only async step is gathering data (I/O at the edge); everything after it is
the pure decision core, given "today" by the caller (docs/architecture.md "Layers").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx

from cds_service.assertion_ids import Assessed, assertion_key, assertion_scope, assess
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.limits import DEXRAZOXANE_ORDERS_PER_REQUEST
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.partial_reads import unknown_where_partial
from cds_service.clinical.record_index import RecordIndex
from cds_service.errors import TooManyOrders
from cds_service.fhir.gather import gather_draft_orders, gather_for_orders
from cds_service.fhir.pool import Resource, ResourcePool, reference_of
from cds_service.fhir.source import Source
from cds_service.policy.decide import determine
from cds_service.policy.determination import Determination
from cds_service.settings import Settings


@dataclass(frozen=True)
class Gathered:
    """What one call knows about the patient, and the dexrazoxane orders among its draft orders."""

    pool: ResourcePool
    orders: list[Resource]


@dataclass(frozen=True)
class Evaluation:
    # each determination with its coverage assertion, in the order of the draft orders
    assessed: list[Assessed]
    pool: ResourcePool

    @property
    def determinations(self) -> list[Determination]:
        return [item.determination for item in self.assessed]


async def gather(source: Source, *, settings: Settings, http: httpx.AsyncClient | None) -> Gathered:
    """The draft orders first (order-dispatch's, read by reference); which of them are dexrazoxane (asked
    once, here), of those the ones the call asks a decision for (order-select's selections); then the rest
    of the data for those orders (``fhir.gather``). ``http`` None: offline, nothing is read from
    ``fhirServer``."""
    gathering = await gather_draft_orders(source, settings=settings, http=http)
    orders = dexrazoxane_orders(gathering.pool)
    if source.decide_on is not None:  # order-select: the selected orders only, among every draft
        orders = [order for order in orders if reference_of(order) in source.decide_on]
    cap = DEXRAZOXANE_ORDERS_PER_REQUEST.value
    if len(orders) > cap:
        # Refused before any data is fetched: the orders are read against each other (clinical.limits).
        raise TooManyOrders(
            f"{len(orders)} dexrazoxane orders in one request: the service decides at most {cap} per "
            "call; send them in smaller groups",
            expression=("context.draftOrders",),
        )
    return Gathered(await gather_for_orders(gathering, orders), orders)


def decide_all(gathered: Gathered, *, today: date, settings: Settings) -> list[Determination]:
    """The pure part: a determination for every dexrazoxane order among the draft orders. The record is
    read once for all of them (``RecordIndex``), so the work grows with the number of orders, not its
    square."""
    pool = gathered.pool
    record = RecordIndex(pool)
    return [
        determine(
            unknown_where_partial(
                extract_facts(
                    pool,
                    order,
                    today=today,
                    line_of_business_map=settings.line_of_business_map,
                    record=record,
                ),
                pool.incomplete,
            ),
            order,
        )
        for order in gathered.orders
    ]


async def evaluate_hook(
    source: Source, *, settings: Settings, http: httpx.AsyncClient | None, today: date, client: str = ""
) -> Evaluation:
    """``client``: the caller's verified JWT issuer ("" without authentication), which the coverage
    assertions are bound to (``assertion_ids``)."""
    gathered = await gather(source, settings=settings, http=http)
    return decided(gathered, source, today=today, settings=settings, client=client)


def decided(
    gathered: Gathered, source: Source, *, today: date, settings: Settings, client: str = ""
) -> Evaluation:
    """The pure part after gathering (``gather``, the I/O the service bounds by the hook deadline,
    hooks/admission.py): decide every order, then compute each one's coverage assertion once."""
    determinations = decide_all(gathered, today=today, settings=settings)
    scope = assertion_scope(source.patient_id, source.server, client)
    return Evaluation(assess(determinations, scope=scope, key=assertion_key(settings)), gathered.pool)


__all__ = ["Evaluation", "Gathered", "decide_all", "decided", "evaluate_hook", "gather", "reference_of"]
