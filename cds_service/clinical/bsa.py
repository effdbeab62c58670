"""Body surface area on a date: a charted BSA nearest in time, else Mosteller from the height and weight
nearest in time (docs/facts.md "Administrations"; formula: Mosteller 1987; LOINC codes: clinical/codes.py).
When both are charted, the nearer in time wins (docs/facts.md "Administrations"): a Mosteller BSA from a
height and weight measured nearer the dose than the charted BSA is used instead of it. Nearer is read on the
real times, the dose's own time when it has one; a dose charted with a date only is as near to every
measurement of its day, and a tie keeps the charted BSA.

The observations are indexed by time once per request, so converting hundreds of doses costs a bisection
each, not a scan (a patient with 500 administrations costs a few ms).

Only measurements the record can vouch for size a dose (``clinical.plausibility``, docs/facts.md
"Plausibility"): one outside what is plausible for the age, measured before birth or after today, or far
from the patient's other measurements is set aside, and ``set_aside`` says which and why; a growing
child's height sizes only doses within a year of it; a charted BSA and the height and weight it
conflicts with, neither side borne out by the patient's other readings, size no dose (the dose is
unknown, saying why); a limb amputation recorded leaves only a BSA charted since it to size a later dose (a
height and weight give no amputee's BSA).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from cds_service.clinical.amputations import Amputation
from cds_service.clinical.codes import BSA_LOINC, HEIGHT_LOINC, LOINC, WEIGHT_LOINC
from cds_service.clinical.fhir_read import codings, parse_datetime, quantity, status_of
from cds_service.clinical.plausibility import GROWING_HEIGHT_WINDOW, Plausibility, Reading
from cds_service.clinical.units import to_cm, to_kg, to_m2
from cds_service.fhir.pool import Resource, reference_of

# How far from a dose a measurement may be and still size it (our choice; the rule says "nearest in
# time" but not how near). A weight or a charted BSA from more than half a year away, or a growing child's
# height from more than a year away (``plausibility.GROWING_HEIGHT_WINDOW``), would misstate the mg/m² a
# threshold is compared against; an adult's height is not bounded.
MAX_WEIGHT_DISTANCE = timedelta(days=180)  # weight and charted BSA
MAX_HEIGHT_DISTANCE = GROWING_HEIGHT_WINDOW

# Observation statuses that are not a measurement (FHIR R4 observation-status).
_NOT_A_RESULT = frozenset({"entered-in-error", "cancelled", "registered"})


class Bsa(NamedTuple):
    m2: float
    source: str  # "observation" | "mosteller"
    evidence: tuple[str, ...]
    note: str = ""  # why this BSA and not another, when a charted one was passed over (nearest in time wins)


class Weight(NamedTuple):
    """A body weight in kg and the Observation it was read from (to convert mg/kg doses, docs/facts.md "Record
    integrity")."""

    kg: float
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

    def __init__(self, readings: Iterable[Reading]) -> None:
        self.readings = sorted(readings, key=lambda r: (r.when, r.reference))
        # Between two neighbouring readings, a moment up to the midpoint (floored to the microsecond) is
        # nearer the earlier one, ties included: what was charted before the dose was what the dose was
        # based on. ``when - before <= after - when`` is ``when <= floor((before + after) / 2)`` in whole
        # microseconds, so one bisection over the midpoints finds the nearest reading, no arithmetic.
        self._midpoints = [
            before.when + (after.when - before.when) // 2
            for before, after in zip(self.readings, self.readings[1:], strict=False)
        ]

    def nearest(self, when: datetime, within: timedelta) -> int | None:
        """The index in ``readings`` of the reading nearest ``when``, if no further than ``within``."""
        if not self.readings:
            return None
        index = bisect_left(self._midpoints, when)
        return index if abs(self.readings[index].when - when) <= within else None

    def too_far(self, name: str, when: datetime, within: timedelta) -> str | None:
        """Why this series gives no reading for ``when``: "weight not charted", "weight charted, but older
        than 180 days"; ``None`` when a reading is near enough."""
        if not self.readings:
            return f"{name} not charted"
        if self.nearest(when, within) is not None:
            return None
        older = self.readings[bisect_left(self._midpoints, when)].when < when
        if older:
            return f"{name} charted, but older than {within.days} days"
        return f"{name} charted, but only more than {within.days} days later"


_KINDS: tuple[tuple[str, frozenset[str], Callable[[float, str], float | None]], ...] = (
    ("bsa", BSA_LOINC, to_m2),
    ("height", HEIGHT_LOINC, to_cm),
    ("weight", WEIGHT_LOINC, to_kg),
)
_BODY_LOINC = frozenset().union(*(codes for _name, codes, _convert in _KINDS))


def _readings(observations: Iterable[Resource]) -> list[Reading]:
    """Height, weight and BSA readings, read in one pass over the observations."""
    found: list[Reading] = []
    for observation in observations:
        # Only the body-size codes are kept: most of a patient's Observations are labs, dropped here.
        loinc = {
            code
            for system, code in codings(observation.get("code"))
            if system == LOINC and code in _BODY_LOINC
        }
        if not loinc:
            continue
        kind = next(((name, convert) for name, codes, convert in _KINDS if loinc & codes), None)
        if kind is None:
            continue
        if status_of(observation) in _NOT_A_RESULT:
            continue
        when = parse_datetime(observation.get("effectiveDateTime") or observation.get("issued"))
        if when is None and isinstance(observation.get("effectivePeriod"), dict):
            when = parse_datetime(observation["effectivePeriod"].get("start"))
        read = quantity(observation.get("valueQuantity"))
        if when is None or read is None:
            continue
        value = kind[1](*read)
        if value is not None:
            found.append(Reading(kind[0], when, value, reference_of(observation)))
    return found


class BodySurfaceArea:
    """BSA lookups over one patient's height, weight and BSA Observations."""

    def __init__(
        self,
        observations: Iterable[Resource],
        *,
        adult: bool = False,
        plausibility: Plausibility | None = None,
    ) -> None:
        """``plausibility``: what the patient's record can vouch for (the age on each date, from the birth
        date). Without it the age is not known: ``adult`` then says whether heights are taken as stable."""
        self._plausibility = plausibility
        self._adult = adult
        screened = (plausibility or Plausibility()).screen(_readings(observations))
        # What was set aside and why, for the reasons of every fact sized through a BSA.
        self.set_aside: tuple[str, ...] = screened.set_aside
        self._aside = screened.aside_by_kind
        self._bsa = _Series(screened.kept["bsa"])
        self._height = _Series(screened.kept["height"])
        self._weight = _Series(screened.kept["weight"])
        # Measures of body size that conflict, neither side borne out: the charted BSA, or the height and
        # weight together, size no dose (each with why).
        self._bsa_conflicts = {c.bsa: c.reason for c in screened.conflicts if c.bsa}
        self._pair_conflicts = {c.pair: c.reason for c in screened.conflicts}
        # Doses between two charted heights and weights share one Mosteller BSA: worked out once.
        self._mosteller: dict[tuple[int, int], Bsa] = {}

    def on(self, when: date | datetime) -> Bsa | None:
        """The BSA for a dose on ``when`` (its instant when charted with a time); ``None`` when neither a
        BSA nor a height and weight is charted near enough to it (``MAX_WEIGHT_DISTANCE``,
        ``MAX_HEIGHT_DISTANCE``), or when the measures nearest it conflict (``missing_reason`` says why)."""
        found = self._pick(when)
        return found if isinstance(found, Bsa) else None

    def _pick(self, when: date | datetime) -> Bsa | str:
        """The BSA for ``when``, or why none ("" when nothing is near enough, said by ``missing_reason``)."""
        moment = _moment(when)
        charted = self._bsa.nearest(moment, MAX_WEIGHT_DISTANCE)
        amputated = self._plausibility.amputated_by(moment.date()) if self._plausibility else None
        if amputated is not None:
            return self._amputee(charted, amputated)
        height = self._height.nearest(moment, self._height_distance(moment))
        weight = self._weight.nearest(moment, MAX_WEIGHT_DISTANCE)
        conflict = ""
        if height is not None and weight is not None:
            pair = (self._height.readings[height].reference, self._weight.readings[weight].reference)
            conflict = self._pair_conflicts.get(pair, "")
        passed_over = ""
        if charted is not None:
            reading = self._bsa.readings[charted]
            if (
                height is None
                or weight is None
                or conflict
                or not self._measured_nearer(when, reading, height, weight)
            ):
                return self._bsa_conflicts.get(reading.reference) or Bsa(
                    reading.value, "observation", (reading.reference,)
                )
            passed_over = reading.reference
        if height is None or weight is None:
            return ""
        if conflict:
            return conflict
        found = self._mosteller.get((height, weight))
        if found is None:
            found = self._mosteller[height, weight] = self._mosteller_bsa(height, weight)
        if passed_over:
            note = f"sized by a height and weight measured nearer than the charted BSA ({passed_over})"
            return found._replace(note=note)
        return found

    def _amputee(self, charted: int | None, amputated: Amputation) -> Bsa | str:
        """An amputee's BSA: one charted since the amputation (the clinician's, adjusted for the limb
        lost), never Mosteller's from a height and weight (``codes.ICD_AMPUTATION`` names the source)."""
        since = amputated.on or date.min
        lost = f"{amputated.reference} records a limb amputation ({amputated.said}"
        lost += f", {amputated.on.isoformat()})" if amputated.on else ", undated)"
        if charted is not None and self._bsa.readings[charted].when.date() >= since:
            reading = self._bsa.readings[charted]
            return self._bsa_conflicts.get(reading.reference) or Bsa(
                reading.value,
                "observation",
                (reading.reference,),
                note=f"sized by the BSA charted since the amputation {amputated.reference} records",
            )
        return (
            f"{lost}: a height and weight give no amputee's BSA (it must be adjusted for the limb lost), and "
            "no BSA charted since it is near enough"
        )

    def missing_reason(self, when: date | datetime) -> str:
        """Why ``on(when)`` is ``None``: the measures nearest it conflict, nothing charted, or charted but
        too far from ``when`` (measurements charted but out of date are said to be so, never "no BSA, height
        or weight charted")."""
        conflict = self._pick(when)
        if isinstance(conflict, str) and conflict:
            return conflict
        if not (self._bsa.readings or self._height.readings or self._weight.readings or self.set_aside):
            return "no BSA, height or weight charted"
        moment = _moment(when)
        reasons = [
            self._too_far("bsa", "BSA", moment, MAX_WEIGHT_DISTANCE)
            if self._bsa.readings or self._aside.get("bsa")
            else None,
            self._too_far("height", "height", moment, self._height_distance(moment)),
            self._too_far("weight", "weight", moment, MAX_WEIGHT_DISTANCE),
        ]
        return "; ".join(reason for reason in reasons if reason)

    def _too_far(self, kind: str, name: str, moment: datetime, within: timedelta) -> str | None:
        series = {"bsa": self._bsa, "height": self._height, "weight": self._weight}[kind]
        aside = self._aside.get(kind, 0)
        if not series.readings and aside:
            return f"no plausible {name} ({aside} set aside as implausible)"
        return series.too_far(name, moment, within)

    def height_window(self, when: date | datetime) -> timedelta:
        """How far from ``when`` a height sizes a dose there, and how far apart the heights compared with
        it may be: a growing child's a year, an adult's any distance (``timedelta.max``)."""
        return self._height_distance(_moment(when))

    def _height_distance(self, moment: datetime) -> timedelta:
        """How far from ``moment`` a height may be: a growing child's (under 18 on that day) within a
        year, an adult's at any distance (an adult's height does not change: one charted at diagnosis
        years ago still sizes a dose)."""
        if self._plausibility is None:
            return timedelta.max if self._adult else MAX_HEIGHT_DISTANCE
        return self._plausibility.height_window(moment.date())

    def _measured_nearer(self, when: date | datetime, charted: Reading, height: int, weight: int) -> bool:
        """Whether the height and weight were measured nearer ``when`` than the charted BSA, on the real
        times; a dose charted with a date only is as near to every measurement of its day (days are
        compared). A tie keeps the charted BSA. An adult's height is taken as stable, so only the weight's
        distance counts."""
        moment = _moment(when)

        def distance(reading: Reading) -> timedelta:
            if isinstance(when, datetime):
                return abs(reading.when - moment)
            return timedelta(days=abs((reading.when.date() - when).days))

        weight_distance = distance(self._weight.readings[weight])
        height_distance = distance(self._height.readings[height])
        stable = self._height_distance(moment) == timedelta.max
        measured = weight_distance if stable else max(weight_distance, height_distance)
        return measured < distance(charted)

    def weight_on(self, when: date | datetime) -> Weight | None:
        """The weight nearest ``when`` (within ``MAX_WEIGHT_DISTANCE``), for an mg/kg dose (docs/facts.md
        "Record integrity")."""
        index = self._weight.nearest(_moment(when), MAX_WEIGHT_DISTANCE)
        if index is None:
            return None
        reading = self._weight.readings[index]
        return Weight(reading.value, reading.reference)

    def _mosteller_bsa(self, height_index: int, weight_index: int) -> Bsa:
        height, weight = self._height.readings[height_index], self._weight.readings[weight_index]
        return Bsa(
            mosteller_m2(height.value, weight.value), "mosteller", (height.reference, weight.reference)
        )
