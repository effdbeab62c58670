"""What an order-dispatch card says first: how the determination stands against the one on record for the
order (``policy.basis.Revision``, set by ``dtr.against_record``).

The rule: when the record changed, "say on the card that the determination changed and why"; when
nothing that decides it changed, the assertion made at signing stands, and the card says so.
"""

from __future__ import annotations

from cds_service.policy.basis import Revision, Standing
from cds_service.policy.determination import Determination
from cds_service.response.cards import DECISION_WORDS
from cds_service.response.markdown import escape_markdown


def _words(decision: str | None) -> str:
    known = {str(value): words for value, words in DECISION_WORDS.items()}
    return known.get(str(decision), str(decision))


def revision_lines(revision: Revision | None, determination: Determination) -> tuple[str, ...]:
    """The lines (Markdown) that open the Instructions card's detail; none outside order-dispatch. The
    changes named quote the record, so each is escaped (``markdown.escape_markdown``)."""
    if revision is None:
        return ()
    since = revision.recorded_on.isoformat() if revision.recorded_on else "an earlier hook"
    if revision.standing is Standing.UNCHANGED:
        return (
            f"**Unchanged since {since}:** nothing that decides this order has changed; the coverage "
            "assertion made then stands.",
        )
    if revision.standing is Standing.CHANGED:
        was, now = _words(revision.previous_decision), DECISION_WORDS[determination.decision]
        outcome = f"was {was}, now {now}" if was != now else f"still {now}"
        return (
            f"**Determination changed since {since}** ({outcome}): decided again because the record changed:",
            # a change quotes values of both determinations (a coverage's reference, a fact's value)
            *(
                f"- {escape_markdown(change)}"
                for change in revision.changes or ("what the determination rests on",)
            ),
        )
    if revision.standing is Standing.NEW:
        return ("**No earlier determination on record** for this order: decided now.",)
    return ("_The determination on record could not be read: decided now, not compared with it._",)
