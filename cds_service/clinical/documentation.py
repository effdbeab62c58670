"""Answers a clinician already gave in our documentation template (docs/response.md "Documentation template
(DTR)"; our Questionnaire ``cp-phar-418-dexrazoxane``: item ``linkId`` = criterion id, answer
``valueBoolean``).

Read from QuestionnaireResponses with status completed or amended whose ``questionnaire`` canonical
contains ``cp-phar-418``; nested items are walked. When several responses answer the same criterion,
the most recently authored wins. Answers that conflict with no later word between them (one response
answering a criterion both yes and no, or two authored at the same moment that disagree) settle nothing:
the criterion stays unknown (not plausible is not a fact).

An answer must be about this request: the response names the order (DTR's ``qr-context`` extension,
``basedOn`` or ``partOf``), or it names no order and was authored in the ``ANSWER_VALID_DAYS`` before
the order. An older
answer is not reused: "responding positively to therapy" (II.A.3) must be current, and literature support
(I.A.5.b) is for the dose now requested (CP.PHAR.418 asks for documentation supporting this request).

Not plausible is not a fact (docs/facts.md "Documented answers against the record"): a response that names
the order but was authored on a day before the order's date answers an order that did not exist yet, and
one authored after today (``Plausibility.after_today``) is not written yet: neither settles anything
(``documented_answers``); an attestation the record contradicts settles nothing either
(``unsettled``): "responding positively" authored before the therapy began, or beside cardiac dysfunction
recorded during it (``clinical.cardiac_dysfunction``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from cds_service.clinical.codes import QUESTIONNAIRE_MARKER
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import dicts, parse_datetime, status_of
from cds_service.clinical.plausibility import Plausibility
from cds_service.fhir.pool import ResourcePool, reference_of

_FINAL = frozenset({"completed", "amended"})
ANSWER_VALID_DAYS = 30  # our choice: a month covers a PA cycle; older answers are asked again


def _references(value: Any) -> Iterator[str]:
    """Every ``reference`` string anywhere in the value (extensions, basedOn, partOf, ...)."""
    if isinstance(value, dict):
        ref = value.get("reference")
        if isinstance(ref, str):
            yield ref
        for key, child in value.items():
            if key != "item":
                yield from _references(child)
    elif isinstance(value, list):
        for child in value:
            yield from _references(child)


def _named_orders(response: dict[str, Any]) -> list[str]:
    linking = [response.get("extension"), response.get("basedOn"), response.get("partOf")]
    return [ref for ref in _references(linking) if "MedicationRequest/" in ref or "MedicationOrder/" in ref]


def _predates(response: dict[str, Any], order_reference: str, start: date) -> date | None:
    """The day a response naming the order was authored, when that is before the order's date (``start``):
    an answer to an order cannot predate it. Days are compared (a DTR questionnaire filled in the morning
    the order is signed is authored the same day)."""
    if not any(
        ref == order_reference or ref.endswith("/" + order_reference) for ref in _named_orders(response)
    ):
        return None
    authored = parse_datetime(response.get("authored"))
    return authored.date() if authored is not None and authored.date() < start else None


def _current(response: dict[str, Any], order_reference: str, start: date) -> bool:
    named = _named_orders(response)
    if named:
        # An answer written for another order (an earlier dose's literature support) is not this one's.
        return any(ref == order_reference or ref.endswith("/" + order_reference) for ref in named)
    authored = parse_datetime(response.get("authored"))
    return authored is not None and authored.date() >= start - timedelta(days=ANSWER_VALID_DAYS)


def _boolean_answers(items: Any) -> Iterator[tuple[str, bool]]:
    for item in dicts(items):
        link = item.get("linkId")
        for answer in dicts(item.get("answer")):
            if isinstance(link, str) and isinstance(answer.get("valueBoolean"), bool):
                yield link, answer["valueBoolean"]
            yield from _boolean_answers(answer.get("item"))
        yield from _boolean_answers(item.get("item"))


def documented_answers(
    pool: ResourcePool, order_reference: str, start: date, plausible: Plausibility | None = None
) -> dict[str, Fact[bool]]:
    """Criterion id → the clinician's answer, from responses about this order (see the module doc).
    ``plausible``: the record's today, past which no answer is written yet (``Plausibility.after_today``)."""
    responses = [
        r
        for r in pool.of_type("QuestionnaireResponse")
        if status_of(r) in _FINAL
        and isinstance(r.get("questionnaire"), str)
        and QUESTIONNAIRE_MARKER in r["questionnaire"].lower()
        and _current(r, order_reference, start)
    ]
    # Authored time, then reference: responses authored at the same moment never depend on the order the
    # EHR sent them in ("Nothing depends on resource order", docs/facts.md "Record integrity").
    responses.sort(
        key=lambda r: (
            parse_datetime(r.get("authored")) is not None,
            parse_datetime(r.get("authored")),
            reference_of(r),
        )
    )
    found: dict[str, Fact[bool]] = {}
    when: dict[str, object] = {}  # criterion -> when the answer kept was authored
    for response in responses:  # oldest first, so later answers overwrite
        reference = reference_of(response)
        authored = parse_datetime(response.get("authored"))
        answers: dict[str, set[bool]] = {}
        for link, value in _boolean_answers(response.get("item")):
            answers.setdefault(link, set()).add(value)
        predates = _predates(response, order_reference, start)
        future = plausible.after_today(authored) if plausible is not None and authored is not None else ""
        for link, values in answers.items():
            earlier = found.get(link)
            if future and authored is not None:
                # Not plausible is not a fact: an answer authored after today has not been written yet.
                found[link] = Fact(
                    None,
                    (reference,),
                    f"{reference} was authored {authored.date().isoformat()}, {future}: an answer not yet "
                    "written settles nothing",
                )
            elif predates is not None:
                # Not plausible is not a fact: an answer to an order authored before the order existed.
                found[link] = Fact(
                    None,
                    (reference,),
                    f"{reference} answers for {order_reference} but was authored {predates.isoformat()}, "
                    f"before the order's date {start.isoformat()}: an answer cannot predate its order",
                )
            elif len(values) > 1:
                # Not plausible is not a fact: one response answering a criterion both yes and no.
                found[link] = Fact(None, (reference,), f"{reference} answers {link} both yes and no")
            elif earlier is not None and when[link] == authored and earlier.value != next(iter(values)):
                # Two answers authored at the same moment (or neither dated) that disagree: neither is
                # the later word, so neither settles the criterion.
                found[link] = Fact(
                    None,
                    (*earlier.evidence, reference),
                    f"{', '.join((*earlier.evidence, reference))} answer {link} differently, authored at the "
                    "same time: neither is the later answer",
                )
            else:
                found[link] = Fact(
                    next(iter(values)), (reference,), "documented in the CP.PHAR.418 questionnaire"
                )
            when[link] = authored
    return found


