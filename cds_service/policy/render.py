"""A determination as JSON (docs/determination.md) and as a readable text tree (decision and approval
first), the text in the words of docs/glossary.md (``policy.outcome.OUTCOME_WORDS``)."""

from __future__ import annotations

from typing import Any

from cds_service.clinical.facts_json import facts_to_json
from cds_service.policy.cp_phar_418 import POLICY_ID, POLICY_LAST_REVIEW, POLICY_TITLE, POLICY_URL
from cds_service.policy.determination import CriterionResult, Determination
from cds_service.policy.outcome import OUTCOME_WORDS, Outcome
from cds_service.policy.referral import line_of_business_note

MARKS = {Outcome.MET: "[✓]", Outcome.NOT_MET: "[✗]", Outcome.UNKNOWN: "[?]"}
LEGEND = ", ".join(f"{MARKS[outcome]} {OUTCOME_WORDS[outcome]}" for outcome in Outcome)


def criterion_to_json(node: CriterionResult) -> dict[str, Any]:
    return {
        "id": node.id,
        "text": node.text,
        "outcome": str(node.outcome),
        "reason": node.reason,
        "evidence": list(node.evidence),
        "children": [criterion_to_json(child) for child in node.children],
    }


def determination_to_json(det: Determination) -> dict[str, Any]:
    return {
        "order": det.order,
        "policy": {
            "id": POLICY_ID,
            "title": POLICY_TITLE,
            "url": POLICY_URL,
            "last_review": POLICY_LAST_REVIEW,
        },
        "pathway": det.pathway,
        "decision": str(det.decision),
        "reason": det.reason,
        "criteria": criterion_to_json(det.criteria) if det.criteria else None,
        "facts": facts_to_json(det.facts) if det.facts else None,
        "approval": (
            {"start": det.approval.start.isoformat(), "end": det.approval.end.isoformat()}
            if det.approval
            else None
        ),
        "documentation": [{"criterion": d.criterion, "request": d.request} for d in det.documentation],
        "off_label_policies": list(det.off_label_policies),
        "related": [criterion_to_json(node) for node in det.related],
        "evidence_under_review": list(det.evidence_under_review),
        # The reads that left facts unknown, what they left unknown and what would let them be read.
        "unread": [
            {
                "key": u.key,
                "reason": u.reason,
                "left_unknown": list(u.left_unknown),
                "to_read_it": u.to_read_it,
            }
            for u in (det.facts.unread if det.facts else ())
        ],
        # what the policy would decide if it applies, when the line of business is unknown
        "if_policy_applies": str(det.if_applies) if det.if_applies is not None else None,
    }


def _node_lines(node: CriterionResult, depth: int) -> list[str]:
    indent = "  " * depth
    lines = [f"{indent}{MARKS[node.outcome]} {node.id} {node.text}"]
    if node.reason:
        lines.append(f"{indent}      {node.reason}")
    if node.evidence:
        lines.append(f"{indent}      evidence: {', '.join(node.evidence)}")
    for child in node.children:
        lines.extend(_node_lines(child, depth + 1))
    return lines


def determination_to_text(det: Determination) -> str:
    lines = [f"{det.order}: {POLICY_ID} {POLICY_TITLE}"]
    on = f" on {det.pathway}" if det.pathway else ""
    lines.append(f"Decision: {str(det.decision).upper()}{on}")
    if det.approval:
        lines.append(
            f"Approval: {det.approval.start.isoformat()} to {det.approval.end.isoformat()} (inclusive)"
        )
    if det.reason:
        lines.append(f"Why: {det.reason}")
    if det.criteria and (unknown_line := line_of_business_note(det.facts, det.if_applies)):
        lines.append(unknown_line)
    if det.evidence_under_review:
        lines.append(
            f"Evidence received, awaiting the payer's review: {', '.join(det.evidence_under_review)}"
        )
    if det.off_label_policies:
        lines.append(f"Off-label review (I.C.2): {', '.join(det.off_label_policies)}")
    if det.documentation:
        lines.append("Documentation needed:")
        lines.extend(f"  - {d.criterion}: {d.request}" for d in det.documentation)
    if det.criteria:
        lines.extend(["", f"Criteria ({LEGEND}):"])
        lines.extend(_node_lines(det.criteria, 0))
    if det.related:
        lines.extend(["", "Beside the pathway:"])
        for node in det.related:
            lines.extend(_node_lines(node, 0))
    if det.facts and det.facts.unread:
        lines.extend(["", "Not read (what it left unknown; how to read it):"])
        for unread in det.facts.unread:
            lines.append(f"  - {unread.reason}")
            lines.append(f"      left unknown: {', '.join(unread.left_unknown)}")
            lines.append(f"      to read it: {unread.to_read_it}")
    if det.facts and det.facts.problems:
        lines.extend(["", "Could not read:"])
        lines.extend(f"  - {problem}" for problem in det.facts.problems)
    return "\n".join(lines)
