"""The markdown `detail` of the Instructions card, written for a clinician who gives it seconds at order
signing: the decision and the one thing to do first, then what is still needed, then the
criteria of the deciding path only, then the evidence summarised (count, total, dates), not listed.

The whole tree with every reference stays in the determination JSON (docs/determination.md), `cds-service
evaluate` and the tester page. docs/response.md asks the detail to list "the criteria with their outcome and
evidence (cumulative dose with the administrations it sums)": the deciding criteria with their outcome
and reason, and each cumulative dose with how many administrations it sums and over which dates.
CRD §dev-24: a card about some of the draft orders names the order.

Size: under ~1,500 characters for an approve, ~2,500 for a pend (tests/response/
test_card_brevity.py holds every fixture to it).

Every text that is not this module's own Markdown (criteria words and reasons, which quote the record;
notes, order references, documentation requests) goes through ``markdown.escape_markdown`` as it enters the
detail, after any clipping: the record cannot add markup, HTML or lines to a card.
"""

from __future__ import annotations

from collections.abc import Sequence

from cds_service.clinical.facts import ClinicalFacts, DoseTotal
from cds_service.policy.cp_phar_418 import POLICY_ID
from cds_service.policy.determination import CriterionResult, Decision, Determination
from cds_service.policy.outcome import AWAITING_REVIEW, NOT_SHOWN, OUTCOME_WORDS, Outcome
from cds_service.policy.referral import line_of_business_note
from cds_service.response.markdown import escape_markdown
from cds_service.response.unread import MAX_SHOWN, keys, unread_named

# A criterion's policy words and its reason are cut at these lengths in the card (whole words, then "…");
# the tree keeps them whole. Shorter on an approval, where there is nothing to act on.
CRITERION_WORDS = 60
REASON_WORDS = 200
APPROVED_LIMITS = (36, 120)
# Beside criteria still open, failed options are shown with their reason up to this many, else by id.
MAX_FAILED_SHOWN = 2


def mg_m2(value: float) -> str:
    """mg/m² in the card: one decimal at most, the same everywhere."""
    return f"{value:.1f}".removesuffix(".0")


