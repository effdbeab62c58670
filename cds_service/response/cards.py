"""The cards for one determination (docs/response.md "Cards"; Da Vinci CRD cards.md).

Every card has a `uuid`, a summary under 140 characters naming dexrazoxane and the decision, an indicator
(info for approve and not-applicable, warning for pend and deny: §resp-1 keeps `critical` for clinical harm),
and a `source` naming the health plan (§resp-4) with a CRD card-type topic (§resp-5) and the policy url.
Card and suggestion uuids are minted with the service's key (``card_ids``), so feedback about them is
recognised. Text that enters a `detail` and is not our own Markdown goes through
``markdown.escape_markdown``; the `summary` is plain text (CDS Hooks 2.0) and carries no chart text.
"""

from __future__ import annotations

from typing import Any

from cds_service.card_ids import issued_uuid
from cds_service.policy.cp_phar_418 import POLICY_ID, POLICY_TITLE, POLICY_URL
from cds_service.policy.determination import Decision, Determination
from cds_service.response.card_detail import instructions_detail
from cds_service.response.crd_terms import CardType, CrdVersion, card_topic
from cds_service.response.dose_proposal import DoseProposal
from cds_service.response.markdown import escape_markdown

POLICY_LINK_LABEL = f"{POLICY_TITLE} ({POLICY_ID})"
SUMMARY_LIMIT = 140  # CDS Hooks 2.0 Card.summary: "<140 characters"

INDICATOR: dict[Decision, str] = {
    Decision.APPROVE: "info",
    Decision.NOT_APPLICABLE: "info",
    Decision.PEND: "warning",
    Decision.DENY: "warning",
}

DECISION_WORDS: dict[Decision, str] = {
    Decision.APPROVE: "approved",
    Decision.DENY: "not covered",
    Decision.PEND: "needs prior authorization",
    Decision.NOT_APPLICABLE: "not reviewed",
}


_WOULD = {Decision.APPROVE: "approve", Decision.DENY: "deny", Decision.PEND: "ask for documentation"}


def _summary(text: str) -> str:
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2].rstrip() + "…"


def _card(
    determination: Determination,
    *,
    card_type: CardType,
    summary: str,
    indicator: str,
    detail: str,
    health_plan: str,
    version: CrdVersion,
    key: bytes,
) -> dict[str, Any]:
    return {
        # recognised as this service's when feedback names it (card_ids)
        "uuid": issued_uuid(key),
        "summary": _summary(summary),
        "indicator": indicator,
        "detail": detail,
        "source": {"label": health_plan, "url": POLICY_URL, "topic": card_topic(card_type, version)},
        # CRD §dev-25: which of the draft orders the card is about.
        "extension": {"davinci-crd.associated-resource": [{"reference": determination.order}]},
    }


def decision_summary(determination: Determination, *, pa_to_submit: bool = False) -> str:
    decision = determination.decision
    if decision is Decision.APPROVE and pa_to_submit:
        return f"Dexrazoxane meets {POLICY_ID} per the EHR data: submit the prior authorization request"
    if decision is Decision.APPROVE:
        through = f" through {determination.approval.end.isoformat()}" if determination.approval else ""
        return f"Dexrazoxane approved under {POLICY_ID}{through}: no prior authorization request needed"
    facts = determination.facts
    if decision is Decision.PEND and facts is not None and facts.deceased.value:
        return f"Dexrazoxane not decided: the record says the patient has died ({POLICY_ID})"
    if decision is Decision.PEND and determination.if_applies is not None:
        # The line of business is unknown: what the policy would decide if it applies.
        would = _WOULD[determination.if_applies]
        return f"Dexrazoxane needs the member's coverage: {POLICY_ID} would {would} if it applies"
    if decision is Decision.PEND and determination.evidence_under_review and not determination.documentation:
        # docs/facts.md "Record integrity": the evidence is with the payer; nothing is left to document
        return f"Dexrazoxane needs prior authorization: evidence received, awaiting {POLICY_ID} review"
    if decision is Decision.PEND:
        count = len(determination.documentation)
        what = f"{count} criteria" if count > 1 else "a criterion" if count == 1 else "criteria"
        return f"Dexrazoxane needs prior authorization: document {what} of {POLICY_ID}"
    if decision is Decision.DENY:
        referral = f"; off-label review under {', '.join(determination.off_label_policies)}"
        return f"Dexrazoxane not covered: {POLICY_ID} criteria not met" + (
            referral if determination.off_label_policies else ""
        )
    return f"Dexrazoxane not reviewed: {POLICY_ID} does not apply to this coverage"


def instructions_card(
    determination: Determination,
    *,
    notes: tuple[str, ...],
    health_plan: str,
    version: CrdVersion,
    key: bytes,
    pa_to_submit: bool = False,
    preface: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The Instructions card: markdown detail, no links, no suggestions (CRD instructions model).
    `pa_to_submit`: the client wants no unsolicited determination (CRD §found-35), so an approve says the
    criteria are met and the prior authorization request is still to be sent. `preface`: what the detail
    says first (order-dispatch: whether the determination changed since signing, and why)."""
    return _card(
        determination,
        card_type=CardType.COVERAGE_INFO,
        summary=decision_summary(determination, pa_to_submit=pa_to_submit),
        indicator=INDICATOR[determination.decision],
        detail=instructions_detail(determination, notes=notes, pa_to_submit=pa_to_submit, preface=preface),
        health_plan=health_plan,
        version=version,
        key=key,
    )


def external_reference_card(
    determination: Determination, *, health_plan: str, version: CrdVersion, key: bytes
) -> dict[str, Any]:
    """The External Reference card: the policy, as an absolute link (CRD §resp-17: not a PA portal)."""
    card = _card(
        determination,
        card_type=CardType.GUIDELINE,
        summary=f"Dexrazoxane {DECISION_WORDS[determination.decision]}: read payer policy {POLICY_ID}",
        indicator="info",
        detail=f"The criteria applied to {escape_markdown(determination.order)} are those of "
        f"{escape_markdown(POLICY_LINK_LABEL)}, "
        "including the documentation the plan may ask for and the approval durations.",
        health_plan=health_plan,
        version=version,
        key=key,
    )
    card["links"] = [{"label": POLICY_LINK_LABEL, "url": POLICY_URL, "type": "absolute"}]
    return card


def propose_alternate_card(
    determination: Determination,
    proposal: DoseProposal,
    *,
    health_plan: str,
    version: CrdVersion,
    key: bytes,
) -> dict[str, Any]:
    """Propose Alternate Request: one suggestion that `update`s the draft to the largest covered dose."""
    card = _card(
        determination,
        card_type=CardType.THERAPY_ALTERNATIVES_REQ,
        summary=f"Dexrazoxane {proposal.exceeds} above the {POLICY_ID} limit ({proposal.rule}): "
        f"{DECISION_WORDS[determination.decision]} as ordered",
        indicator="warning",
        detail=escape_markdown(
            f"The ordered {proposal.exceeds} exceeds what {POLICY_ID} {proposal.rule} allows. "
            f"The largest {proposal.exceeds} the policy allows: {proposal.summary}."
        ),
        health_plan=health_plan,
        version=version,
        key=key,
    )
    card["selectionBehavior"] = "at-most-one"
    card["suggestions"] = [
        {
            "uuid": issued_uuid(key),
            "label": f"Change to the largest {proposal.exceeds} the policy allows",
            "isRecommended": True,
            "actions": [
                {
                    "type": "update",
                    "description": f"Change the dexrazoxane order to {proposal.summary}",
                    "resource": proposal.order,
                }
            ],
        }
    ]
    return card
