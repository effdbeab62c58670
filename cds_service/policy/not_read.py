"""Not read is not absent (docs/decisions.md "What is not read").

A criterion may be ``not_met`` only when every resource that could bear on it was read and understood.
The readers (``clinical``) report beside each fact the resources they could not read
(``Fact.unread``); here a ``False`` that has any is made unknown before any criterion is decided, its
reason kept (it names what could not be read) and the resources unread added to its evidence, so every
evaluator, the pathway and the documentation asked for read it the same way.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cds_service.clinical.facts import ClinicalFacts, Fact


def settled(facts: ClinicalFacts) -> ClinicalFacts:
    """``facts`` with every ``False`` that has resources unread made unknown."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(facts):
        value = getattr(facts, field.name)
        if isinstance(value, Fact) and value.value is False and value.unread:
            evidence = tuple(dict.fromkeys((*value.evidence, *value.unread)))
            changes[field.name] = Fact(None, evidence, value.reason, value.unread)
    return dataclasses.replace(facts, **changes) if changes else facts
