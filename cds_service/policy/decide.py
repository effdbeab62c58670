"""The determination for one dexrazoxane order: pathway, criteria tree, decision, approval period,
documentation to request and the off-label referral (docs/decisions.md)."""

from __future__ import annotations

from cds_service.clinical.facts import ClinicalFacts
from cds_service.fhir.pool import Resource
from cds_service.policy.approval import approval_period
from cds_service.policy.cp_phar_418 import POLICY, POLICY_ID
from cds_service.policy.determination import CriterionResult, Decision, Determination, DocumentationRequest
from cds_service.policy.not_read import settled
from cds_service.policy.outcome import Outcome
from cds_service.policy.pathway import (
    CONTINUED_CARDIOPROTECTION,
    EXTRAVASATION,
    INITIAL_CARDIOPROTECTION,
    pathway_reason,
    select_pathway,
)
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
# What settles an unknown line of business (docs/decisions.md "Line of business unknown never approves or
# denies"): asked under this key in the documentation list, the card and the DTR questionnaire.
MEMBER_COVERAGE = "coverage"
MEMBER_COVERAGE_REQUEST = (
    "Send the member's coverage for this order: the health plan and its line of business (Commercial, "
    "HIM/ICHRA marketplace, Medicaid, Medicare, another government program, or self-pay)."
)
VITAL_STATUS = "vital-status"
VITAL_STATUS_REQUEST = (
    "Correct the patient's record or confirm the patient is alive: no order is approved on a record "
    "that says the patient has died."
)
# Not plausible is not a fact (docs/decisions.md "A record that is not this patient's"): the Patient sent
# is another patient.
PATIENT_RECORD = "patient"
PATIENT_RECORD_REQUEST = (
    "Send this patient's own record (the Patient the order is for): the Patient sent is another patient, "
    "so neither the age nor anything else read from it is this patient's."
)
# Not read is not absent (docs/decisions.md "Pathways"): whether the member already had dexrazoxane for
# cardioprotection, which chooses II.A over I.A, rests on an administration whose status cannot be read.
PRIOR_DEXRAZOXANE_REQUEST = (
    "Send whether the member already received dexrazoxane for cardioprotection in the 12 months before this "
    "order (the status of each dexrazoxane administration named: given or not): continued therapy (II.A) "
    "and a first course (I.A) are judged on different criteria."
)
_DECISION = {Outcome.MET: Decision.APPROVE, Outcome.NOT_MET: Decision.DENY, Outcome.UNKNOWN: Decision.PEND}


def _request(documentation: str, asks: tuple[str, ...] | None, still_open: str | None) -> str:
    """What to send for one criterion: the parts left open when the evaluator names them ("Send the
    Ph-negative (BCR-ABL1) result."), else the criterion's whole documentation; and why it is open."""
    if asks:
        listed = (
            asks[0]
            if len(asks) == 1
            else f"{', '.join(asks[:-1])}{',' if len(asks) > 2 else ''} and {asks[-1]}"
        )
        documentation = f"Send {listed}."
    return f"{documentation} Still open: {still_open}." if still_open else documentation


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
    # What to send, and what exactly the data left open for that criterion: only the parts left open
    # when the evaluator tells them apart (a compound criterion's met parts are not asked for again).
    open_reasons = {node.id: node.reason for node in criteria.walk()}
    open_asks = {node.id: node.asks for node in criteria.walk() if node.asks}
    # Evidence received for a criterion the payer reviews is not asked for again (docs/facts.md "Record
    # integrity").
    under_review = tuple(
        node.id for node in evaluated.open_questions if facts.submitted_evidence.get(node.id)
    )
    documentation = [
        DocumentationRequest(
            node.id, _request(node.documentation, open_asks.get(node.id), open_reasons.get(node.id))
        )
        for node in evaluated.open_questions
        if node.id not in under_review
    ]
    tree_reason = criteria.reason
    if decision is Decision.PEND and under_review:
        tree_reason += (
            f"; supporting evidence for {', '.join(under_review)} received, awaiting the payer's review"
        )
    # What pends beside the tree (docs/decisions.md): the doxorubicin schedule an approval needs, the
    # member's coverage when the line of business is unknown, a record saying the patient has died.
    held = ""
    if_applies: Decision | None = None
    if (schedule := _schedule_unreadable(decision, pathway, facts)) is not None:
        decision, (tree_reason, request) = Decision.PEND, schedule
        documentation.append(request)
    elif (purpose := _purpose_unread(decision, pathway, facts)) is not None:
        decision, (tree_reason, request) = Decision.PEND, purpose
        documentation.append(request)
    elif (prior := _prior_dexrazoxane_unread(decision, pathway, facts)) is not None:
        why, request = prior
        tree_reason = f"{tree_reason}; {why}" if decision is Decision.PEND else why
        decision = Decision.PEND
        documentation.append(request)
    if (coverage := _coverage_unknown(facts)) is not None:
        # "Line of business unknown never approves or denies": with no Coverage, one naming no line of
        # business or more than one, or one read only in part, whether the policy applies at all is not
        # known (Medicare and self-pay are outside it). Pend for the member's coverage and say what the
        # policy would decide if it applies.
        if_applies, held = decision, "the member's coverage is needed"
        why, request = coverage
        tree_reason = f"{why}; if it applies: {_WOULD[decision]} ({tree_reason})"
        decision = Decision.PEND
        documentation.append(request)
    if (mismatch := _another_patient(facts)) is not None:
        held = "no decision on a record that is not this patient's"
        why, request = mismatch
        tree_reason = f"{why}; criteria: {decision.value} ({tree_reason})"
        decision = Decision.PEND
        documentation.append(request)
    if (dead := _recorded_deceased(facts)) is not None:
        # Not plausible is not a fact (docs/facts.md "Plausibility"): an order signed for a patient the
        # record says has died conflicts with the record; it is neither approved nor denied on it.
        held = "no decision on a record that says the patient has died"
        why, request = dead
        tree_reason = f"{why}; criteria: {decision.value} ({tree_reason})"
        decision = Decision.PEND
        documentation.append(request)
    related: list[CriterionResult] = []
    if pathway == EXTRAVASATION:
        related.append(POLICY.evaluate("II.B", facts).result)
    referral: tuple[str, ...] = ()
    if Decision.DENY in (decision, if_applies):
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
        reason=_reason(decision, pathway, tree_reason, referral, criteria, facts, held=held)
        + _why_here(facts, pathway, decision),
        related=tuple(related),
        evidence_under_review=under_review if decision is Decision.PEND else (),
        order_resource=order,
        if_applies=if_applies,
    )


