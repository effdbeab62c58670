"""The order-sign and order-dispatch response: per dexrazoxane determination, a coverage-information system
action and the cards (docs/response.md), shaped by the request's CRD version
and configuration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import structlog

from cds_service.assertion_ids import Assessed, assertion_key
from cds_service.dtr.questionnaire import questionnaire_canonical
from cds_service.policy.cp_phar_418 import POLICY_ID
from cds_service.policy.determination import Decision, Determination
from cds_service.response.cards import (
    DECISION_WORDS,
    external_reference_card,
    instructions_card,
    propose_alternate_card,
)
from cds_service.response.configuration import ResponseOptions
from cds_service.response.coverage_information import coverage_information
from cds_service.response.crd_terms import CardType
from cds_service.response.dose_proposal import dose_proposal
from cds_service.response.markdown import escape_markdown
from cds_service.response.order_update import NO_ID_PROBLEM, coverage_update
from cds_service.response.revision_note import revision_lines
from cds_service.settings import Settings

log = structlog.get_logger(__name__)

# Cards in this order of priority when `max-cards` cuts the list: what the decision is, how to fix the
# dose, then where the policy is.
_INSTRUCTIONS, _PROPOSAL, _REFERENCE = 0, 1, 2

NO_COVERAGE_NOTE = (
    "_No active coverage was found for the patient, so no coverage information is attached to the order._"
)


NO_ORDER_ID_NOTE = (
    "_The draft order has no `id`, so the EHR could not match an update to it: the coverage information "
    "was not attached to the order; the decision above stands._"
)


def _invalid_order_note(problem: str) -> str:
    if problem == NO_ID_PROBLEM:
        return NO_ORDER_ID_NOTE
    return (
        f"_The draft order is not valid FHIR R4 ({escape_markdown(problem)}), so the coverage information "
        "could not be attached to it; the decision above stands._"
    )


def _coverage_action(
    assessed: Assessed,
    *,
    options: ResponseOptions,
    questionnaire: str,
    today: date,
) -> tuple[dict[str, Any] | None, str | None]:
    """The system action, or the note the card carries instead."""
    determination, assertion = assessed.determination, assessed.assertion
    if assertion is None:
        return None, NO_COVERAGE_NOTE
    extension = coverage_information(
        determination,
        coverage=assertion.coverage,
        assertion_id=assertion.assertion_id,
        pa_id=assertion.pa_id,
        questionnaire=questionnaire,
        today=assertion.asserted_on or today,  # an assertion that stands keeps the day it was made
        version=options.version,
        unsolicited_determ=options.unsolicited_determ,
    )
    if extension is None:
        return None, None
    update = coverage_update(
        determination.order_resource,
        extension,
        description=f"Record {POLICY_ID} coverage information on the dexrazoxane order "
        f"({DECISION_WORDS[determination.decision]})",
    )
    if update.problem is not None:
        log.warning("coverage_information_not_attached", problem=update.problem)
        return None, _invalid_order_note(update.problem)
    return update.action, None


def _cards(
    determination: Determination,
    *,
    options: ResponseOptions,
    notes: tuple[str, ...],
    settings: Settings,
    preface: tuple[str, ...] = (),
) -> list[tuple[int, dict[str, Any]]]:
    plan, version, key = settings.health_plan_name, options.version, assertion_key(settings)
    if determination.facts is None:
        return []  # not a dexrazoxane order that was assessed: no card (docs/decisions.md)
    cards: list[tuple[int, dict[str, Any]]] = []
    if options.wants(CardType.COVERAGE_INFO):
        cards.append(
            (
                _INSTRUCTIONS,
                instructions_card(
                    determination,
                    notes=notes,
                    health_plan=plan,
                    version=version,
                    key=key,
                    pa_to_submit=not options.unsolicited_determ,
                    preface=preface,
                ),
            )
        )
    if determination.decision is Decision.NOT_APPLICABLE:
        return cards
    proposal = dose_proposal(determination.facts, determination.order_resource, determination.pathway)
    # The suggestion is the client's own draft with one dose changed, applied by the client to that draft:
    # it keeps the draft's shape even where that is not valid R4 (the sandbox's `category` object), as the
    # coverage-information update does.
    if proposal is not None and options.wants(CardType.THERAPY_ALTERNATIVES_REQ):
        card = propose_alternate_card(determination, proposal, health_plan=plan, version=version, key=key)
        cards.append((_PROPOSAL, card))
    if options.wants(CardType.GUIDELINE):
        reference = external_reference_card(determination, health_plan=plan, version=version, key=key)
        cards.append((_REFERENCE, reference))
    return cards


def build_response(
    assessed: Iterable[Assessed], options: ResponseOptions, *, settings: Settings, today: date
) -> dict[str, Any]:
    """The order-sign and order-dispatch response to the determinations, each with the coverage assertion
    the DTR store records (``assertion_ids.assess``; at order-dispatch, the one on record when nothing that
    decides it changed: ``dtr.against_record``), shaped by the request's options (``configuration``)."""
    questionnaire = questionnaire_canonical(settings.public_base_url)
    ranked: list[tuple[int, dict[str, Any]]] = []
    system_actions: list[dict[str, Any]] = []
    for item in assessed:
        determination = item.determination
        notes: tuple[str, ...] = ()
        if options.coverage_info and determination.decision is not Decision.NOT_APPLICABLE:
            action, note = _coverage_action(item, options=options, questionnaire=questionnaire, today=today)
            if action is not None:
                system_actions.append(action)
            notes = (note,) if note else ()
        preface = revision_lines(item.revision, determination)
        ranked.extend(_cards(determination, options=options, notes=notes, settings=settings, preface=preface))
    ranked.sort(key=lambda item: item[0])  # stable: orders keep their sequence within a priority
    # `systemActions` always present, even empty: the Inferno CRD kit requires it on order-sign (3.6.05).
    return {"cards": [card for _, card in ranked[: options.max_cards]], "systemActions": system_actions}
