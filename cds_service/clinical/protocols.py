"""Protocol enrollment: DFCI ALL 11-001 / 16-001 and COG AALL1331 (docs/facts.md "Protocol enrollment and
radiation").

Enrollment means the patient is on the study now, read from structured status, never from free text:

* a ResearchSubject whose status is on study (R4 ``on-study``, ``on-study-intervention``,
  ``on-study-observation``; STU3 ``active``), pointing at a ResearchStudy whose identifier values, title,
  name or protocol names the protocol, and that still treats (not completed, withdrawn or closed to
  intervention: a subject on a study that treats no one contradicts the study's record). Not
  ``candidate``, ``eligible``, ``screening``, ``pending-on-study`` (not started), ``follow-up``
  (treatment over), ``ineligible``, ``withdrawn``, ``off-study`` or a ResearchSubject with no status;
* an active CarePlan (not a proposal) naming the protocol in ``instantiatesUri``,
  ``instantiatesCanonical`` or ``title``. Its ``description`` is narrative ("declined DFCI 16-001,
  treated per standard arm") and is not read: no text is parsed for negations, so none is trusted.

Enrollment is seldom structured: found is ``True``, not found is unknown (``None``), never ``False``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from cds_service.clinical import codes
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import as_list, dicts, obj, parse_date, read_period, status_of
from cds_service.clinical.plausibility import Plausibility
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

# ResearchSubject statuses meaning "on the protocol now" (R4 research-subject-status; STU3 "active":
# "currently being monitored and/or subject to treatment as part of the study").
_ON_STUDY = frozenset({"on-study", "on-study-intervention", "on-study-observation", "active"})
# ResearchStudy statuses under which no one is treated on it (R4 research-study-status): a subject "on
# study" of a study completed, withdrawn or closed to intervention contradicts the study's own record, so
# it is no enrollment to meet a criterion on (not plausible is not a fact).
_STUDY_NOT_TREATING = frozenset(
    {
        "administratively-completed",
        "closed-to-accrual-and-intervention",
        "temporarily-closed-to-accrual-and-intervention",
        "completed",
        "disapproved",
        "withdrawn",
    }
)
_CAREPLAN_IN_FORCE = frozenset({"active"})
_NOT_A_PLAN = frozenset({"proposal"})  # CarePlan.intent: a suggestion, not the plan being followed


def _strings(value: Any) -> Iterator[str]:
    for item in as_list(value):
        if isinstance(item, str):
            yield item


def _study_text(study: Resource) -> str:
    parts = [
        value for identifier in dicts(study.get("identifier")) for value in _strings(identifier.get("value"))
    ]
    parts += list(_strings(study.get("title"))) + list(_strings(study.get("name")))
    parts += [value for ref in dicts(study.get("protocol")) for value in _strings(ref.get("display"))]
    return " ".join(parts).upper()


def _careplan_text(plan: Resource) -> str:
    parts = list(_strings(plan.get("instantiatesUri"))) + list(_strings(plan.get("instantiatesCanonical")))
    parts += list(_strings(plan.get("title")))
    return " ".join(parts).upper()


def names_dfci(text: str) -> bool:
    if any(nct in text for nct in codes.DFCI_NCT):
        return True
    return any(number in text for number in codes.DFCI_PROTOCOL_NUMBERS) and any(
        name in text for name in codes.DFCI_NAMES
    )


def names_cog_aall1331(text: str) -> bool:
    return any(name in text for name in codes.COG_AALL1331_NAMES) or any(
        nct in text for nct in codes.COG_AALL1331_NCT
    )


def _ended_before(resource: Resource, on: date | None) -> bool:
    """A ``period`` that ended before ``on``: enrollment then, not now. One that ends before it starts
    shows no enrollment now either (not plausible is not a fact)."""
    period = read_period(resource.get("period"))
    if period.contradiction:
        return True
    end = period.end
    return on is not None and end is not None and end < on


def _misdated(resource: Resource, on: date | None, plausible: Plausibility | None) -> str:
    """Why an enrollment's date cannot be (before the birth, or after the order: ``Plausibility.
    dated_conflict``): a subject's enrollment by its period's start, a care plan by the day it was written
    (``created``; its period may rightly start after the order). Such an enrollment meets nothing and is
    named (docs/facts.md "Plausibility", dates that cannot be)."""
    if on is None:
        return ""
    if resource.get("resourceType") == "CarePlan":
        when = parse_date(resource.get("created"))
    else:
        when = parse_date(obj(resource.get("period")).get("start"))
    return (plausible or Plausibility()).dated_conflict(when, on)


def _enrollment_texts(
    pool: ResourcePool, on: date | None, plausible: Plausibility | None
) -> Iterator[tuple[str, tuple[str, ...], str]]:
    for subject in pool.of_type("ResearchSubject"):
        if status_of(subject) not in _ON_STUDY or _ended_before(subject, on):
            continue
        study = pool.resolve(subject.get("study"), within=subject)
        if study is not None and status_of(study) in _STUDY_NOT_TREATING:
            continue
        why = _misdated(subject, on, plausible)
        if study is not None:
            yield _study_text(study), (reference_of(subject), reference_of(study)), why
        else:
            display = (
                subject.get("study", {}).get("display") if isinstance(subject.get("study"), dict) else None
            )
            if isinstance(display, str):
                yield display.upper(), (reference_of(subject),), why
    for plan in pool.of_type("CarePlan"):
        intent = plan.get("intent")
        if (
            status_of(plan) in _CAREPLAN_IN_FORCE
            and not (isinstance(intent, str) and intent in _NOT_A_PLAN)
            and not _ended_before(plan, on)
        ):
            yield _careplan_text(plan), (reference_of(plan),), _misdated(plan, on, plausible)


def _fact(evidence: list[str], misdated: list[tuple[str, str]], what: str) -> Fact[bool]:
    if evidence:
        return Fact(True, tuple(dict.fromkeys(evidence)), f"enrolled in {what}")
    if misdated:
        said = "; ".join(
            dict.fromkeys(f"{ref}: enrollment {why}: a date that cannot be" for ref, why in misdated)
        )
        return Fact(None, tuple(dict.fromkeys(ref for ref, _why in misdated)), f"{what}: {said}")
    return Fact(None, (), f"no enrollment in {what} recorded (seldom structured)")


def protocol_facts(
    pool: ResourcePool, on: date | None = None, plausible: Plausibility | None = None
) -> tuple[Fact[bool], Fact[bool]]:
    """``(DFCI ALL 11-001 or 16-001, COG AALL1331)`` enrollment in force on ``on`` (the approval start);
    one whose start cannot be (before the birth, after the order) meets nothing and is named."""
    dfci: list[str] = []
    cog: list[str] = []
    dfci_misdated: list[tuple[str, str]] = []
    cog_misdated: list[tuple[str, str]] = []
    for text, evidence, why in _enrollment_texts(pool, on, plausible):
        for named, found, misdated in (
            (names_dfci(text), dfci, dfci_misdated),
            (names_cog_aall1331(text), cog, cog_misdated),
        ):
            if named and why:
                misdated.append((evidence[0], why))
            elif named:
                found.extend(evidence)
    return (
        _fact(dfci, dfci_misdated, "DFCI ALL Protocol 11-001 or 16-001"),
        _fact(cog, cog_misdated, "COG AALL1331"),
    )
