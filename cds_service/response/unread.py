"""Which reads a pend names on its card and in its coverage-information reason: data the service could not
read whole (a partial read pends, naming the query: docs/facts.md "Record integrity"), with what would let
it be read. A pend caused by such a read says so, not only what to document.

Those a documentation request or the decision's own reason quote (the reads behind what is still open) come
first; a card lists at most ``MAX_SHOWN`` and names the rest by key.
"""

from __future__ import annotations

from cds_service.clinical.facts import UnreadData
from cds_service.policy.determination import Decision, Determination

MAX_SHOWN = 3


def unread_named(determination: Determination) -> list[UnreadData]:
    """The reads to name for a pend (none for another decision: it did not rest on them), most relevant
    first."""
    facts = determination.facts
    if determination.decision is not Decision.PEND or facts is None or not facts.unread:
        return []
    quoted = " ".join([determination.reason, *(doc.request for doc in determination.documentation)])
    return sorted(facts.unread, key=lambda unread: unread.reason not in quoted)


def keys(unread: list[UnreadData]) -> str:
    return ", ".join(dict.fromkeys(u.key for u in unread))
