"""Cardiac dysfunction recorded during therapy (docs/facts.md "Documented answers against the record"):
what contradicts a clinician's word that the member "is responding positively to therapy" (CP.PHAR.418
II.A.3), read for the plausibility layer (``clinical.plausibility``).

Dexrazoxane is given to prevent the cardiomyopathy doxorubicin causes: a new cardiomyopathy or heart
failure, or a fall of the left ventricular ejection fraction, since the therapy began is the very outcome it
is meant to prevent. A clinician's attestation settles a leaf only when the record does not contradict it
(not plausible is not a fact); these findings leave it for a reviewer, named.

* a Condition (not entered in error, not refuted) coded as cardiomyopathy or heart failure
  (``codes.ICD_CARDIAC_DYSFUNCTION``, ``codes.SCT_CARDIAC_DYSFUNCTION``), or, with no code read, whose
  words name one (``codes.CARDIAC_DYSFUNCTION_WORDS``), whose onset (else the date it was recorded) falls
  from the start of therapy to the order date; one with no date could have arisen during it;
* the latest left ventricular ejection fraction (``codes.LVEF_LOINC``, in %) measured from the start of
  therapy to the order date showing cancer therapy-related cardiac dysfunction as the 2022 ESC
  cardio-oncology guideline defines it (Lyon AR et al., Eur Heart J 2022;43:4229-4361, its definitions of
  cancer therapy-related cardiovascular toxicity, asymptomatic CTRCD): severe, a new LVEF under 40 %;
  moderate, a fall of 10 percentage points or more to an LVEF of 40-49 % (from the highest reading before
  it).

Not read is not absent (docs/facts.md "Information loss never flips a decision"): an Observation nothing
read names (no coding in a code system the service reads, no words) whose value is a percentage could be
an LVEF, and an LVEF whose value or date cannot be read could be the one that fell. With none of the
findings above, one dated up to the order date (or undated) that could be the latest reading since the
therapy began, or the reading a fall to 40-49 % is measured from, leaves "no cardiac dysfunction" unknown
(``Fact.unread``): the attestation it could contradict settles nothing.

Pure: the pool and the dates given.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from cds_service.clinical import codes
from cds_service.clinical.code_systems import canonical
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import (
    codings,
    concept_text,
    obj,
    parse_date,
    plain_codes,
    quantity,
    read_period,
    status_of,
)
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

# ESC 2022 cardio-oncology guideline (asymptomatic cancer therapy-related cardiac dysfunction):
# severe below 40 %; moderate a fall of at least 10 percentage points to 40-49 %.
SEVERE_LVEF_BELOW = 40.0
MODERATE_LVEF_BELOW = 50.0
MODERATE_FALL_POINTS = 10.0

_ICD = frozenset({codes.ICD10CM, codes.ICD10})
_NOT_TRUE = frozenset({"entered-in-error", "refuted"})
_NOT_A_RESULT = frozenset({"entered-in-error", "cancelled", "registered", "preliminary"})
_WORDS = re.compile("|".join(re.escape(word) for word in codes.CARDIAC_DYSFUNCTION_WORDS))
_LVEF_WORDS = re.compile(r"ejection fraction|\blvef\b")


class _Lvef(NamedTuple):
    on: date
    percent: float
    reference: str


def _verification(condition: Resource) -> set[str]:
    written = condition.get("verificationStatus")
    if isinstance(written, str):
        return {written.strip().lower()}
    return {code.lower() for code in plain_codes(written)}


def _names_dysfunction(condition: Resource) -> bool:
    found = list(codings(condition.get("code")))
    icd = [code.upper().replace(".", "") for system, code in found if system in _ICD]
    if icd:
        return any(code.startswith(codes.ICD_CARDIAC_DYSFUNCTION) for code in icd)
    if any(system == codes.SNOMED and code in codes.SCT_CARDIAC_DYSFUNCTION for system, code in found):
        return True
    return bool(_WORDS.search(concept_text(condition.get("code"))))


def _onset(condition: Resource) -> date | None:
    return (
        parse_date(condition.get("onsetDateTime"))
        or read_period(condition.get("onsetPeriod")).begins
        or parse_date(condition.get("recordedDate") or condition.get("assertedDate"))
    )


def _conditions(pool: ResourcePool, since: date, until: date) -> list[str]:
    found: list[str] = []
    for condition in pool.of_type("Condition"):
        if _verification(condition) & _NOT_TRUE or not _names_dysfunction(condition):
            continue
        onset = _onset(condition)
        if onset is not None and not since <= onset <= until:
            continue
        words = (concept_text(condition.get("code")) or "cardiac dysfunction")[:60]
        when = f"onset {onset.isoformat()}" if onset else "undated"
        found.append(f"{reference_of(condition)} ({words}, {when})")
    return sorted(found)


def _named_lvef(observation: Resource) -> bool:
    """Whether the Observation is read as an LVEF: a LOINC LVEF code, or words naming one with no LOINC
    code."""
    coded = [code for system, code in codings(observation.get("code")) if system == codes.LOINC]
    return bool(set(coded) & codes.LVEF_LOINC) or (
        not coded and bool(_LVEF_WORDS.search(concept_text(observation.get("code"))))
    )


def _percent(observation: Resource) -> float | None:
    read = quantity(observation.get("valueQuantity"))
    return read[0] if read is not None and read[1].strip() == "%" and 0 < read[0] <= 100 else None


def _measured_on(observation: Resource) -> date | None:
    return parse_date(observation.get("effectiveDateTime")) or parse_date(
        obj(observation.get("effectivePeriod")).get("start") or observation.get("issued")
    )


def _lvef(observation: Resource) -> _Lvef | None:
    if status_of(observation) in _NOT_A_RESULT or not _named_lvef(observation):
        return None
    percent, on = _percent(observation), _measured_on(observation)
    if percent is None or on is None:
        return None
    return _Lvef(on, percent, reference_of(observation))


def _maybe_lvef(observation: Resource) -> tuple[date | None, str] | None:
    """``(date, reference)`` of an Observation that could be an LVEF the service does not read: an LVEF
    whose value (none, and no data-absent reason; not a percentage) or date cannot be read (it could be
    the latest, or the one it fell from), or one nothing read names (no coding in a code system the
    service reads, no words) whose value is a percentage (0-100 %)."""
    if status_of(observation) in _NOT_A_RESULT:
        return None
    on = _measured_on(observation)
    if _named_lvef(observation):
        if "dataAbsentReason" in observation:
            return None  # the record says it was not measured
        return (on, reference_of(observation)) if on is None or _percent(observation) is None else None
    if _percent(observation) is None:
        return None
    concept = observation.get("code")
    if (
        any(canonical(system) is not None for system, _code in codings(concept))
        or concept_text(concept).strip()
    ):
        return None
    return on, reference_of(observation)


def _lvefs_not_read(pool: ResourcePool, since: date, until: date, read: list[_Lvef]) -> list[str]:
    """The Observations that could be an LVEF, not read, that could show a fall the readings ``read`` do
    not: dated from ``since`` to ``until`` or undated (it could be the latest reading), or dated before
    ``since`` while the latest reading read since then is 40-49 % (it could be the reading it fell from)."""
    latest = read[-1] if read and read[-1].on >= since else None
    could_be_fallen_from = latest is not None and latest.percent < MODERATE_LVEF_BELOW
    found: list[str] = []
    for observation in pool.of_type("Observation"):
        maybe = _maybe_lvef(observation)
        if maybe is None:
            continue
        on, reference = maybe
        if on is None or since <= on <= until or (on < since and could_be_fallen_from):
            found.append(reference)
    return sorted(found)


def _lvef_readings(pool: ResourcePool, until: date) -> list[_Lvef]:
    return sorted(
        (
            found
            for found in map(_lvef, pool.of_type("Observation"))
            if found is not None and found.on <= until
        ),
        key=lambda r: (r.on, r.reference),
    )


def _lvef_fall(readings: list[_Lvef], since: date) -> str:
    if not readings or readings[-1].on < since:
        return ""
    latest, before = readings[-1], readings[:-1]
    said = f"{latest.reference} (LVEF {latest.percent:g} % on {latest.on.isoformat()}"
    if latest.percent < SEVERE_LVEF_BELOW:
        return f"{said}, under {SEVERE_LVEF_BELOW:g} %)"
    highest = max(before, key=lambda r: (r.percent, r.reference), default=None)
    if (
        latest.percent < MODERATE_LVEF_BELOW
        and highest is not None
        and highest.percent - latest.percent >= MODERATE_FALL_POINTS
    ):
        return f"{said}, down from {highest.percent:g} % ({highest.reference}))"
    return ""


def dysfunction_during(pool: ResourcePool, since: date, until: date) -> Fact[bool]:
    """Cardiac dysfunction recorded from ``since`` (the start of therapy) to ``until`` (the order date):
    ``True`` with what shows it, else ``False`` (with ``unread`` naming what could be an LVEF not read that
    could show a fall)."""
    found = _conditions(pool, since, until)
    readings = _lvef_readings(pool, until)
    fall = _lvef_fall(readings, since)
    if fall:
        found.append(fall)
    if not found:
        why = f"no cardiac dysfunction recorded since {since.isoformat()}"
        unread = _lvefs_not_read(pool, since, until, readings)
        if unread:
            why += (
                f", but {', '.join(unread)} could be an LVEF the service cannot read (its code, its value or "
                "its date): it could show a fall"
            )
        return Fact(False, (), why, unread=tuple(unread))
    evidence = tuple(dict.fromkeys(item.split(" ", 1)[0] for item in found))
    return Fact(
        True,
        evidence,
        f"cardiac dysfunction recorded since the therapy began on {since.isoformat()}: {'; '.join(found)}",
    )
