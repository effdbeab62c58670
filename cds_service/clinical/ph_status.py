"""Ph status (I.A.3.b.i.1 Ph-negative ALL, I.A.3.b.i.2 Ph-positive ALL; docs/facts.md "Diagnoses").

Ph-positive: a diagnosis of Ph-positive ALL (SNOMED CT 426955004), a positive BCR-ABL1 result, or a
karyotype showing t(9;22), the Philadelphia chromosome; Ph-negative: negative BCR-ABL1 results only;
neither recorded: unknown (Ph status is seldom structured). A later negative result beside a positive
one is a treated Ph-positive leukemia, not a Ph-negative one.

Results are read in Observations and in their components (a BCR-ABL1 result reported as a component of a
leukemia panel is a result all the same), under the LOINC codes of ``codes.LOINC_BCR_ABL1``: qualitative
(presence), quantitative (ratios, the International Scale) and FISH alike, by a coded answer, the lab's
interpretation, a quantity or a "not detected" in words. A karyotype (``codes.LOINC_KARYOTYPE``) is read
only for t(9;22) written in ISCN: one without it is no Ph status (banding misses a cryptic fusion).

Not read is not absent: beside the status, a BCR-ABL1 result or a karyotype whose value cannot be read, an
Observation or a diagnosis naming BCR-ABL1 or the Philadelphia chromosome under a code not read, make a
Ph-negative reading unknown (``Fact.unread``). So does an Observation that could be a karyotype not read
(docs/facts.md "Information loss never flips a decision"): one whose code is not read as one but whose
words name a karyotype, a chromosome analysis or cytogenetics (``codes.KARYOTYPE_WORDS``), or one that
nothing read names (no coding in a code system the service reads, no words) whose value reads as ISCN or
names a karyotype, cytogenetics, BCR-ABL1 or the Philadelphia chromosome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from cds_service.clinical import codes
from cds_service.clinical.code_systems import canonical
from cds_service.clinical.diagnoses import Diagnosis, found_among, matching, not_read
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import (
    codings,
    concept_text,
    dicts,
    obj,
    parse_date,
    plain_codes,
    status_of,
)
from cds_service.clinical.plausibility import Plausibility
from cds_service.fhir.pool import Resource, reference_of

_NOT_A_RESULT = frozenset({"entered-in-error", "cancelled"})

# Result elements an Observation's component carries as the Observation itself does (FHIR R4
# Observation.component: code, value[x], dataAbsentReason, interpretation).
_COMPONENT_ELEMENTS = (
    "code",
    "valueCodeableConcept",
    "valueQuantity",
    "valueString",
    "dataAbsentReason",
    "interpretation",
)

# ISCN (International System for Human Cytogenomic Nomenclature): a karyotype starts with its chromosome
# count (46, 47~49, <2n>...) and the sex chromosomes ("46,XX", "45,X"); the translocation of chromosomes 9
# and 22 is written t(9;22), or t(9;22;...) in a complex variant, also inside a derivative der(22)t(9;22).
_ISCN_KARYOTYPE = re.compile(r"^\s*\d{2,3}(?:~\d{2,3})?(?:<\d+n>)?,\s*[xy]", re.IGNORECASE)
_T_9_22 = re.compile(r"t\(\s*9\s*;\s*22\s*[;)]", re.IGNORECASE)
# Words that say a finding is absent or uncertain: such a value is prose, not an ISCN expression.
_NOT_ISCN_WORDS = ("no ", "not ", "negative", "absent", "without", "rule out", "?")


def results(observations: Iterable[Resource]) -> list[Resource]:
    """Every result the Observations hold: each Observation, and each of its components as a result of
    its own under the Observation's id and status."""
    found: list[Resource] = []
    for observation in observations:
        found.append(observation)
        for component in dicts(observation.get("component")):
            view = {key: component[key] for key in _COMPONENT_ELEMENTS if key in component}
            view.update(
                resourceType="Observation", id=observation.get("id"), status=observation.get("status")
            )
            found.append(view)
    return found