def unsettled(
    answers: dict[str, Fact[bool]],
    criterion: str,
    pool: ResourcePool,
    *,
    therapy_began: date | None,
    contradicting: Fact[bool] | None = None,
) -> dict[str, Fact[bool]]:
    """``answers`` with a "yes" to ``criterion`` that the record contradicts made one that settles nothing,
    its reason naming what contradicts it: authored before the therapy it attests to began
    (``therapy_began``), or beside findings that contradict it (``contradicting``, ``True`` with its
    evidence) or may (``contradicting`` unknown, or ``False`` with records unread). A "no", or a "yes"
    nothing contradicts, stays as it is."""
    answer = answers.get(criterion)
    if answer is None or answer.value is not True:
        return answers
    responses = [pool.resolve(reference) for reference in answer.evidence]
    written = [parse_datetime(r.get("authored")) for r in responses if r is not None]
    authored = max((when.date() for when in written if when is not None), default=None)
    said = ", ".join(answer.evidence)
    if therapy_began is not None and authored is not None and authored < therapy_began:
        why = (
            f"{said} answers {criterion} yes, authored {authored.isoformat()}, before the therapy it attests "
            f"to began on {therapy_began.isoformat()}"
        )
        return {**answers, criterion: Fact(None, answer.evidence, why)}
    # A "no" with records unread (``Fact.unread``) is no proof nothing contradicts it: not read is not absent
    if contradicting is not None and contradicting.settled is not False:
        how = "contradicts" if contradicting.value else "may contradict"
        why = f"{said} answers {criterion} yes, but the record {how} it: {contradicting.reason}"
        evidence = answer.evidence + contradicting.evidence + contradicting.unread
        return {**answers, criterion: Fact(None, evidence, why)}
    return answers


