"""A policy as a tree of criteria: checked once when it is built, evaluated once per order.

Nodes are "must meet all" (``ALL``) or "one of" (``ONE_OF``) branches and leaves. A leaf holds the
evaluator that reads the clinical facts (the function itself, not a name looked up in a registry); a
branch may also carry a *qualifier*, a condition stated in the branch's own words and combined with its
children under "must meet all" (e.g. I.A.3.b.i "Pediatric acute lymphoblastic leukemia (ALL) and one of
the following (1 or 2)").

Outcomes are three-valued and every child is evaluated (docs/decisions.md), so a card can list everything
that is unmet or undocumented. A clinician's documented answer (``ClinicalFacts.documented``, keyed by
criterion id) settles a leaf or a qualifier only where the data left it unknown, never overturning a
data-derived ``not_met``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from cds_service.clinical.facts import ClinicalFacts
from cds_service.policy.determination import CriterionResult
from cds_service.policy.not_read import settled
from cds_service.policy.outcome import Outcome, all_of, any_of


class Kind(StrEnum):
    ALL = "must meet all"
    ONE_OF = "one of"
    LEAF = "leaf"


@dataclass(frozen=True)
class Verdict:
    """What an evaluator says about one criterion."""

    outcome: Outcome
    reason: str
    evidence: tuple[str, ...] = ()
    # What would settle the parts left open, in plain words ("the patient's birth date"), when the
    # evaluator can tell them apart; empty: the criterion's own documentation asks for everything.
    asks: tuple[str, ...] = ()


Evaluator = Callable[[ClinicalFacts], Verdict]


@dataclass(frozen=True)
class Criterion:
    """One node as written in the policy: its id, its words, how it is decided and what settles it."""

    id: str
    text: str
    kind: Kind
    children: tuple[Criterion, ...] = ()
    evaluator: Evaluator | None = None  # a leaf's evaluator, or a branch's qualifier
    documentation: str = ""  # what to send when the data cannot settle it, in plain words
    # Whether a clinician's answer in our template may settle it. Not for facts only the plan's own
    # records hold (II.A.1: the member's benefit history, continuity-of-care enrollment).
    attestable: bool = True
    # Whether the documentation template (the DTR questionnaire, ``dtr.questionnaire_items``) asks it, if
    # it is decided at all (a leaf, or a branch's qualifier): not where structured data always settles it,
    # nor where only the plan's own records can. Payer-reviewed criteria (not attestable) are still asked.
    asked: bool = True
    # What of the order itself settles it, when only the order's own details do ("dose"): an order still
    # being chosen may not state them yet, so order-select checks the criterion at signing instead of
    # pending on it (``policy.provisional``).
    order_detail: str = ""

    def walk(self) -> Iterator[Criterion]:
        yield self
        for child in self.children:
            yield from child.walk()


class PolicyTreeError(Exception):
    """The policy tree is malformed; raised when the tree is built, never while deciding."""


class DuplicateCriterionId(PolicyTreeError):
    pass


class MisnumberedCriterion(PolicyTreeError):
    pass


class UnboundEvaluator(PolicyTreeError):
    pass


class InvalidNodeKind(PolicyTreeError):
    pass


# The policy numbers its levels I. → A. → 1. → a. → i. → 1. (CP.PHAR.418 "Policy/Criteria").
_ROOT = re.compile(r"^(?:[IVX]+)(?:\.[A-Z])?$")
_LEVELS: tuple[tuple[str, ...], ...] = (
    tuple(str(n) for n in range(1, 21)),
    tuple("abcdefghijklmnopqrstuvwxyz"),
    ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"),
    tuple(str(n) for n in range(1, 21)),
)


@dataclass(frozen=True)
class PolicyTree:
    """Checked roots by id, and every node by id."""

    roots: Mapping[str, Criterion]
    index: Mapping[str, Criterion]

    def __getitem__(self, criterion_id: str) -> Criterion:
        return self.index[criterion_id]

    def ids(self) -> list[str]:
        return list(self.index)

    def evaluate(self, criterion_id: str, facts: ClinicalFacts) -> TreeResult:
        """Evaluate one section for one order, with the criteria whose answer would settle it."""
        undetermined: set[str] = set()
        # not read is not absent (policy.not_read): the same reading whoever asks for a section
        result = _evaluate(self[criterion_id], settled(facts), undetermined)
        return TreeResult(result, tuple(self[i] for i in _open_questions(result, undetermined)))


@dataclass(frozen=True)
class TreeResult:
    result: CriterionResult
    # Leaves and qualifiers the data left unknown that could still change the section's outcome:
    # those on a path of unknown nodes from the root (a met or not-met branch is settled already).
    open_questions: tuple[Criterion, ...]


def _open_questions(result: CriterionResult, undetermined: set[str]) -> list[str]:
    if result.outcome is not Outcome.UNKNOWN:
        return []
    found = [result.id] if result.id in undetermined else []
    for child in result.children:
        found.extend(_open_questions(child, undetermined))
    return found


def build_tree(roots: tuple[Criterion, ...]) -> PolicyTree:
    """Check the tree (ids unique and numbered as the policy numbers them, every node kind valid,
    every leaf with an evaluator, every evaluator a function) and index it; raise a ``PolicyTreeError``."""
    seen: set[str] = set()
    for root in roots:
        if not _ROOT.match(root.id):
            raise MisnumberedCriterion(f"{root.id!r} is not a policy section id (e.g. 'I.A', 'III')")
        _check(root, depth=0, seen=seen)
    index = {node.id: node for root in roots for node in root.walk()}
    return PolicyTree({root.id: root for root in roots}, index)


def _check(node: Criterion, *, depth: int, seen: set[str]) -> None:
    if node.id in seen:
        raise DuplicateCriterionId(f"criterion id {node.id!r} appears twice")
    seen.add(node.id)
    if not isinstance(node.kind, Kind):
        raise InvalidNodeKind(f"{node.id}: unknown node kind {node.kind!r}")
    if not node.text.strip():
        raise InvalidNodeKind(f"{node.id}: a criterion needs the policy's words")
    if node.kind is Kind.LEAF:
        if node.children:
            raise InvalidNodeKind(f"{node.id}: a leaf cannot have children")
        if node.evaluator is None:
            raise UnboundEvaluator(f"{node.id}: leaf has no evaluator")
    elif node.kind is Kind.ONE_OF and len(node.children) < 2:
        raise InvalidNodeKind(f"{node.id}: a 'one of' node needs at least two children")
    elif node.kind is Kind.ALL and not node.children:
        raise InvalidNodeKind(f"{node.id}: a 'must meet all' node needs children")
    if node.evaluator is not None and not callable(node.evaluator):
        raise UnboundEvaluator(f"{node.id}: {node.evaluator!r} is not an evaluator function")
    if node.children and depth >= len(_LEVELS):
        raise MisnumberedCriterion(f"{node.id}: the policy has no numbering this deep")
    for position, child in enumerate(node.children):
        expected = f"{node.id}.{_LEVELS[depth][position]}"
        if child.id != expected:
            raise MisnumberedCriterion(f"{child.id!r} under {node.id} should be {expected!r}")
        _check(child, depth=depth + 1, seen=seen)


def _evaluate(node: Criterion, facts: ClinicalFacts, undetermined: set[str]) -> CriterionResult:
    children = tuple(_evaluate(child, facts, undetermined) for child in node.children)
    own = _settle(node, node.evaluator(facts), facts) if node.evaluator else None
    if own is not None and own.outcome is Outcome.UNKNOWN:
        undetermined.add(node.id)
    if node.kind is Kind.LEAF:
        assert own is not None
        return CriterionResult(node.id, node.text, own.outcome, own.reason, own.evidence, asks=own.asks)
    combined = (all_of if node.kind is Kind.ALL else any_of)(child.outcome for child in children)
    outcome = all_of([own.outcome, combined]) if own else combined
    reason = _branch_reason(node, outcome, children, own)
    return CriterionResult(
        node.id, node.text, outcome, reason, own.evidence if own else (), children, own.asks if own else ()
    )


def _settle(node: Criterion, verdict: Verdict, facts: ClinicalFacts) -> Verdict:
    """Let a documented answer settle what the data left unknown (never a data-derived not_met)."""
    answer = facts.documented.get(node.id)
    if not node.attestable or verdict.outcome is not Outcome.UNKNOWN or answer is None:
        return verdict
    if answer.value is None:
        # An answer that settles nothing (it contradicts itself, predates its order, or the record
        # contradicts it) is said, so the reader sees why the clinician's word was not taken.
        if not answer.reason:
            return verdict
        reason = f"{verdict.reason}; the clinician's answer settles nothing: {answer.reason}"
        return Verdict(verdict.outcome, reason, verdict.evidence + answer.evidence)
    said = "yes" if answer.value else "no"
    reason = f"documented by the clinician ({said}); the data alone: {verdict.reason}"
    return Verdict(Outcome.of(answer.value), reason, verdict.evidence + answer.evidence)


def _branch_reason(
    node: Criterion, outcome: Outcome, children: tuple[CriterionResult, ...], own: Verdict | None
) -> str:
    def ids(wanted: Outcome) -> str:
        return ", ".join(child.id for child in children if child.outcome is wanted)

    parts: list[str] = []
    if own is not None and own.outcome is not Outcome.MET:
        parts.append(own.reason)
    if outcome is Outcome.MET:
        if own is not None:
            parts.append(own.reason)
        met = ids(Outcome.MET)
        parts.append(f"met by {met}" if node.kind is Kind.ONE_OF else "every criterion met")
    elif outcome is Outcome.NOT_MET:
        if not_met := ids(Outcome.NOT_MET):
            parts.append(f"not met: {not_met}" if node.kind is Kind.ALL else "none of the options met")
    elif unknown := ids(Outcome.UNKNOWN):
        parts.append(f"{Outcome.UNKNOWN.words}: {unknown}")
    return "; ".join(parts)
