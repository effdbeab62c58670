"""The order-select response: one short card per selected dexrazoxane order, marked provisional.

CDS Hooks order-select fires while the clinician is still choosing; "details may be incomplete". So the
card gives early guidance only (``policy.provisional``): the likely decision, what the record already shows
(cumulative doxorubicin so far, the pathway) and the documentation that will be asked for, and, for an
order with no dose yet, what will be checked at signing instead of pending on it. No coverage-information
system action (the order is not final: CRD asks it of order-sign and order-dispatch), no questionnaire
and no DTR launch, no suggestion: the decision itself is made when the order is signed. Text that is not
this module's own Markdown (the order's id, reasons, requests, criteria ids) is escaped as it enters the
detail (``markdown.escape_markdown``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cds_service.assertion_ids import assertion_key
from cds_service.card_ids import issued_uuid
from cds_service.clinical.facts import ClinicalFacts
from cds_service.policy.cp_phar_418 import POLICY, POLICY_ID, POLICY_URL
from cds_service.policy.determination import Decision
from cds_service.policy.outcome import Outcome
from cds_service.policy.provisional import Provisional
from cds_service.response.card_detail import clipped, dose_lines
from cds_service.response.cards import INDICATOR, SUMMARY_LIMIT
from cds_service.response.configuration import ResponseOptions
from cds_service.response.crd_terms import CardType, card_topic
from cds_service.response.markdown import escape_markdown
from cds_service.settings import Settings

PROVISIONAL = "Provisional"
# The documentation requests listed on the card, each cut to this many characters: the card stays short
# (the full requests come at signing, with the questionnaire).
REQUEST_WORDS = 110
MAX_REQUESTS_SHOWN = 4


def provisional_summary(guidance: Provisional) -> str:
    decision = guidance.decision
    if decision is Decision.APPROVE and guidance.conditional:
        text = f"likely approved under {POLICY_ID} if the dose is within its limit (checked at signing)"
    elif decision is Decision.APPROVE:
        text = f"likely approved under {POLICY_ID} (decided at signing)"
    elif decision is Decision.PEND:
        count = len(guidance.documentation)
        what = (
            f"{count} criteria to document" if count > 1 else "a criterion to document" if count else "review"
        )
        text = f"will need prior authorization under {POLICY_ID} ({what})"
    elif decision is Decision.DENY:
        text = f"likely not covered under {POLICY_ID}"
    else:
        text = f"{POLICY_ID} does not apply to this coverage"
    summary = f"{PROVISIONAL}: dexrazoxane {text}"
    return summary if len(summary) < SUMMARY_LIMIT else summary[: SUMMARY_LIMIT - 2].rstrip() + "…"


def _record_lines(facts: ClinicalFacts) -> list[str]:
    """The doses given and planned as the order-sign card summarises them, and the line of business."""
    lines = dose_lines(facts)
    if facts.line_of_business.value:
        lines.append(f"- Line of business: {escape_markdown(facts.line_of_business.value)}")
    return lines


def provisional_detail(guidance: Provisional) -> str:
    determination = guidance.determination
    lines = [
        f"**{PROVISIONAL} guidance** on {escape_markdown(determination.order)} while it is being chosen: "
        "the dose and "
        "schedule may still change, and the coverage decision is made when the order is signed."
    ]
    pathway = determination.pathway
    if pathway is not None:
        lines += ["", f"**Pathway:** {escape_markdown(f'{pathway} {clipped(POLICY[pathway].text, 70)}')}"]
    if determination.facts is not None and determination.decision is not Decision.NOT_APPLICABLE:
        lines += ["", "**The record shows:**", *_record_lines(determination.facts)]
    elif determination.reason:
        lines += ["", escape_markdown(determination.reason)]
    if guidance.at_signing:
        lines += [
            "",
            f"**Checked at signing:** {', '.join(escape_markdown(c) for c in guidance.at_signing)}, which "
            "read the order's dose: none is "
            "entered yet.",
        ]
    if guidance.decision is Decision.DENY and determination.criteria is not None:
        unmet = [
            n.id for n in determination.criteria.walk() if n.outcome is Outcome.NOT_MET and not n.children
        ]
        lines += ["", f"**Not met:** {', '.join(escape_markdown(c) for c in unmet)}."]
        if determination.off_label_policies:
            policies = ", ".join(escape_markdown(p) for p in determination.off_label_policies)
            lines.append(f"Off-label review under {policies}.")
    if guidance.documentation:
        lines += ["", "**Documentation that will be asked for:**"]
        shown = guidance.documentation[:MAX_REQUESTS_SHOWN]
        lines += [
            f"- **{escape_markdown(doc.criterion)}**: "
            + escape_markdown(clipped(doc.request.split(" Still open: ")[0], REQUEST_WORDS))
            for doc in shown
        ]
        if len(guidance.documentation) > len(shown):
            lines.append(f"- and {len(guidance.documentation) - len(shown)} more")
    return "\n".join(lines)


def provisional_card(
    guidance: Provisional, *, health_plan: str, options: ResponseOptions, key: bytes
) -> dict[str, Any]:
    """The one card: an Instructions card by CRD's shapes (detail, no links, no suggestions); its uuid
    minted with ``key`` like every card's, so feedback on it is recognised (``card_ids``)."""
    determination = guidance.determination
    return {
        "uuid": issued_uuid(key),
        "summary": provisional_summary(guidance),
        "indicator": INDICATOR[guidance.decision],
        "detail": provisional_detail(guidance),
        "source": {
            "label": health_plan,
            "url": POLICY_URL,
            "topic": card_topic(CardType.COVERAGE_INFO, options.version),
        },
        "extension": {"davinci-crd.associated-resource": [{"reference": determination.order}]},
    }


def provisional_response(
    guidance: Iterable[Provisional], options: ResponseOptions, *, settings: Settings
) -> dict[str, Any]:
    """``cards`` only: order-select carries no system action (the order is not final)."""
    if not options.wants(CardType.COVERAGE_INFO):
        return {"cards": []}
    key = assertion_key(settings)
    cards = [
        provisional_card(item, health_plan=settings.health_plan_name, options=options, key=key)
        for item in guidance
        if item.determination.facts is not None  # an order assessed as dexrazoxane: no card for any other
    ]
    return {"cards": cards[: options.max_cards]}
