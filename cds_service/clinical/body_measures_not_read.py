"""Body measures not read (not read is not absent, docs/facts.md "What is not read" and "Information
loss never flips a decision").

A BSA, height or weight is read from its LOINC code (``clinical.bsa``). An Observation with a value that
could be one but is not read as one could be a measure a BSA rests on, or the one it conflicts with:

* its code is not read as one (a local code, a LOINC code not listed) but its text names a height, a
  weight or a body surface area;
* nothing read says what it measured (no coding in a code system the service reads, and no words, or
  only the vital-signs category) and its value is a length, a mass or an area;
* it is read as one, but its value cannot be read (none, and no data-absent reason saying it was not
  measured; a unit not read), its value's UCUM code and unit text name different units (not plausible is
  not a fact: which unit is meant is not known), or its date cannot be read (it could be the nearest).

Such a measure bears on a BSA used on a day when it is as near that day as a measure the BSA was
computed from (it could be the nearer), or when the checks a BSA passes could have compared it with one
of those measures (``clinical.plausibility``: a charted BSA against the height and weight measured with
it, a height against the patient's other heights, an adult's at any time, a growing child's within a
year): a dose sized through that BSA is not a known dose but an unknown part of its total, and the
current BSA is unknown. Unless its code, words or unit say it is a weight or a BSA (compared within
``plausibility.AGREEMENT_WINDOW``), it could be a height, and a height's reach is taken.
"""

from __future__ import annotations

from datetime import date, timedelta

from cds_service.clinical import codes
from cds_service.clinical.bsa import Bsa
from cds_service.clinical.code_systems import canonical
from cds_service.clinical.fhir_read import (
    codings,
    concept_text,
    obj,
    parse_date,
    parse_datetime,
    plain_codes,
    quantity,
    status_of,
)
from cds_service.clinical.plausibility import AGREEMENT_WINDOW
from cds_service.clinical.units import is_disagreeing, to_cm, to_kg, to_m2
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_READ = codes.HEIGHT_LOINC | codes.WEIGHT_LOINC | codes.BSA_LOINC
_WORDS = ("height", "weight", "body surface", "bsa", "stature")
_HEIGHT_WORDS = ("height", "stature")
_NOT_A_RESULT = frozenset({"entered-in-error", "cancelled"})
# FHIR R4 observation-category: heights, weights and BSAs are vital signs.
_VITAL_SIGNS = "vital-signs"


def _when(observation: Resource) -> date | None:
    return parse_date(observation.get("effectiveDateTime")) or parse_date(
        obj(observation.get("effectivePeriod")).get("start")
    )


def _dated(observation: Resource) -> bool:
    """Whether ``clinical.bsa`` can read when a measure was taken (its effective time, else when issued)."""
    return (
        parse_datetime(observation.get("effectiveDateTime") or observation.get("issued"))
        or parse_datetime(obj(observation.get("effectivePeriod")).get("start"))
    ) is not None


def _names_nothing_else(observation: Resource) -> bool:
    """Whether nothing read says what the Observation measured: no coding in a code system the service
    reads, and no words for what it is (or only its category saying it is a vital sign)."""
    concept = observation.get("code")
    if any(canonical(system) is not None for system, _code in codings(concept)):
        return False
    if not concept_text(concept).strip():
        return True
    return _VITAL_SIGNS in plain_codes(observation.get("category"))


def _a_body_size(observation: Resource) -> bool:
    """Whether the Observation's value is a length, a mass or an area (what a height, a weight or a BSA
    is written in)."""
    read = quantity(observation.get("valueQuantity"))
    return read is not None and any(convert(*read) is not None for convert in (to_cm, to_kg, to_m2))


def _of_its_kind(loinc: set[str], read: tuple[float, str]) -> bool:
    """Whether a value is in a unit of the measure its LOINC code names (as ``clinical.bsa`` converts it):
    a length for a height, a mass for a weight, an area for a BSA."""
    if loinc & codes.HEIGHT_LOINC:
        return to_cm(*read) is not None
    if loinc & codes.WEIGHT_LOINC:
        return to_kg(*read) is not None
    return to_m2(*read) is not None


