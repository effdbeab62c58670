"""The markdown `detail` of the Instructions card: the criteria tree, the doses it rests on, and what
follows from the decision (the approval period, the documentation still needed, or the off-label referral).

CRD §dev-24: a card about some of the draft orders names the order; CONTRACT §5: criteria with outcome and
evidence, the cumulative dose with the administrations it sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from cds_service.clinical.facts import ClinicalFacts, DoseLine, DoseTotal, Fact
from cds_service.policy.cp_phar_418 import POLICY_ID
from cds_service.policy.determination import CriterionResult, Decision, Determination
from cds_service.policy.outcome import Outcome
from cds_service.policy.referral import line_of_business_note

OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.MET: "met",
    Outcome.NOT_MET: "not met",
    Outcome.UNKNOWN: "not documented",
}
# On an approval, a criterion the data does not settle was not needed (an alternative of it is met): saying
# "not documented" would invite needless charting.
NOT_NEEDED = "not needed"


def mg_m2(value: float) -> str:
    """mg/m² in the card: one decimal at most, the same everywhere."""
    return f"{value:.1f}".removesuffix(".0")


# Bounds on what the card lists, so a long history (thousands of administrations) cannot blow up `detail`;
# totals are always computed over everything.
MAX_DOSE_ROWS = 20
MAX_EVIDENCE = 10


def listed(items: Sequence[str], limit: int = MAX_EVIDENCE) -> str:
    """The first `limit` items, comma-separated, then how many more there are."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def criteria_lines(node: CriterionResult, depth: int = 0, *, approved: bool = False) -> list[str]:
    """The criteria tree in markdown. `approved`: undocumented criteria read "not needed", their
    sub-criteria collapsed."""
    if approved and node.outcome is Outcome.UNKNOWN:
        return [f"{'  ' * depth}- **{node.id}** {node.text}: **{NOT_NEEDED}**"]
    line = f"{'  ' * depth}- **{node.id}** {node.text}: **{OUTCOME_WORDS[node.outcome]}**"
    if node.reason:
        line += f". {node.reason}"
    if node.evidence:
        line += f" (evidence: {listed(node.evidence)})"
    lines = [line]
    for child in node.children:
        lines.extend(criteria_lines(child, depth + 1, approved=approved))
    return lines


def _total(label: str, total: DoseTotal) -> str:
    text = f"- {label}: **{mg_m2(total.known_mg_m2)} mg/m²**"
    if total.unknown_parts:
        text += f" counted, plus {total.unknown_parts} dose(s) that could not be converted to mg/m²"
        if total.unknown_evidence:
            text += f" ({listed(total.unknown_evidence)})"
    if total.evidence:
        text += f"; sums {listed(total.evidence)}"
    return text


def _per_dose(label: str, fact: Fact[float], unit: str) -> str | None:
    if fact.value is None:
        return None
    return f"- {label}: {mg_m2(fact.value)}{unit}" + (f" ({listed(fact.evidence)})" if fact.evidence else "")


def dose_lines(facts: ClinicalFacts) -> list[str]:
    lines: list[str] = []
    bsa = facts.bsa_m2
    if bsa.value is not None:
        source = f" ({bsa.reason})" if bsa.reason else ""
        evidence = f"; {listed(bsa.evidence)}" if bsa.evidence else ""
        lines.append(f"- BSA used: **{bsa.value:.2f} m²**{source}{evidence}")
    elif bsa.reason:
        lines.append(f"- BSA: unknown ({bsa.reason})")
    for label, total in (
        ("Cumulative doxorubicin administered", facts.cumulative_doxorubicin),
        ("Cumulative anthracycline administered (doxorubicin equivalents)", facts.cumulative_anthracycline),
        ("Planned cumulative doxorubicin", facts.planned_doxorubicin),
        ("Planned cumulative anthracycline (doxorubicin equivalents)", facts.planned_anthracycline),
    ):
        if total.known_mg_m2 or total.unknown_parts or total.evidence:
            lines.append(_total(label, total))
    for per_dose in (
        _per_dose("Dexrazoxane per dose", facts.dexrazoxane_dose_mg_m2, " mg/m²"),
        _per_dose("Doxorubicin per dose", facts.doxorubicin_dose_mg_m2, " mg/m²"),
        _per_dose("Dexrazoxane : doxorubicin ratio", facts.dose_ratio, ":1"),
    ):
        if per_dose is not None:
            lines.append(per_dose)
    if facts.dose_lines:
        shown = _most_recent(facts.dose_lines, MAX_DOSE_ROWS)
        with_bsa = any(dose.bsa_m2 is not None or dose.bsa_source for dose in shown)
        header = ["Date", "Agent", "mg/m²", "Doxorubicin equivalent mg/m²", *(["BSA m²"] if with_bsa else [])]
        header.append("Record")
        lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for dose in shown:
            bsa_used = f"{dose.bsa_m2:.2f}" if dose.bsa_m2 is not None else ""
            if dose.bsa_source:
                bsa_used += f" ({dose.bsa_source})"
            cells = (
                dose.when.isoformat() if dose.when else "unknown",
                dose.agent,
                mg_m2(dose.mg_m2) if dose.mg_m2 is not None else "unknown",
                mg_m2(dose.doxorubicin_equivalent_mg_m2)
                if dose.doxorubicin_equivalent_mg_m2 is not None
                else "",
                *([bsa_used] if with_bsa else []),
                dose.reference + (f" ({dose.note})" if dose.note else ""),
            )
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        hidden = len(facts.dose_lines) - len(shown)
        if hidden:
            lines += ["", f"… and {hidden} more earlier dose(s), counted in the totals above."]
    return lines