# "Evidence the payer must review is never settled by a tick", docs/facts.md "Record integrity": I.A.5.b and
# II.A.4.b ("prescriber must submit supporting evidence"). Evidence is a ``valueAttachment`` or a reference to
# a DocumentReference in the clinician's answer to that criterion (or in an item nested under it).
PAYER_REVIEWED_CRITERIA = ("I.A.5.b", "II.A.4.b")


def _criterion_of(link: str) -> str | None:
    for criterion in PAYER_REVIEWED_CRITERIA:
        if link == criterion or link.startswith((criterion + ".", criterion + "-", criterion + "_")):
            return criterion
    return None


def _attached(
    answer: dict[str, Any], response: dict[str, Any], response_reference: str, pool: ResourcePool
) -> list[str]:
    found: list[str] = []
    attachment = answer.get("valueAttachment")
    if isinstance(attachment, dict) and attachment:
        title = attachment.get("title") or attachment.get("url") or "an attachment"
        found.append(f"{response_reference} ({str(title)[:80]})")
    target = answer.get("valueReference")
    if not isinstance(target, dict):
        return found
    reference = target.get("reference")
    resolved = pool.resolve(target, within=response) if isinstance(reference, str) else None
    if isinstance(reference, str) and (
        "DocumentReference/" in reference
        or (resolved is not None and resolved.get("resourceType") == "DocumentReference")
    ):
        found.append(reference if not reference.startswith("#") else f"{response_reference} ({reference})")
    elif reference is None and target.get("type") == "DocumentReference":
        found.append(
            f"{response_reference} (DocumentReference {str(target.get('display', ''))[:60]})".strip()
        )
    return found


def _evidence_items(
    items: Any, response: dict[str, Any], pool: ResourcePool, within: str | None
) -> Iterator[tuple[str, str]]:
    reference = reference_of(response)
    for item in dicts(items):
        link = item.get("linkId")
        criterion = (_criterion_of(link) if isinstance(link, str) else None) or within
        for answer in dicts(item.get("answer")):
            if criterion is not None:
                for found in _attached(answer, response, reference, pool):
                    yield criterion, found
            yield from _evidence_items(answer.get("item"), response, pool, criterion)
        yield from _evidence_items(item.get("item"), response, pool, criterion)


def submitted_evidence(pool: ResourcePool, order_reference: str, start: date) -> dict[str, tuple[str, ...]]:
    """Criterion id → the evidence attached to the clinician's answer (attachments, DocumentReferences),
    from responses about this order (the same ones ``documented_answers`` reads)."""
    found: dict[str, list[str]] = {}
    for response in pool.of_type("QuestionnaireResponse"):
        if (
            status_of(response) not in _FINAL
            or not isinstance(response.get("questionnaire"), str)
            or QUESTIONNAIRE_MARKER not in response["questionnaire"].lower()
            or not _current(response, order_reference, start)
        ):
            continue
        for criterion, evidence in _evidence_items(response.get("item"), response, pool, None):
            found.setdefault(criterion, []).append(evidence)
    return {criterion: tuple(sorted(set(refs))) for criterion, refs in found.items()}
