"""Three-valued criterion outcomes and the combinators of CONTRACT §2."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    @property
    def words(self) -> str:
        """The outcome as a reason sentence says it ("not met", not "not_met")."""
        return {"met": "met", "not_met": "not met", "unknown": "not settled by the data"}[self.value]

    @classmethod
    def of(cls, value: bool | None) -> Outcome:
        if value is None:
            return cls.UNKNOWN
        return cls.MET if value else cls.NOT_MET


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
