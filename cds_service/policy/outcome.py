"""Three-valued criterion outcomes and their combinators (docs/decisions.md), and the words a person reads for
them (docs/glossary.md): the JSON values stay ``met`` / ``not_met`` / ``unknown`` (a public contract); every
text a person reads (the command line, the cards, the coverage-information reason, the tester page) says
``OUTCOME_WORDS``, in a payer pharmacist's terms."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    @property
    def words(self) -> str:
        """The outcome as a person reads it ("not met", not "not_met"): ``OUTCOME_WORDS``."""
        return OUTCOME_WORDS[self]

    @classmethod
    def of(cls, value: bool | None) -> Outcome:
        if value is None:
            return cls.UNKNOWN
        return cls.MET if value else cls.NOT_MET


# Unknown is what a pharmacist reviewing a prior authorization says of a criterion the record does not
# show either way: not shown, so documentation is needed (the JSON value stays "unknown").
NOT_SHOWN = "not shown — documentation needed"
OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.MET: "met",
    Outcome.NOT_MET: "not met",
    Outcome.UNKNOWN: NOT_SHOWN,
}
# An unknown criterion whose supporting evidence was received (I.A.5.b, II.A.4.b): nothing more to send, the
# payer reviews it; the card says so rather than asking for it again.
AWAITING_REVIEW = "evidence received, awaiting the payer's review"


def all_of(outcomes: Iterable[Outcome]) -> Outcome:
    """ "Must meet all": not met if any child is not met, else unknown if any is unknown, else met."""
    seen = list(outcomes)
    if Outcome.NOT_MET in seen:
        return Outcome.NOT_MET
    if Outcome.UNKNOWN in seen:
        return Outcome.UNKNOWN
    return Outcome.MET


def any_of(outcomes: Iterable[Outcome]) -> Outcome:
    """ "One of": met if any child is met, else unknown if any is unknown, else not met."""
    seen = list(outcomes)
    if Outcome.MET in seen:
        return Outcome.MET
    if Outcome.UNKNOWN in seen:
        return Outcome.UNKNOWN
    return Outcome.NOT_MET
