"""Answers a clinician already gave in our documentation template (CONTRACT §6; workstream D's
Questionnaire ``cp-phar-418-dexrazoxane``: item ``linkId`` = criterion id, answer ``valueBoolean``).

Read from QuestionnaireResponses with status completed or amended whose ``questionnaire`` canonical
contains ``cp-phar-418``; nested items are walked. When several responses answer the same criterion,
the most recently authored wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cds_service.clinical.codes import QUESTIONNAIRE_MARKER
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import dicts, parse_datetime, status_of
from cds_service.fhir.pool import ResourcePool, reference_of

_FINAL = frozenset({"completed", "amended"})


def _boolean_answers(items: Any) -> Iterator[tuple[str, bool]]:
    for item in dicts(items):
        link = item.get("linkId")
        for answer in dicts(item.get("answer")):
            if isinstance(link, str) and isinstance(answer.get("valueBoolean"), bool):
                yield link, answer["valueBoolean"]
            yield from _boolean_answers(answer.get("item"))
        yield from _boolean_answers(item.get("item"))


def documented_answers(pool: ResourcePool) -> dict[str, Fact[bool]]:
    responses = [
        r
        for r in pool.of_type("QuestionnaireResponse")
        if status_of(r) in _FINAL
        and isinstance(r.get("questionnaire"), str)
        and QUESTIONNAIRE_MARKER in r["questionnaire"].lower()
    ]
    responses.sort(
        key=lambda r: (parse_datetime(r.get("authored")) is not None, parse_datetime(r.get("authored")))
    )
    found: dict[str, Fact[bool]] = {}
    for response in responses:  # oldest first, so later answers overwrite
        reference = reference_of(response)
        for link, value in _boolean_answers(response.get("item")):
            found[link] = Fact(value, (reference,), "documented in the CP.PHAR.418 questionnaire")
    return found
