"""The determination for one dexrazoxane order: the data of docs/determination.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from cds_service.clinical.facts import ClinicalFacts
from cds_service.policy.outcome import Outcome


class Decision(StrEnum):
    APPROVE = "approve"
    DENY = "deny"
    PEND = "pend"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True)
class CriterionResult:
    """One evaluated node of the policy tree."""

    id: str
    text: str
    outcome: Outcome
    reason: str
    evidence: tuple[str, ...] = ()
    children: tuple[CriterionResult, ...] = ()
    # What would settle its parts left open (``tree.Verdict.asks``): the documentation request asks for
    # only these when given, never for what the record already shows.
    asks: tuple[str, ...] = ()

    def walk(self) -> list[CriterionResult]:
        """This node and every descendant, depth first."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes


@dataclass(frozen=True)
class ApprovalPeriod:
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class DocumentationRequest:
    criterion: str
    request: str  # plain words: what to send


@dataclass(frozen=True)
class Determination:
    order: str  # "MedicationRequest/<id>"
    decision: Decision
    pathway: str | None  # "I.A" | "I.B" | "II.A" | None
    criteria: CriterionResult | None
    facts: ClinicalFacts | None
    approval: ApprovalPeriod | None = None
    documentation: tuple[DocumentationRequest, ...] = ()
    off_label_policies: tuple[str, ...] = ()  # I.C.2 referral named on a deny
    reason: str = ""  # one line: why this decision (e.g. why not applicable)
    # Policy sections shown beside the pathway, not deciding it: II.B on I.B (no re-authorization),
    # I.C and III on a deny (where the request is referred).
    related: tuple[CriterionResult, ...] = ()
    # Criteria whose supporting evidence was received and awaits the payer's review (docs/facts.md "Record
    # integrity"): nothing more to send for them, but the service does not settle them.
    evidence_under_review: tuple[str, ...] = ()
    order_resource: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # When the line of business is unknown the order pends whatever the criteria say: what CP.PHAR.418
    # would decide if it applies (docs/decisions.md "Line of business unknown never approves or denies").
    if_applies: Decision | None = None
