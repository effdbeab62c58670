"""Body measures not read (not read is not absent, docs/facts.md "What is not read").

A BSA, height or weight is read from its LOINC code (``clinical.bsa``). An Observation with a value
whose code is not read as one (a local code, a LOINC code not listed) but whose text names a height, a
weight or a body surface area, or one read as such whose value's UCUM code and unit text name different
units (not plausible is not a fact: which unit is meant is not known), could be the measure nearest a
dose: a dose sized through a BSA measured
further from it than such an Observation is not a known dose but an unknown part of its total, and the
current BSA is unknown when one sits nearer the order than the measures it was computed from.
"""

from __future__ import annotations

from datetime import date

from cds_service.clinical import codes
from cds_service.clinical.bsa import Bsa
from cds_service.clinical.fhir_read import codings, concept_text, obj, parse_date, quantity, status_of
from cds_service.clinical.units import is_disagreeing
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_READ = codes.HEIGHT_LOINC | codes.WEIGHT_LOINC | codes.BSA_LOINC
_WORDS = ("height", "weight", "body surface", "bsa", "stature")
_NOT_A_RESULT = frozenset({"entered-in-error", "cancelled"})


def _when(observation: Resource) -> date | None:
    return parse_date(observation.get("effectiveDateTime")) or parse_date(
        obj(observation.get("effectivePeriod")).get("start")
    )


def measures_not_read(pool: ResourcePool) -> list[tuple[str, date | None]]:
    """``(reference, date)`` of each Observation with a value that names a body measure but is not read
    as one."""
    found = []
    for observation in pool.of_type("Observation"):
        if status_of(observation) in _NOT_A_RESULT or "valueQuantity" not in observation:
            continue
        concept = observation.get("code")
        if any(system == codes.LOINC and code in _READ for system, code in codings(concept)):
            read = quantity(observation.get("valueQuantity"))
            if read is not None and is_disagreeing(read[1]):
                found.append((reference_of(observation), _when(observation)))
            continue
        if any(word in concept_text(concept) for word in _WORDS):
            found.append((reference_of(observation), _when(observation)))
    return sorted(found, key=lambda item: item[0])


def nearer_not_read(
    bsa: Bsa | None, on: date, pool: ResourcePool, measures: list[tuple[str, date | None]]
) -> str:
    """Why a BSA used for ``on`` may not be the nearest: a body measure not read is as near to ``on`` as a
    measure it was computed from, or nearer (or is undated); "" when none is."""
    if bsa is None or not measures:
        return ""
    used = [_when(found) for ref in bsa.evidence if (found := pool.resolve(ref)) is not None]
    distances = [abs((on - when).days) for when in used if when is not None]
    if not distances:
        return ""
    # Days are compared (a measure not read has no time to be sure of): one as near as the farthest used
    # could be the nearer, so a tie is no proof the BSA used was the nearest.
    farthest = max(distances)
    for reference, when in measures:
        if when is None or abs((on - when).days) <= farthest:
            return (
                f"{reference} names a body measure the service cannot read (its code or its unit), "
                "nearer to it"
            )
    return ""
