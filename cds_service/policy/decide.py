"""The determination for one dexrazoxane order: pathway, criteria tree, decision, approval period,
documentation to request and the off-label referral (CONTRACT §2)."""

from __future__ import annotations

from cds_service.clinical.facts import ClinicalFacts
from cds_service.fhir.pool import Resource
from cds_service.policy.approval import approval_period
from cds_service.policy.cp_phar_418 import POLICY, POLICY_ID
from cds_service.policy.determination import CriterionResult, Decision, Determination, DocumentationRequest
from cds_service.policy.not_read import settled
from cds_service.policy.outcome import Outcome
from cds_service.policy.pathway import EXTRAVASATION, pathway_reason, select_pathway
from cds_service.policy.referral import (
    LINE_OF_BUSINESS_WORDS,
    LINES_OF_BUSINESS_OUTSIDE_POLICY,
    off_label_policies,
)

DOXORUBICIN_SCHEDULE_REQUEST = (
    "Send the doxorubicin schedule (the date of each remaining dose): the approval lasts 12 months or the "
    "duration of doxorubicin therapy, whichever is less."
)
COVERAGE_REQUEST = (
    "Send the patient's current Coverage (all of it: the search for it could not be read whole), or "
    "sign again once fhirServer answers it in full."
)
PURPOSE_REQUEST = (
    "Send the order's reason as a code: ICD-10-CM T80.810 for an anthracycline extravasation (with its "
    "date and the drug that extravasated), or the cancer the doxorubicin treats for cardioprotection."
)
_DECISION = {Outcome.MET: Decision.APPROVE, Outcome.NOT_MET: Decision.DENY, Outcome.UNKNOWN: Decision.PEND}


def determine(facts: ClinicalFacts, order: Resource) -> Determination:
    facts = settled(facts)  # not read is not absent: a False with resources unread is unknown
    line_of_business = facts.line_of_business.value
    if line_of_business in LINES_OF_BUSINESS_OUTSIDE_POLICY:
        return Determination(
            order=facts.order,
            decision=Decision.NOT_APPLICABLE,
            pathway=None,
            criteria=None,
            facts=facts,
            reason=(
                f"{POLICY_ID} covers Commercial, HIM/ICHRA and Medicaid members; this coverage is "
                f"{LINE_OF_BUSINESS_WORDS.get(line_of_business, line_of_business)}" + _read_from_text(facts)
            ),
            order_resource=order,
        )

    pathway = select_pathway(facts)
    evaluated = POLICY.evaluate(pathway, facts)
    criteria = evaluated.result
    decision = _DECISION[criteria.outcome]
    # What to send, and what exactly the data left open for that criterion.
    open_reasons = {node.id: node.reason for node in criteria.walk()}
    # Evidence received for a criterion the payer reviews is not asked for again (CONTRACT §2.1).
    under_review = tuple(
        node.id for node in evaluated.open_questions if facts.submitted_evidence.get(node.id)
    )
    documentation = [
        DocumentationRequest(node.id, f"{node.documentation} Still open: {open_reasons[node.id]}.")
        if open_reasons.get(node.id)
        else DocumentationRequest(node.id, node.documentation)
        for node in evaluated.open_questions
        if node.id not in under_review
    ]
    tree_reason = criteria.reason
    if decision is Decision.PEND and under_review:
        tree_reason += (
            f"; supporting evidence for {', '.join(under_review)} received, awaiting the payer's review"
        )
    for why, request in pends_beside_the_tree(decision, pathway, facts):
        decision = Decision.PEND
        tree_reason = why
        documentation.append(request)
    related: list[CriterionResult] = []
    if pathway == EXTRAVASATION:
        related.append(POLICY.evaluate("II.B", facts).result)
    referral: tuple[str, ...] = ()
    if decision is Decision.DENY:
        referral = off_label_policies(line_of_business)
        related.extend((POLICY.evaluate("I.C", facts).result, POLICY.evaluate("III", facts).result))
    return Determination(
        order=facts.order,
        decision=decision,
        pathway=pathway,
        criteria=criteria,
        facts=facts,
        approval=approval_period(facts, pathway) if decision is Decision.APPROVE else None,
        documentation=tuple(documentation),
        off_label_policies=referral,
        reason=_reason(decision, pathway, tree_reason, referral, criteria, facts)
        + _why_here(facts, pathway, decision),
        related=tuple(related),
        evidence_under_review=under_review if decision is Decision.PEND else (),
        order_resource=order,
    )