_WOULD = {
    Decision.APPROVE: "approve",
    Decision.DENY: "deny",
    Decision.PEND: "pend for documentation",
}


def _schedule_unreadable(
    decision: Decision, pathway: str, facts: ClinicalFacts
) -> tuple[str, DocumentationRequest] | None:
    """ "12 months or duration of doxorubicin therapy, whichever is less" (I.A, II.A approval duration):
    without the date of the last doxorubicin dose no approval period can honour it, and a 12-month default
    could outlast the therapy. An approval asks for the schedule instead."""
    if (
        decision is not Decision.APPROVE
        or pathway == EXTRAVASATION
        or facts.last_planned_doxorubicin_date.value is not None
    ):
        return None
    unreadable = facts.last_planned_doxorubicin_date.reason or "the doxorubicin schedule cannot be read"
    # The request says what left it open: no criterion shown below does (they are all met).
    return f"every criterion it requires is met, but {unreadable}", DocumentationRequest(
        pathway, f"{DOXORUBICIN_SCHEDULE_REQUEST} Still open: {unreadable}."
    )


def _purpose_unread(
    decision: Decision, pathway: str, facts: ClinicalFacts
) -> tuple[str, DocumentationRequest] | None:
    """Not read is not absent (docs/decisions.md "What is not read"): an order that says "extravasation"
    only in words is not judged as plain cardioprotection (its I.A.1 is unknown), nor denied on
    cardioprotection criteria."""
    if (
        not facts.order_purpose.unread
        or pathway == EXTRAVASATION
        or decision not in (Decision.APPROVE, Decision.DENY)
    ):
        return None
    return facts.order_purpose.reason, DocumentationRequest(pathway, PURPOSE_REQUEST)


def _prior_dexrazoxane_unread(
    decision: Decision, pathway: str, facts: ClinicalFacts
) -> tuple[str, DocumentationRequest] | None:
    """Not read is not absent: an order judged on I.A because no dexrazoxane administration that counts
    shows prior cardioprotection, where one whose status cannot be read could (the fact unknown, its
    unread named), is approved or denied only when II.A, judged on the same facts, decides the same:
    otherwise which pathway applies decides it, and the order pends for it (an approval or a denial the
    unread dose could turn into the other, never). Pending on both, it asks for it beside the rest."""
    prior = facts.prior_dexrazoxane_cardioprotection
    if pathway != INITIAL_CARDIOPROTECTION or prior.value is not None or not prior.unread:
        return None
    continued = _DECISION[POLICY.evaluate(CONTINUED_CARDIOPROTECTION, facts).result.outcome]
    if continued is decision is not Decision.PEND:
        return None
    why = (
        f"whether the member already had dexrazoxane for cardioprotection is not known ({prior.reason}): "
        f"judged as a first course ({pathway}) it would {_WOULD[decision]}, as continued therapy "
        f"({CONTINUED_CARDIOPROTECTION}) {_WOULD[continued]}"
    )
    return why, DocumentationRequest(pathway, f"{PRIOR_DEXRAZOXANE_REQUEST} Still open: {prior.reason}.")