def _coded(observation: Resource, loinc: frozenset[str]) -> bool:
    return any(s == codes.LOINC and c in loinc for s, c in codings(observation.get("code")))


def is_read(observation: Resource) -> bool:
    """Whether the Observation (or a component of it) is a result this module reads: a BCR-ABL1 result or
    a karyotype."""
    return any(
        _coded(result, codes.LOINC_BCR_ABL1 | codes.LOINC_KARYOTYPE) for result in results([observation])
    )


def _bcr_abl1_result(observation: Resource) -> bool | None:
    """Positive / negative / unreadable: what the result states in words (a coded answer, the lab's
    interpretation, its text), else its value (a ratio below the detection limit, ``comparator`` "<", is
    not detected; a ratio the lab interprets is read as interpreted). Where the statements disagree (a
    coded answer "Negative" beside an interpretation "POS") the result contradicts itself: unreadable,
    never the reading that meets a criterion (not plausible is not a fact)."""
    said: set[bool] = set()
    answer = {
        code.upper() if code.isalpha() else code
        for _s, code in codings(observation.get("valueCodeableConcept"))
    }
    interpretation = {code.upper() for code in plain_codes(observation.get("interpretation"))}
    for found in (answer, interpretation):
        if found & codes.POSITIVE_ANSWERS:
            said.add(True)
        if found & codes.NEGATIVE_ANSWERS:
            said.add(False)
    text = observation.get("valueString")
    if isinstance(text, str):
        lowered = text.strip().lower()
        if lowered.startswith(("not detected", "negative", "absent", "undetected")):
            said.add(False)
        elif lowered.startswith(("detected", "positive", "present")):
            said.add(True)
    if said:
        return next(iter(said)) if len(said) == 1 else None
    quantity = obj(observation.get("valueQuantity"))
    value = quantity.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return quantity.get("comparator") not in ("<", "<=") and value > 0
    return None


def _karyotype(observation: Resource) -> str | None:
    """The ISCN expression a karyotype holds (``valueString``, or the code or text of a
    ``valueCodeableConcept``), or ``None`` when its value is not one."""
    value = observation.get("valueString")
    candidates = [value] if isinstance(value, str) else []
    concept = obj(observation.get("valueCodeableConcept"))
    candidates += [code for _system, code in codings(concept)]
    if isinstance(concept.get("text"), str):
        candidates.append(concept["text"])
    for candidate in candidates:
        lowered = candidate[:2_000].lower()
        if _ISCN_KARYOTYPE.match(lowered) and not any(word in lowered for word in _NOT_ISCN_WORDS):
            return lowered
    return None


def _maybe_karyotype(observation: Resource) -> bool:
    """Whether an Observation not read as a karyotype could be one: its code's words name one, or nothing
    read names it and its value reads as ISCN or names a karyotype or the Philadelphia chromosome."""
    concept = observation.get("code")
    words = concept_text(concept)
    if any(word in words for word in codes.KARYOTYPE_WORDS):
        return True
    if words.strip() or any(canonical(system) is not None for system, _code in codings(concept)):
        return False
    if _karyotype(observation) is not None:
        return True
    value = observation.get("valueString")
    said = (
        (value[:2_000].lower() if isinstance(value, str) else "")
        + " "
        + concept_text(observation.get("valueCodeableConcept"))
    )
    return any(word in said for word in (*codes.KARYOTYPE_WORDS, *codes.HISTOLOGY_WORDS["ph_positive"]))


