"""Limbs the patient has lost, as the record states them (docs/facts.md "Plausibility", an amputation
recorded): read for the plausibility layer (``clinical.plausibility``), which then lets no height and weight
size an amputee's dose.

A Condition (any clinical status: a limb lost stays lost; not entered in error, not refuted) coded in
ICD-10-CM or WHO ICD-10 as the acquired absence of a limb above the fingers and toes
(``codes.ICD_AMPUTATION``), or, with no ICD-10 code, whose words name an amputation
(``codes.AMPUTATION_WORDS``). Its date is its onset, else the date it was recorded; one with neither is
taken as before every dose (when the limb was lost is not known).
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from cds_service.clinical import codes
from cds_service.clinical.fhir_read import codings, concept_text, parse_date, plain_codes, read_period
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_ICD = frozenset({codes.ICD10CM, codes.ICD10})
_NOT_TRUE = frozenset({"entered-in-error", "refuted"})
_WORDS = re.compile("|".join(re.escape(word) for word in codes.AMPUTATION_WORDS))
_ABSENCE = re.compile("|".join(re.escape(word) for word in codes.ABSENCE_WORDS))
_LIMB = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in codes.LIMB_WORDS) + r")s?\b")


class Amputation(NamedTuple):
    reference: str
    on: date | None  # when the limb was lost (or the loss recorded); None: not known
    said: str  # the code or words it was read from


def _verification(condition: Resource) -> set[str]:
    """The verification status codes (R4 CodeableConcept, codes sent without a system too; STU3/DSTU2 a
    plain code)."""
    written = condition.get("verificationStatus")
    if isinstance(written, str):
        return {written.strip().lower()}
    return {code.lower() for code in plain_codes(written)}


def _read(condition: Resource) -> str:
    """The code or words naming an amputation, or ""."""
    icd = [code for system, code in codings(condition.get("code")) if system in _ICD]
    for code in icd:
        if code.upper().replace(".", "").startswith(codes.ICD_AMPUTATION):
            return code
    if icd:
        return ""  # an ICD-10 code says what the condition is: its words are not read against it
    text = concept_text(condition.get("code"))
    named = _WORDS.search(text) or (_ABSENCE.search(text) and _LIMB.search(text))
    return text[:60] if named else ""


def amputations(pool: ResourcePool) -> tuple[Amputation, ...]:
    """Every limb amputation the record states, by reference."""
    found: list[Amputation] = []
    for condition in pool.of_type("Condition"):
        if _verification(condition) & _NOT_TRUE:
            continue
        said = _read(condition)
        if not said:
            continue
        on = (
            parse_date(condition.get("onsetDateTime"))
            or read_period(condition.get("onsetPeriod")).begins
            or parse_date(condition.get("recordedDate") or condition.get("assertedDate"))
        )
        found.append(Amputation(reference_of(condition), on, said))
    return tuple(sorted(found))
