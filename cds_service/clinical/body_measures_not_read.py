"""Body measures not read (not read is not absent, docs/facts.md "What is not read").

A BSA, height or weight is read from its LOINC code (``clinical.bsa``). An Observation with a value
whose code is not read as one (a local code, a LOINC code not listed) but whose text names a height, a
weight or a body surface area could be the measure nearest a dose: a dose sized through a BSA measured
further from it than such an Observation is not a known dose but an unknown part of its total, and the
current BSA is unknown when one sits nearer the order than the measures it was computed from.
"""

from __future__ import annotations

from datetime import date

from cds_service.clinical import codes
from cds_service.clinical.bsa import Bsa
from cds_service.clinical.fhir_read import codings, concept_text, obj, parse_date, status_of
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
            continue
        if any(word in concept_text(concept) for word in _WORDS):
            found.append((reference_of(observation), _when(observation)))
    return sorted(found, key=lambda item: item[0])


def nearer_not_read(
    bsa: Bsa | None, on: date, pool: ResourcePool, measures: list[tuple[str, date | None]]
) -> str:
    """Why a BSA used for ``on`` may not be the nearest: a body measure not read is nearer to ``on`` than
    a measure it was computed from (or is undated); "" when none is."""
    if bsa is None or not measures:
        return ""
    used = [_when(found) for ref in bsa.evidence if (found := pool.resolve(ref)) is not None]
    distances = [abs((on - when).days) for when in used if when is not None]
    if not distances:
        return ""
    farthest = max(distances)
    for reference, when in measures:
        if when is None or abs((on - when).days) < farthest:
            return f"{reference} names a body measure in a code the service does not read, nearer to it"
    return ""
