"""Body surface area on a date: a charted BSA nearest in time, else Mosteller from the height and weight
nearest in time (CONTRACT §3 "Administered dose"; formula and LOINC codes: clinical-codes §3).

The observations are indexed by time once per request, so converting hundreds of doses costs a bisection
each, not a scan (CONTRACT: a patient with 500 administrations costs a few ms).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from cds_service.clinical.codes import BSA_LOINC, HEIGHT_LOINC, LOINC, WEIGHT_LOINC
from cds_service.clinical.fhir_read import codings, parse_datetime, quantity, status_of
from cds_service.clinical.units import to_cm, to_kg, to_m2
from cds_service.fhir.pool import Resource, reference_of

# Observation statuses that are not a measurement (FHIR R4 observation-status).
_NOT_A_RESULT = frozenset({"entered-in-error", "cancelled", "registered"})


@dataclass(frozen=True)
class Bsa:
    m2: float
    source: str  # "observation" | "mosteller"
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class _Reading:
    when: datetime
    value: float
    reference: str


def mosteller_m2(height_cm: float, weight_kg: float) -> float:
    """Mosteller RD, NEJM 1987;317:1098: BSA = sqrt(height[cm] * weight[kg] / 3600)."""
    return math.sqrt(height_cm * weight_kg / 3600.0)


def _moment(when: date | datetime) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime(when.year, when.month, when.day, 12, tzinfo=UTC)


class _Series:
    """Readings of one kind sorted by time, for nearest-in-time lookup."""

    def __init__(self, readings: Iterable[_Reading]) -> None:
        self._readings = sorted(readings, key=lambda r: (r.when, r.reference))
        self._times = [r.when for r in self._readings]

    def nearest(self, when: datetime) -> _Reading | None:
        if not self._readings:
            return None
        index = bisect_left(self._times, when)
        candidates = self._readings[max(0, index - 1) : index + 1]
        # Ties go to the earlier reading: what was charted before the dose was what the dose was based on.
        return min(candidates, key=lambda r: abs((r.when - when).total_seconds()))


def _readings(
    observations: Iterable[Resource], codes: frozenset[str], convert: Callable[[float, str], float | None]
) -> list[_Reading]:
    found: list[_Reading] = []
    for observation in observations:
        if status_of(observation) in _NOT_A_RESULT:
            continue
        if not any(system == LOINC and code in codes for system, code in codings(observation.get("code"))):
            continue
        when = parse_datetime(observation.get("effectiveDateTime") or observation.get("issued"))
        if when is None and isinstance(observation.get("effectivePeriod"), dict):
            when = parse_datetime(observation["effectivePeriod"].get("start"))
        read = quantity(observation.get("valueQuantity"))
        if when is None or read is None:
            continue
        value = convert(*read)
        if value is not None and value > 0:
            found.append(_Reading(when, value, reference_of(observation)))
    return found


class BodySurfaceArea:
    """BSA lookups over one patient's height, weight and BSA Observations."""

    def __init__(self, observations: Iterable[Resource]) -> None:
        observations = list(observations)
        self._bsa = _Series(_readings(observations, BSA_LOINC, to_m2))
        self._height = _Series(_readings(observations, HEIGHT_LOINC, to_cm))
        self._weight = _Series(_readings(observations, WEIGHT_LOINC, to_kg))

    def on(self, when: date | datetime) -> Bsa | None:
        """The BSA for a dose on ``when``; ``None`` when neither a BSA nor a height and weight is charted."""
        moment = _moment(when)
        charted = self._bsa.nearest(moment)
        if charted is not None:
            return Bsa(charted.value, "observation", (charted.reference,))
        height, weight = self._height.nearest(moment), self._weight.nearest(moment)
        if height is None or weight is None:
            return None
        return Bsa(
            mosteller_m2(height.value, weight.value), "mosteller", (height.reference, weight.reference)
        )
