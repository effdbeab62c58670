"""order-select's provisional guidance: the likely decision on an order still being chosen.

CDS Hooks order-select fires "after the clinician selects the order and before signing", and "CDS services
should expect some of the order information to not yet be specified". The guidance is read from the one
determination order-sign makes (``policy.decide``): there is no second decision path.

- An order that states its dose is decided at selection as it would be at signing on the same record: its
  provisional decision is the determination's decision.
- An order that states no dose yet leaves the criteria that read the order's dose unknown (those marked
  ``order_detail`` in the tree: I.A.5, II.A.4, I.B.4). They are not pended on: they are checked at
  signing. The likely decision is what the rest of the tree gives with them set aside (taken as met): a
  criterion not met elsewhere still denies, anything else open still pends, and otherwise the order is
  likely approved provided its dose, once entered, is within the policy's limit. What pends beside the
  tree once it is met (the doxorubicin schedule that bounds the approval, a coverage read only in part:
  ``policy.decide.pends_beside_the_tree``) pends here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cds_service.clinical.therapy import order_amounts
from cds_service.policy.cp_phar_418 import POLICY
from cds_service.policy.decide import pends_beside_the_tree
from cds_service.policy.determination import CriterionResult, Decision, Determination, DocumentationRequest
from cds_service.policy.outcome import Outcome, all_of, any_of
from cds_service.policy.tree import Kind

_DECISION = {Outcome.MET: Decision.APPROVE, Outcome.NOT_MET: Decision.DENY, Outcome.UNKNOWN: Decision.PEND}


@dataclass(frozen=True)
class Provisional:
    """The guidance for one selected dexrazoxane order."""

    determination: Determination
    # the likely decision: the determination's own for an order that states its dose
    decision: Decision
    # criteria checked at signing instead of pended on (the order states no dose yet)
    at_signing: tuple[str, ...] = ()
    # what will be asked for, the criteria checked at signing left out
    documentation: tuple[DocumentationRequest, ...] = ()

    @property
    def conditional(self) -> bool:
        """Whether the likely decision holds only if what is checked at signing is met."""
        return bool(self.at_signing)


def states_dose(order: dict[str, object]) -> bool:
    """Whether the order writes a per-dose amount on any dosage line (what the dose criteria read)."""
    return bool(order_amounts(order))


def _within(criterion: str, roots: Iterable[str]) -> bool:
    return any(criterion == root or criterion.startswith(root + ".") for root in roots)


def _outcome_setting_aside(node: CriterionResult, aside: frozenset[str]) -> Outcome:
    """The node's outcome with the criteria ``aside`` taken as met, combined as the tree combines them.
    A branch whose own qualifier was folded into its outcome (``Criterion.evaluator`` on a branch) keeps
    its outcome: the qualifier's own verdict is not kept apart, and keeping it is never more favourable."""
    if node.id in aside:
        return Outcome.MET
    if not node.children or not any(_within(criterion, [node.id]) for criterion in aside):
        return node.outcome
    criterion = POLICY.index.get(node.id)
    if criterion is None or criterion.evaluator is not None:
        return node.outcome
    combine = all_of if criterion.kind is Kind.ALL else any_of
    return combine(_outcome_setting_aside(child, aside) for child in node.children)


def provisional(determination: Determination) -> Provisional:
    """The provisional guidance on ``determination`` (its order as selected, perhaps incomplete)."""
    criteria = determination.criteria
    if criteria is None or states_dose(determination.order_resource):
        return Provisional(determination, determination.decision, (), determination.documentation)
    aside = tuple(
        node.id
        for node in criteria.walk()
        if node.outcome is Outcome.UNKNOWN
        and (criterion := POLICY.index.get(node.id)) is not None
        and criterion.order_detail
    )
    if not aside:
        return Provisional(determination, determination.decision, (), determination.documentation)
    decision = _DECISION[_outcome_setting_aside(criteria, frozenset(aside))]
    documentation = [doc for doc in determination.documentation if not _within(doc.criterion, aside)]
    if determination.facts is not None and determination.pathway is not None:
        # What pends beside the tree (the doxorubicin schedule, a coverage read in part), as order-sign
        # would find it once the tree is met.
        for _why, request in pends_beside_the_tree(decision, determination.pathway, determination.facts):
            decision = Decision.PEND
            if request not in documentation:
                documentation.append(request)
    return Provisional(determination, decision, aside, tuple(documentation))