def clipped(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:(")
    return cut + "…"


# The parts of a branch's reason that only restate its children's outcomes (policy/tree.py
# ``_branch_reason``): the card shows those children, so it leaves these out.
_STRUCTURAL = ("met by ", "every criterion met", "not met: ", "none of the options met", NOT_SHOWN)


def own_reason(node: CriterionResult, *, expanded: bool = True) -> str:
    """The reason, without what the children shown beneath it (``expanded``) already say."""
    if not node.children or not expanded:
        return node.reason
    return "; ".join(part for part in node.reason.split("; ") if not part.startswith(_STRUCTURAL))


def awaiting_review(node: CriterionResult, under_review: frozenset[str]) -> bool:
    """Open only for evidence the payer reviews (I.A.5.b, II.A.4.b): the criterion itself, or a branch whose
    every open child is so. Its card line says so instead of asking for documentation already sent."""
    if node.id in under_review:
        return True
    still_open = [c for c in node.children if c.outcome is Outcome.UNKNOWN]
    return (
        node.outcome is Outcome.UNKNOWN
        and bool(still_open)
        and all(awaiting_review(c, under_review) for c in still_open)
    )


def _line(
    node: CriterionResult,
    depth: int,
    limits: tuple[int, int],
    *,
    expanded: bool = True,
    under_review: frozenset[str] = frozenset(),
) -> str:
    words = escape_markdown(clipped(node.text, limits[0]))
    said = AWAITING_REVIEW if awaiting_review(node, under_review) else OUTCOME_WORDS[node.outcome]
    line = f"{'  ' * depth}- **{escape_markdown(node.id)}** {words}: **{said}**"
    reason = own_reason(node, expanded=expanded)
    if reason:
        line += f". {escape_markdown(clipped(reason, limits[1]))}"
    return line


def _ids(nodes: Sequence[CriterionResult]) -> str:
    return ", ".join(escape_markdown(node.id) for node in nodes)


def _folded(node: CriterionResult, depth: int, limits: tuple[int, int]) -> str:
    """A failed option on one line, its own sub-criteria not expanded."""
    return _line(node, depth, limits, expanded=False)


def deciding_lines(
    node: CriterionResult,
    depth: int = 0,
    limits: tuple[int, int] = (CRITERION_WORDS, REASON_WORDS),
    under_review: frozenset[str] = frozenset(),
) -> list[str]:
    """The criteria that decide ``node``'s outcome, in markdown.

    - met: its met children; when some sibling is not met (a "one of"), only the first option that met it;
    - not met: the children that failed it; when every child failed (a "one of" with no option met), each
      option on one line, not expanded;
    - not shown: the children still open, expanded; the options that failed beside them; one line
      naming those already met.
    """
    children = node.children
    lines = [_line(node, depth, limits, expanded=bool(children), under_review=under_review)]
    if not children:
        return lines
    met = [c for c in children if c.outcome is Outcome.MET]
    failed = [c for c in children if c.outcome is Outcome.NOT_MET]
    open_ = [c for c in children if c.outcome is Outcome.UNKNOWN]
    if node.outcome is Outcome.MET:
        shown = met if len(met) == len(children) else met[:1]
        for child in shown:
            lines += deciding_lines(child, depth + 1, limits, under_review)
    elif node.outcome is Outcome.NOT_MET:
        if len(failed) == len(children) and len(children) > 1:
            lines += [
                _line(child, depth + 1, limits, expanded=False, under_review=under_review) for child in failed
            ]
        else:
            for child in failed:
                lines += deciding_lines(child, depth + 1, limits, under_review)
    else:
        for child in open_:
            lines += deciding_lines(child, depth + 1, limits, under_review)
        # Options already failed beside those still open (a "one of"): why the open ones matter.
        if 0 < len(failed) <= MAX_FAILED_SHOWN:
            lines += [
                _line(child, depth + 1, limits, expanded=False, under_review=under_review) for child in failed
            ]
        elif failed:
            lines.append(f"{'  ' * (depth + 1)}- not met: {_ids(failed)}")
        if met:
            lines.append(f"{'  ' * (depth + 1)}- met: {_ids(met)}")
    return lines


def _total(label: str, total: DoseTotal, facts: ClinicalFacts, *, noun: str) -> str:
    """The total, how many records it sums and over which dates (docs/response.md): "Cumulative doxorubicin
    administered: **300 mg/m²** (6 administrations, 2026-07-30 to 2026-11-12)"."""
    summed = set(total.evidence)
    lines = [line for line in facts.dose_lines if line.reference in summed]
    count = len(lines) or len(summed)
    text = f"- {label}: **{mg_m2(total.known_mg_m2)} mg/m²**"
    if count:
        dated = [line.when for line in lines if line.when is not None]
        span = ""
        if dated:
            first, last = min(dated).isoformat(), max(dated).isoformat()
            span = f", {first}" if first == last else f", {first} to {last}"
        text += f" ({count} {noun}{'' if count == 1 else 's'}{span})"
    if total.possible_parts:
        most = total.known_mg_m2 + total.possible_mg_m2
        text += (
            f", up to {mg_m2(most)} mg/m² with the {total.possible_parts} dose(s) the regimen's range may add"
        )
    if total.unknown_parts:
        text += f", plus {total.unknown_parts} dose(s) that could not be converted to mg/m²"
        notes = sorted({line.note for line in facts.dose_lines if line.mg_m2 is None and line.note})
        if notes:
            text += f" ({escape_markdown(clipped(notes[0], 80))})"
    return text


def _differs(total: DoseTotal, other: DoseTotal) -> bool:
    return (total.known_mg_m2, total.unknown_parts, total.possible_mg_m2) != (
        other.known_mg_m2,
        other.unknown_parts,
        other.possible_mg_m2,
    )


def dose_lines(facts: ClinicalFacts, deciding: str = "") -> list[str]:
    """The doses the decision rests on, summarised; every record is in the determination JSON.
    ``deciding``: the text of the deciding criteria; the anthracycline and planned totals are shown when
    those criteria speak of them (the cumulative doxorubicin always is: docs/response.md)."""
    lines: list[str] = []
    bsa = facts.bsa_m2
    # The reason names every measurement set aside, which can be many: the card says the first words, the
    # determination keeps them all.
    if bsa.value is not None:
        reason = f" ({escape_markdown(clipped(bsa.reason, 240))})" if bsa.reason else ""
        lines.append(f"- BSA used: **{bsa.value:.2f} m²**{reason}")
    elif bsa.reason and any(line.mg_m2 is None for line in facts.dose_lines):
        # Only when a dose needed one: doses written per m² use no BSA.
        lines.append(f"- BSA: unknown ({escape_markdown(clipped(bsa.reason, 240))})")
    wanted = deciding.lower() or "anthracycline planned anticipated"
    totals = (
        ("Cumulative doxorubicin administered", facts.cumulative_doxorubicin, "administration", True),
        (
            "Cumulative anthracycline (doxorubicin eq.)",
            facts.cumulative_anthracycline,
            "administration",
            "anthracycline" in wanted
            and _differs(facts.cumulative_anthracycline, facts.cumulative_doxorubicin),
        ),
        (
            "Planned cumulative doxorubicin",
            facts.planned_doxorubicin,
            "dose",
            "planned" in wanted
            or (
                "anticipated" in wanted
                and not _differs(facts.planned_anthracycline, facts.planned_doxorubicin)
            ),
        ),
        (
            "Planned cumulative anthracycline (doxorubicin eq.)",
            facts.planned_anthracycline,
            "dose",
            ("anticipated" in wanted or ("planned" in wanted and "anthracycline" in wanted))
            and _differs(facts.planned_anthracycline, facts.planned_doxorubicin),
        ),
    )
    for label, total, noun, relevant in totals:
        if relevant and (total.known_mg_m2 or total.unknown_parts or total.evidence):
            lines.append(_total(label, total, facts, noun=noun))
    per_dose = [
        f"{label} {mg_m2(fact.value)} mg/m²"
        for label, fact in (
            ("dexrazoxane", facts.dexrazoxane_dose_mg_m2),
            ("doxorubicin", facts.doxorubicin_dose_mg_m2),
        )
        if fact.value is not None
    ]
    if per_dose and "ratio" not in wanted:  # else a criterion shown says it already
        ratio = facts.dose_ratio.value
        lines.append(
            "- Per dose: " + ", ".join(per_dose) + (f" (ratio {mg_m2(ratio)}:1)" if ratio is not None else "")
        )
    return lines


def _words_shown(criteria: CriterionResult | None, detail: str) -> str:
    """The whole words and reasons of the criteria the detail shows (it shows them cut)."""
    if criteria is None:
        return ""
    return " ".join(f"{n.text} {n.reason}" for n in criteria.walk() if f"**{n.id}**" in detail)


def lead_lines(determination: Determination, *, pa_to_submit: bool = False) -> list[str]:
    """The decision and the one thing to do."""
    decision = determination.decision
    where = escape_markdown(f"{POLICY_ID}" + (f" {determination.pathway}" if determination.pathway else ""))
    order = escape_markdown(determination.order)  # the draft's id, as the request wrote it
    if decision is Decision.APPROVE and pa_to_submit:
        return [
            f"**Criteria met** per the EHR data ({where}; {order}).",
            "**To do:** submit the prior authorization request with the chart notes supporting the criteria "
            "below.",
        ]
    if decision is Decision.APPROVE:
        period = determination.approval
        through = (
            f" from **{period.start.isoformat()}** through **{period.end.isoformat()}**" if period else ""
        )
        return [
            f"**Approved**{through} ({where}; {order}).",
            "**To do:** nothing; keep the supporting chart notes.",
        ]
    facts = determination.facts
    if decision is Decision.PEND and facts is not None and facts.deceased.value:
        return [
            f"**Not decided** ({where}; {order}): {facts.deceased.reason}.",
            "**To do:** correct the patient's record, or confirm the patient is alive and sign again.",
        ]
    if decision is Decision.PEND and determination.if_applies is not None:
        return [
            f"**Coverage needed** ({where}; {order}).",
            "**To do:** send the member's coverage (health plan and line of business)"
            + (
                " with the documentation below."
                if determination.if_applies is Decision.PEND
                else "; the criteria are settled below."
            ),
        ]
    if decision is Decision.PEND and determination.evidence_under_review and not determination.documentation:
        return [
            f"**Evidence received** ({where}; {order}).",
            "**To do:** nothing more to send: the supporting evidence for "
            + ", ".join(escape_markdown(criterion) for criterion in determination.evidence_under_review)
            + " awaits the payer's review.",
        ]
    if decision is Decision.PEND:
        return [
            f"**Prior authorization needed** ({where}; {order}).",
            "**To do:** send the documentation below with the prior authorization request.",
        ]
    if decision is Decision.DENY:
        lines = [f"**Not covered** under {where} ({order})."]
        if determination.off_label_policies:
            lines.append(
                "**To do:** request an off-label review under the line of business's off-label use policy "
                f"(I.C.2): {', '.join(escape_markdown(p) for p in determination.off_label_policies)}."
            )
        return lines
    return [f"{order} ({where})."]


def needed_lines(determination: Determination) -> list[str]:
    if determination.decision is not Decision.PEND:
        return []
    if determination.evidence_under_review and not determination.documentation:
        return []  # the lead says the evidence awaits the payer's review and nothing more is needed
    lines = ["### Still needed"]
    # What is still open about each is said once, on its criterion below; a request about the pathway
    # as a whole (the doxorubicin schedule) has no open criterion below to say it, so it says it here.
    lines += [
        f"- **{escape_markdown(doc.criterion)}**: "
        + escape_markdown(
            doc.request if doc.criterion == determination.pathway else doc.request.split(" Still open: ")[0]
        )
        for doc in determination.documentation
    ]
    if not determination.documentation:
        lines.append(f"- the chart notes supporting every criterion listed as {NOT_SHOWN} below")
    lines += [
        f"- **{escape_markdown(criterion)}**: evidence received, awaiting the payer's review"
        for criterion in determination.evidence_under_review
    ]
    return lines


def unread_lines(determination: Determination) -> list[str]:
    """A pend on data the service could not read whole says which read, what it left unknown and what
    would let it complete (a partial read pends, naming the query: docs/facts.md "Record integrity")."""
    unread = unread_named(determination)
    if not unread:
        return []
    lines = ["### Not read in full"]
    for item in unread[:MAX_SHOWN]:
        # a key, a reason and what it left unknown may quote the request or the server: escaped
        left_unknown = ", ".join(escape_markdown(part) for part in item.left_unknown)
        lines.append(
            f"- **{escape_markdown(item.key)}**: {escape_markdown(item.reason)}; left unknown: {left_unknown}"
        )
    if len(unread) > MAX_SHOWN:
        lines.append(f"- and {escape_markdown(keys(unread[MAX_SHOWN:]))}")
    lines += [
        "",
        "**To complete:** sign again once fhirServer answers these searches in full, or send them whole in "
        "the prefetch under these keys.",
    ]
    return lines


def instructions_detail(
    determination: Determination,
    *,
    notes: tuple[str, ...] = (),
    pa_to_submit: bool = False,
    preface: tuple[str, ...] = (),
) -> str:
    """``preface``: said before everything else (order-dispatch: how the determination stands against the
    one on record), Markdown its builder wrote with the texts it quotes escaped; ``notes``: after everything
    else, Markdown the caller wrote, its own texts escaped (``hook_response``)."""
    lead = lead_lines(determination, pa_to_submit=pa_to_submit)
    lines = [*preface, ""] if preface else []
    lines.append(lead[0])
    for line in lead[1:]:  # the decision and what to do: separate paragraphs, seen at a glance
        lines += ["", line]
    if determination.reason and determination.criteria is None:  # the criteria below say it otherwise
        lines += ["", escape_markdown(determination.reason)]
    if determination.decision is not Decision.NOT_APPLICABLE and (
        unknown_line := line_of_business_note(determination.facts, determination.if_applies)
    ):
        lines += ["", escape_markdown(unknown_line)]
    needed = needed_lines(determination)
    if needed:
        lines += ["", *needed]
    unread = unread_lines(determination)
    if unread:
        lines += ["", *unread]
    if determination.criteria is not None:
        approved = determination.decision is Decision.APPROVE
        limits = APPROVED_LIMITS if approved else (CRITERION_WORDS, REASON_WORDS)
        review = frozenset(determination.evidence_under_review)
        lines += ["", "### Deciding criteria", *deciding_lines(determination.criteria, 0, limits, review)]
    if determination.facts is not None:
        doses = dose_lines(determination.facts, _words_shown(determination.criteria, "\n".join(lines)))
        if doses:
            lines += ["", "### Evidence", *doses]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