def ph_positive(
    diagnoses: list[Diagnosis],
    observations: Iterable[Resource],
    on: date | None = None,
    plausible: Plausibility | None = None,
) -> Fact[bool]:
    """Ph+: SNOMED Ph+ ALL, any positive BCR-ABL1 result or a karyotype with t(9;22); Ph-: negative
    BCR-ABL1 results only; neither recorded: unknown. Beside it, what could not be read: a BCR-ABL1 result
    or a karyotype whose value cannot be read, or whose date cannot be (before the birth, after the order of
    ``on``: ``Plausibility.dated_conflict``), an Observation or a diagnosis naming BCR-ABL1 or the
    Philadelphia chromosome under a code not read."""
    lab: list[str] = []
    kept: list[Resource] = []
    for observation in observations:
        why = _dated_conflict(observation, on, plausible)
        if why and status_of(observation) not in _NOT_A_RESULT and is_read(observation):
            lab.append(f"{reference_of(observation)}: a result {why}: a date that cannot be")
        else:
            kept.append(observation)
    observations = results(kept)
    unread = [d for d in diagnoses if "ph_positive" in d.bears_on]
    found = _ph_positive(diagnoses, observations)
    if found.value:
        return found
    named = {d.reference for d in unread}  # a record swept already (clinical.records_not_read) is named once
    for observation in observations:
        reference = reference_of(observation)
        if status_of(observation) in _NOT_A_RESULT or reference in named:
            continue
        if _coded(observation, codes.LOINC_BCR_ABL1):
            if _bcr_abl1_result(observation) is None:
                lab.append(
                    f"{reference}: a BCR-ABL1 result whose value cannot be read, or contradicts itself"
                )
        elif _coded(observation, codes.LOINC_KARYOTYPE):
            if _karyotype(observation) is None:
                lab.append(f"{reference}: a karyotype whose value cannot be read as ISCN")
        elif any(
            word in concept_text(observation.get("code")) for word in codes.HISTOLOGY_WORDS["ph_positive"]
        ):
            lab.append(f"{reference}: a result naming BCR-ABL1 under a code the service does not read")
        elif _maybe_karyotype(observation):
            lab.append(f"{reference}: could be a karyotype under a code the service does not read")
    if not unread and not lab:
        return found
    found = not_read(found, unread, "ph_positive", "Ph-positive ALL")
    if not lab:
        return found
    refs = tuple(entry.split(": ", 1)[0] for entry in lab)
    return replace(
        found,
        reason=f"{found.reason}; {'; '.join(dict.fromkeys(lab))}",
        unread=tuple(dict.fromkeys((*found.unread, *refs))),
    )


def _dated_conflict(observation: Resource, on: date | None, plausible: Plausibility | None) -> str:
    """Why a result's date (``effective[x]``, else ``issued``) cannot be, or ``""``."""
    if on is None or plausible is None:
        return ""
    when = (
        parse_date(observation.get("effectiveDateTime"))
        or parse_date(obj(observation.get("effectivePeriod")).get("start"))
        or parse_date(observation.get("issued"))
    )
    return plausible.dated_conflict(when, on)


def _ph_positive(diagnoses: list[Diagnosis], observations: Iterable[Resource]) -> Fact[bool]:
    coded = found_among(matching(diagnoses, snomed=codes.SCT_PH_POSITIVE_ALL), "Ph-positive ALL")
    if coded.value:
        return Fact(True, coded.evidence, "Philadelphia chromosome-positive ALL recorded")
    positive: list[str] = []
    translocation: list[str] = []
    negative: list[str] = []
    for observation in observations:
        if status_of(observation) in _NOT_A_RESULT:
            continue
        if _coded(observation, codes.LOINC_BCR_ABL1):
            result = _bcr_abl1_result(observation)
            if result is True:
                positive.append(reference_of(observation))
            elif result is False:
                negative.append(reference_of(observation))
        elif _coded(observation, codes.LOINC_KARYOTYPE):
            karyotype = _karyotype(observation)
            if karyotype is not None and _T_9_22.search(karyotype):
                translocation.append(reference_of(observation))
    if positive:
        return Fact(True, tuple(positive + translocation), "BCR-ABL1 fusion detected")
    if translocation:
        return Fact(
            True, tuple(translocation), "t(9;22), the Philadelphia chromosome, in the karyotype (ISCN)"
        )
    if negative:
        return Fact(False, tuple(negative), "BCR-ABL1 fusion not detected")
    if coded.value is None:
        return coded  # a tentative Ph+ ALL diagnosis and no result: unknown, with that Condition
    return Fact(None, (), "no Ph status recorded (no Ph+ diagnosis, no BCR-ABL1 result)")