def pends_beside_the_tree(
    decision: Decision, pathway: str, facts: ClinicalFacts
) -> list[tuple[str, DocumentationRequest]]:
    """Why an approve or deny the tree gives still pends, each with what to send (none: it stands). Also
    asked by order-select's likely decision (``policy.provisional``), so both say the same."""
    found: list[tuple[str, DocumentationRequest]] = []
    if (
        decision is Decision.APPROVE
        and pathway != EXTRAVASATION
        and facts.last_planned_doxorubicin_date.value is None
    ):
        # "12 months or duration of doxorubicin therapy, whichever is less" (I.A, II.A approval duration):
        # without the date of the last doxorubicin dose no approval period can honour it, and a 12-month
        # default could outlast the therapy. Ask for the schedule instead.
        unreadable = facts.last_planned_doxorubicin_date.reason or "the doxorubicin schedule cannot be read"
        found.append(
            (
                f"every criterion it requires is met, but {unreadable}",
                DocumentationRequest(pathway, f"{DOXORUBICIN_SCHEDULE_REQUEST} Still open: {unreadable}."),
            )
        )
    if (
        facts.order_purpose.unread
        and not found
        and pathway != EXTRAVASATION
        and decision in (Decision.APPROVE, Decision.DENY)
    ):
        # Not read is not absent (docs/decisions.md "What is not read"): an order that says
        # "extravasation" only in words is not judged as plain cardioprotection (its I.A.1 is unknown),
        # nor denied on cardioprotection criteria.
        found.append((facts.order_purpose.reason, DocumentationRequest(pathway, PURPOSE_REQUEST)))
    if facts.undecidable and not found and decision in (Decision.APPROVE, Decision.DENY):
        # docs/facts.md "Record integrity": a partial read is not a record, so never a deny or an approve
        # on what was read.
        found.append(
            (
                f"whether {POLICY_ID} applies is not known: {facts.undecidable}",
                DocumentationRequest(pathway, COVERAGE_REQUEST),
            )
        )
    return found


def _why_here(facts: ClinicalFacts, pathway: str, decision: Decision) -> str:
    """The pathway's rule when an extravasation is in play, and where an I.B approval starts."""
    parts = [why] if (why := pathway_reason(facts, pathway)) else []
    if pathway == EXTRAVASATION and decision is Decision.APPROVE and facts.course_first_day.value:
        parts.append(
            f"3 days from {facts.course_first_day.value.isoformat()}, {facts.course_first_day.reason}"
        )
    return f" [{'; '.join(parts)}]" if parts else ""


def _read_from_text(facts: ClinicalFacts) -> str:
    """Say so when the line of business was read from the Coverage's text (CONTRACT §2.1)."""
    reason = facts.line_of_business.reason
    return f" ({reason})" if "read from Coverage text" in reason else ""


def failed_options(criteria: CriterionResult) -> list[str]:
    """Each option shown not met under a "one of" that is met or still open, said so, so that the summary
    above the tree is true of every [✗] printed in it: "I.A.5.a not met, but I.A.5 can still be met by
    I.A.5.b". Only the highest such options (what lies under a failed option failed with it)."""
    said: list[str] = []

    def walk(node: CriterionResult) -> None:
        failed = [c.id for c in node.children if c.outcome is Outcome.NOT_MET]
        if failed and node.outcome is not Outcome.NOT_MET:
            if node.outcome is Outcome.MET:
                met = [c.id for c in node.children if c.outcome is Outcome.MET]
                said.append(f"{', '.join(failed)} not met, but {node.id} is met by {', '.join(met)}")
            else:
                still = [c.id for c in node.children if c.outcome is Outcome.UNKNOWN]
                said.append(
                    f"{', '.join(failed)} not met, but {node.id} can still be met by {', '.join(still)}"
                )
        for child in node.children:
            if child.outcome is not Outcome.NOT_MET:
                walk(child)

    walk(criteria)
    return said


def _reason(
    decision: Decision,
    pathway: str,
    tree_reason: str,
    referral: tuple[str, ...],
    criteria: CriterionResult,
    facts: ClinicalFacts,
) -> str:
    """One line above the criteria tree, true of what is printed under it (docs/glossary.md words)."""
    section = POLICY[pathway].text
    if decision is Decision.APPROVE:
        return f"{pathway} {section}: every criterion it requires is met"
    if decision is Decision.DENY:
        return f"{pathway} {section}: {tree_reason}; off-label review under {', '.join(referral)}"
    parts = [tree_reason, *failed_options(criteria)]
    if facts.unread:
        parts.append(f"not read in full: {', '.join(dict.fromkeys(u.key for u in facts.unread))}")
    return f"{pathway} {section}: {'; '.join(parts)}"