def _coverage_unknown(facts: ClinicalFacts) -> tuple[str, DocumentationRequest] | None:
    """Whether the policy applies is not known: the line of business is unknown (a Coverage read only in
    part among the reasons: a partial read is not a record)."""
    if facts.line_of_business.value is not None:
        return None
    why = facts.undecidable or facts.line_of_business.reason or "no line of business in the data"
    request = COVERAGE_REQUEST if facts.undecidable else MEMBER_COVERAGE_REQUEST
    return f"whether {POLICY_ID} applies is not known ({why})", DocumentationRequest(MEMBER_COVERAGE, request)


def _another_patient(facts: ClinicalFacts) -> tuple[str, DocumentationRequest] | None:
    if not facts.patient_mismatch.value:
        return None
    return facts.patient_mismatch.reason, DocumentationRequest(PATIENT_RECORD, PATIENT_RECORD_REQUEST)


def _recorded_deceased(facts: ClinicalFacts) -> tuple[str, DocumentationRequest] | None:
    if not facts.deceased.value:
        return None
    return facts.deceased.reason, DocumentationRequest(VITAL_STATUS, VITAL_STATUS_REQUEST)


def pends_beside_the_tree(
    decision: Decision, pathway: str, facts: ClinicalFacts
) -> list[tuple[str, DocumentationRequest]]:
    """Why a decision the tree gives still pends, each with what to send (none: it stands): the
    doxorubicin schedule an approval needs, or an order purpose not read; the member's coverage when the
    line of business is unknown; a Patient sent that is another patient; a record saying the patient has
    died. ``determine`` pends on the same;
    also asked by order-select's likely decision (``policy.provisional``), so both say the same."""
    schedule = _schedule_unreadable(decision, pathway, facts)
    purpose = _purpose_unread(decision, pathway, facts) if schedule is None else None
    found = [
        schedule,
        purpose,
        _prior_dexrazoxane_unread(decision, pathway, facts) if schedule is None and purpose is None else None,
        _coverage_unknown(facts),
        _another_patient(facts),
        _recorded_deceased(facts),
    ]
    return [pend for pend in found if pend is not None]


def _why_here(facts: ClinicalFacts, pathway: str, decision: Decision) -> str:
    """The pathway's rule when an extravasation is in play, and where an I.B approval starts."""
    parts = [why] if (why := pathway_reason(facts, pathway)) else []
    if pathway == EXTRAVASATION and decision is Decision.APPROVE and facts.course_first_day.value:
        parts.append(
            f"3 days from {facts.course_first_day.value.isoformat()}, {facts.course_first_day.reason}"
        )
    return f" [{'; '.join(parts)}]" if parts else ""


def _read_from_text(facts: ClinicalFacts) -> str:
    """Say so when the line of business was read from the Coverage's text (the Coverage's own words decide
    last, docs/facts.md "Line of business"), or when a Coverage later in order of benefits was set aside
    (a member's Medicaid behind Medicare is named, never dropped silently)."""
    reason = facts.line_of_business.reason
    return f" ({reason})" if "read from Coverage text" in reason or " set aside: " in reason else ""


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
                but = f"{node.id} is met by {', '.join(met)}"
            else:  # open: options not failed remain (met ones, when the branch's own condition is open)
                still = [c.id for c in node.children if c.outcome is not Outcome.NOT_MET]
                but = f"{node.id} can still be met by {', '.join(still)}"
            said.append(f"{', '.join(failed)} not met, but {but}")
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
    *,
    held: str = "",
) -> str:
    """One line above the criteria tree, true of what is printed under it (docs/glossary.md words).
    ``held``: why the order pends whatever its criteria say (the coverage unknown, the patient recorded
    as deceased)."""
    section = POLICY[pathway].text
    if decision is Decision.APPROVE:
        return f"{pathway} {section}: every criterion it requires is met"
    if decision is Decision.DENY:
        return f"{pathway} {section}: {tree_reason}; off-label review under {', '.join(referral)}"
    parts = [f"{held} ({tree_reason})" if held else tree_reason, *failed_options(criteria)]
    if facts.unread:
        parts.append(f"not read in full: {', '.join(dict.fromkeys(u.key for u in facts.unread))}")
    return f"{pathway} {section}: {'; '.join(parts)}"