def _most_recent(doses: Sequence[DoseLine], limit: int) -> list[DoseLine]:
    """The `limit` latest doses (undated ones count as oldest), in the order the facts list them."""
    if len(doses) <= limit:
        return list(doses)
    ranked = sorted(range(len(doses)), key=lambda i: (doses[i].when is not None, doses[i].when or date.min))
    keep = set(ranked[-limit:])
    return [dose for i, dose in enumerate(doses) if i in keep]


def outcome_lines(determination: Determination, *, pa_to_submit: bool = False) -> list[str]:
    decision = determination.decision
    if decision is Decision.APPROVE and pa_to_submit:
        return [
            "### Prior authorization to submit",
            f"The {POLICY_ID} criteria are met per the EHR data. Submit the prior authorization request with "
            "the chart notes that support the criteria below.",
        ]
    if decision is Decision.APPROVE and determination.approval is not None:
        period = determination.approval
        return [
            "### Approval",
            f"Approved from **{period.start.isoformat()}** through **{period.end.isoformat()}** (inclusive). "
            "Keep the chart notes that support these criteria: the policy asks for them on review.",
        ]
    if decision is Decision.PEND and determination.evidence_under_review and not determination.documentation:
        return [
            "### Evidence received",
            "The supporting evidence for "
            + ", ".join(determination.evidence_under_review)
            + " was received and awaits the payer's review: nothing more to send.",
        ]
    if decision is Decision.PEND:
        lines = ["### Documentation needed", "Send with the prior authorization request:"]
        lines += [f"- **{doc.criterion}**: {doc.request}" for doc in determination.documentation]
        if not determination.documentation:
            lines.append("- the chart notes supporting every criterion listed as not documented below")
        lines += [
            f"- **{criterion}**: evidence received, awaiting the payer's review"
            for criterion in determination.evidence_under_review
        ]
        return lines
    if decision is Decision.DENY:
        lines = ["### Not covered under this policy"]
        if determination.off_label_policies:
            lines.append(
                "Off-label use is reviewed under the off-label use policy of the line of business (I.C.2): "
                + ", ".join(determination.off_label_policies)
                + "."
            )
        return lines
    return []


def instructions_detail(
    determination: Determination, *, notes: tuple[str, ...] = (), pa_to_submit: bool = False
) -> str:
    pathway = f", pathway {determination.pathway}" if determination.pathway else ""
    lines = [f"**Dexrazoxane order {determination.order}** ({POLICY_ID}{pathway})."]
    if determination.reason:
        lines += ["", determination.reason]
    if determination.decision is not Decision.NOT_APPLICABLE and (
        unknown_line := line_of_business_note(determination.facts)
    ):
        lines += ["", unknown_line]
    # What the clinician acts on (the approval period, what to send) comes before the evidence.
    outcome = outcome_lines(determination, pa_to_submit=pa_to_submit)
    if outcome:
        lines += ["", *outcome]
    approved = determination.decision is Decision.APPROVE
    if determination.criteria is not None:
        lines += ["", "### Criteria", *criteria_lines(determination.criteria, approved=approved)]
    if determination.related:
        lines += ["", "### Related sections of the policy"]
        for section in determination.related:
            lines += criteria_lines(section, approved=approved)
    if determination.facts is not None:
        doses = dose_lines(determination.facts)
        if doses:
            lines += ["", "### Doses", *doses]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