def measures_not_read(pool: ResourcePool) -> list[tuple[str, date | None]]:
    """``(reference, date)`` of each Observation with a value that could be a body measure but is not
    read as one (module doc)."""
    found = []
    for observation in pool.of_type("Observation"):
        if status_of(observation) in _NOT_A_RESULT:
            continue
        concept = observation.get("code")
        loinc = {code for system, code in codings(concept) if system == codes.LOINC} & _READ
        if loinc:
            if "dataAbsentReason" in observation:
                continue  # the record says it was not measured
            read = quantity(observation.get("valueQuantity"))
            if read is None or is_disagreeing(read[1]) or not _of_its_kind(loinc, read):
                found.append((reference_of(observation), _when(observation)))
            elif not _dated(observation):
                found.append((reference_of(observation), None))
            continue
        if "valueQuantity" not in observation:
            continue
        if any(word in concept_text(concept) for word in _WORDS) or (
            _names_nothing_else(observation) and _a_body_size(observation)
        ):
            found.append((reference_of(observation), _when(observation)))
    return sorted(found, key=lambda item: item[0])


def nearer_not_read(
    bsa: Bsa | None,
    on: date,
    pool: ResourcePool,
    measures: list[tuple[str, date | None]],
    compared_within: timedelta = timedelta(0),
) -> str:
    """Why a BSA used for ``on`` may not be the one the record gives: a body measure not read is as near
    to ``on`` as a measure it was computed from, or nearer (or is undated), or is within
    ``compared_within`` of one of them (how far apart the plausibility checks compare a height on
    ``on``: ``BodySurfaceArea.height_window``; a weight's or a BSA's, ``AGREEMENT_WINDOW`` at most, when
    its code, words or unit say it is one); "" when none is."""
    if bsa is None or not measures:
        return ""
    used = [_when(found) for ref in bsa.evidence if (found := pool.resolve(ref)) is not None]
    dated = [when for when in used if when is not None]
    if not dated:
        return ""
    # Days are compared (a measure not read has no time to be sure of): one as near as the farthest used
    # could be the nearer, so a tie is no proof the BSA used was the nearest.
    farthest = max(abs((on - when).days) for when in dated)
    for reference, when in measures:
        if when is None or abs((on - when).days) <= farthest:
            return (
                f"{reference} names a body measure the service cannot read (its code or its unit), "
                "nearer to it"
            )
        window = (
            compared_within
            if _could_be_a_height(pool.resolve(reference))
            else _weight_window(compared_within)
        )
        if any(abs(when - other) <= window for other in dated):
            return (
                f"{reference} could be a body measure the service cannot read (its code or its unit), "
                "one the measures it was sized by are checked against"
            )
    return ""


def _weight_window(compared_within: timedelta) -> timedelta:
    """How far apart a weight or BSA is compared with the measures around it (``AGREEMENT_WINDOW``)."""
    return min(compared_within, AGREEMENT_WINDOW)


def _could_be_a_height(observation: Resource | None) -> bool:
    """Whether a measure not read could be a height (compared with an adult's heights at any distance):
    not when its LOINC code, its words or its value's unit say it is a weight or a BSA."""
    if observation is None:
        return True
    concept = observation.get("code")
    loinc = {code for system, code in codings(concept) if system == codes.LOINC}
    if loinc & codes.HEIGHT_LOINC:
        return True
    if loinc & (codes.WEIGHT_LOINC | codes.BSA_LOINC):
        return False
    words = concept_text(concept)
    if any(word in words for word in _HEIGHT_WORDS):
        return True
    if any(word in words for word in _WORDS):
        return False
    read = quantity(observation.get("valueQuantity"))
    return read is None or to_cm(*read) is not None or (to_kg(*read) is None and to_m2(*read) is None)
