"""What each hook does with the one evaluation every hook shares (``hooks.decision.decide_hook``): the small
per-hook differences, kept apart from the route (docs/hooks.md).

- order-select: provisional guidance, one short card per selected dexrazoxane order; nothing recorded, no
  system action (``policy.provisional``, ``response.provisional_card``);
- order-sign: every determination with a coverage assertion, as records for the service to store before the
  answer leaves, and the cards and coverage information (``dtr.store``, ``response.hook_response``);
- order-dispatch: each determination set against the one on record for its order (``dtr.against_record``):
  the assertion on record when nothing that decides it changed, else the new one, recorded; then the same
  response as order-sign, the Instructions card saying how the determination stands.

A responder runs where the decision runs (a decision process, or the event loop), so it never touches the
store: what it needs of it, order-dispatch asks of the service (``Service.on_record``: the service reads
the store and compares, on its event loop), and what is to be recorded it returns (``Responded.records``),
for the service to store before it answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from cds_service.assertion_ids import Assessed
from cds_service.dtr.against_record import Comparand, Compared, applied, comparand
from cds_service.dtr.store import determination_records
from cds_service.evaluation import Evaluation
from cds_service.hooks.discovery import ORDER_DISPATCH, ORDER_SELECT, ORDER_SIGN
from cds_service.hooks.request import HookCall
from cds_service.policy.provisional import provisional
from cds_service.response.hook_response import build_response
from cds_service.response.provisional_card import provisional_response
from cds_service.settings import Settings
from cds_service.store.records import DeterminationRecord


class Service(Protocol):
    """What a hook's decision asks of the service that answers the call: the service's own, done on its
    event loop whether the decision runs there or in a decision process (``hooks.decision``)."""

    async def parsed(self, hook_instance: str) -> None:
        """The request is parsed: every log line of the call from now on carries its ``hook_instance``."""

    async def on_record(self, made: Sequence[Comparand | None]) -> list[Compared]:
        """Each determination made now, against the one on record for its order (the store read there)."""


@dataclass(frozen=True)
class Call:
    """One decided hook call, as the responders need it."""

    request: HookCall
    evaluation: Evaluation
    settings: Settings
    client: str  # the verified JWT issuer ("" with authentication off)
    today: date
    now: datetime  # when the records are made
    service: Service


@dataclass(frozen=True)
class Responded:
    body: dict[str, Any]
    # (decision, pathway) of each determination told: what ``cds_decisions_total`` counts
    decisions: list[tuple[str, str | None]]
    records: list[DeterminationRecord] = field(default_factory=list)  # to store before answering
    standings: list[str] = field(default_factory=list)  # order-dispatch: how each stood against the record


def _told(assessed: list[Assessed]) -> list[tuple[str, str | None]]:
    return [(str(a.determination.decision), a.determination.pathway) for a in assessed]


def _records(call: Call, assessed: list[Assessed], *, hook: str) -> list[DeterminationRecord]:
    """Stored (committed) by the service before the answer leaves: a coverage assertion the EHR holds is
    one the claim system and every replica's DTR can find."""
    return determination_records(
        assessed,
        patient_id=call.request.patient_id,
        client=call.client,
        now=call.now,
        retention_days=call.settings.retention_days,
        hook=hook,
    )


async def respond_to_select(call: Call) -> Responded:
    guidance = [provisional(determination) for determination in call.evaluation.determinations]
    body = provisional_response(guidance, call.request.options(), settings=call.settings)
    decisions = [(str(g.decision), g.determination.pathway) for g in guidance]
    return Responded(body, decisions)


async def respond_to_sign(call: Call) -> Responded:
    assessed = call.evaluation.assessed
    body = build_response(assessed, call.request.options(), settings=call.settings, today=call.today)
    return Responded(body, _told(assessed), _records(call, assessed, hook=ORDER_SIGN))


async def respond_to_dispatch(call: Call) -> Responded:
    made = call.evaluation.assessed
    assessed = applied(made, await call.service.on_record([comparand(item) for item in made]))
    standings = [str(a.revision.standing) for a in assessed if a.revision is not None]
    body = build_response(assessed, call.request.options(), settings=call.settings, today=call.today)
    records = _records(call, assessed, hook=ORDER_DISPATCH)  # none for a determination that stands
    return Responded(body, _told(assessed), records, standings)


RESPONDERS: dict[str, Callable[[Call], Awaitable[Responded]]] = {
    ORDER_SELECT: respond_to_select,
    ORDER_SIGN: respond_to_sign,
    ORDER_DISPATCH: respond_to_dispatch,
}
