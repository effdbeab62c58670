"""Not plausible is not a fact: what in the record cannot vouch for itself, and why (docs/facts.md
"Plausibility").

A criterion may be met only on facts consistent with the rest of the record; a fact that conflicts with
the record or with physiology is unknown, its reason naming the conflict, and is never used to meet a
criterion or to size a dose. The rules live here, in one place, and the readers ask:

* the patient's vital status (``vital_status``): recorded as deceased, with or without a date;
* the age (``Plausibility.age_on``): an order dated before the birth date, or an age no human reached;
  birth dates that disagree (the copies of the patient's Patient resource the request holds: its
  versions, copies under several keys), or an age an Observation records that the birth date cannot
  give (``clinical.stated_ages``), leave every age they disagree on unknown, both named;
* body measurements (``Plausibility.screen``, asked by ``clinical.bsa``): a height, weight or BSA outside
  what is plausible for the age at the measurement (``BODY_RANGES``, one table naming its source),
  measured before birth, far from the patient's other measurements of the same kind or jumping from the
  readings either side of it and back (``JUMP_FACTORS``), a lone weight no height measured with it allows
  (``BMI_RANGE``), or a charted BSA far from the one the height and weight measured with it give: two
  measures of body size that conflict, where the patient's other readings corroborate neither side, size
  no dose (``BsaConflict``);
* how far from a dose a height may be (``Plausibility.height_window``): a growing child's (under 18 at
  the dose) sizes only doses within a year of it; an adult's heights that disagree by more than
  ``ADULT_HEIGHT_FACTOR`` conflict (an adult's height does not change);
* a limb amputation recorded (``Plausibility.amputated_by``, read by ``clinical.amputations``): a height
  and weight give no amputee's BSA, so only a BSA charted since the amputation sizes a later dose;
* records dated before the patient's birth (``Plausibility.before_birth``): an administration so dated is
  never a dose; a diagnosis or an extravasation dated before birth or after the order that rests on it
  (``Plausibility.dated_conflict``) meets nothing, and what it would decide is unknown;
* records dated after today (``Plausibility.after_today``, ``FUTURE_AFTER``): nothing measured in the
  future is a measurement, so a height, weight or BSA so dated is set aside (``screen``) and a dated record
  a criterion rests on conflicts (``dated_conflict``), whatever the order's own date;
* a referral whose ``performerType`` names a specialty but whose performer the record shows is not of it
  (``referral_against_its_performer``, asked by ``clinical.prescriber``): no consultation by its type;
* a single dose no regimen gives (``dose_not_credible``, asked by ``clinical.doses`` and the ratio); a
  dose whose own words state an amount its structured dose contradicts (``words_disagree_with_dose``);
* a planned cumulative dose no regimen plans (``plan_beyond_ceiling``, asked by ``clinical.doses``): past
  the lifetime ceiling, the doses to come are one unknown part of the planned total.

Pure: the pool's Patient and the dates given; no clock.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from statistics import median
from types import MappingProxyType
from typing import NamedTuple

from cds_service.clinical.amputations import Amputation, amputations
from cds_service.clinical.codes import MAX_SINGLE_DOSE_MG_M2, MOST_PLANNED_CUMULATIVE_MG_M2, Agent
from cds_service.clinical.dates import age_in_years, birth_date_bounds
from cds_service.clinical.facts import DoseTotal, Fact
from cds_service.clinical.fhir_read import obj, parse_date, parse_datetime
from cds_service.clinical.limits import MEASUREMENTS_COMPARED
from cds_service.clinical.stated_ages import DAYS_A_YEAR, StatedAge, quantity_years, stated_ages
from cds_service.clinical.units import to_mg, to_mg_per_kg, to_mg_per_m2
from cds_service.fhir.pool import Resource, ResourcePool, reference_of
from cds_service.thresholds import ADULT_AGE

# Under this age a patient grows: a height measured more than ``GROWING_HEIGHT_WINDOW`` from a dose does
# not size it (the policy's own adult age, I.A.3.a).
GROWN_AT_YEARS = int(ADULT_AGE.value)
GROWING_HEIGHT_WINDOW = timedelta(days=365)

# Nothing measured in the future is a measurement (docs/facts.md "Plausibility", "Dates that cannot be").
# "Today" is the hook's date on the service's clock, not the EHR's, and a FHIR dateTime may carry any offset
# from -14:00 to +14:00 (``fhir_read``): today ends, in the last of those zones, at today's date + 1 day +
# 14 h UTC. Only a record dated later than that is after today wherever it was written (a reading charted
# this evening in Honolulu, already tomorrow in UTC, is kept). A date written without a time is read as the
# start of its day in UTC (``fhir_read.parse_datetime``): one dated tomorrow is kept (it may be today where
# it was measured), one dated the day after is not; ``dated_conflict`` compares days the same way.
FUTURE_AFTER = timedelta(days=1, hours=14)

# The oldest verified human age (Jeanne Calment, 122 years; Guinness World Records): an age beyond it is a
# birth date typed wrong, and "adult" or "pediatric" cannot be read from it.
OLDEST_HUMAN_YEARS = 122

# How far an age an Observation records may be from the age the birth date gives on the day it was
# recorded (our choice): an age is written in whole years, rounded down or to the nearest, so a year apart
# is one record's rounding; more is a wrong birth date or another patient's result.
AGE_STATED_WITHIN_YEARS = 1.0


# Medians of height (cm) and weight (kg) for age, girls' and boys' (the lower and the higher of the two):
# ages 0 and 1, WHO Child Growth Standards 2006 (length/height-for-age and weight-for-age, at birth and
# at 12 months); ages 2 to 20, CDC 2000 Growth Charts (Kuczmarski RJ et al., Vital Health Stat 11(246),
# 2002; data files statage.csv and wtage.csv, column M at 24.5, 36.5 ... 240 months). Age in whole years;
# 20 stands for every adult age.
_MEDIANS: dict[int, tuple[float, float, float, float]] = {
    0: (49.1, 49.9, 3.2, 3.3),
    1: (74.0, 75.7, 8.9, 9.6),
    2: (85.4, 86.9, 12.1, 12.7),
    3: (94.2, 95.3, 13.9, 14.4),
    4: (101.0, 102.5, 15.9, 16.3),
    5: (108.0, 109.2, 18.0, 18.5),
    6: (115.0, 115.7, 20.3, 20.8),
    7: (121.8, 122.0, 22.9, 23.2),
    8: (127.8, 128.1, 25.8, 25.8),
    9: (133.1, 133.7, 28.7, 29.1),
    10: (138.2, 138.8, 32.1, 33.1),
    11: (143.7, 144.3, 36.1, 37.4),
    12: (149.3, 151.5, 40.7, 41.8),
    13: (156.4, 157.3, 45.8, 46.0),
    14: (160.5, 164.1, 49.5, 51.2),
    15: (161.9, 170.1, 52.1, 56.5),
    16: (162.6, 173.6, 53.9, 61.1),
    17: (162.9, 175.3, 55.2, 64.7),
    18: (163.1, 176.2, 56.2, 67.3),
    19: (163.3, 176.6, 57.4, 69.2),
    20: (163.3, 176.8, 58.2, 70.6),
}
_ADULT_MEDIAN_AGE = max(_MEDIANS)

# Our bounds around those medians, wide enough never to set aside a real patient and tight enough to catch
# a unit in the wrong field: a height from 60% to 140% of the median (about -10 to +10 SD for age; a height
# in inches typed as centimetres is 39% of the true value, 49% for the tallest adult); a weight from 40% to
# 500% (cachexia to the heaviest patients treated; a weight in grams or in kilograms typed as pounds
# falls outside or is caught by agreement below). The bounds of a year of age span it: from the lower
# median at its start to the higher median at its end.
_HEIGHT_FACTORS = (0.6, 1.4)
_WEIGHT_FACTORS = (0.4, 5.0)
# Human extremes whatever the age (a premature newborn to the tallest and heaviest adults): also the
# bounds when the age is unknown, and the lower bounds in the first year of life (preterm infants).
_HUMAN_HEIGHT_CM = (30.0, 250.0)
_HUMAN_WEIGHT_KG = (0.4, 350.0)
_HUMAN_BSA_M2 = (0.1, 3.5)


class BodyRange(NamedTuple):
    height_cm: tuple[float, float]
    weight_kg: tuple[float, float]
    bsa_m2: tuple[float, float]


def _mosteller(height_cm: float, weight_kg: float) -> float:
    return math.sqrt(height_cm * weight_kg / 3600.0)


def _within(bounds: tuple[float, float], limits: tuple[float, float]) -> tuple[float, float]:
    return max(bounds[0], limits[0]), min(bounds[1], limits[1])


def _band(age: int) -> BodyRange:
    start = _MEDIANS[min(age, _ADULT_MEDIAN_AGE)]
    end = _MEDIANS[min(age + 1, _ADULT_MEDIAN_AGE)]
    height = _within((start[0] * _HEIGHT_FACTORS[0], end[1] * _HEIGHT_FACTORS[1]), _HUMAN_HEIGHT_CM)
    weight = _within((start[2] * _WEIGHT_FACTORS[0], end[3] * _WEIGHT_FACTORS[1]), _HUMAN_WEIGHT_KG)
    if age == 0:
        height, weight = (_HUMAN_HEIGHT_CM[0], height[1]), (_HUMAN_WEIGHT_KG[0], weight[1])
    bsa = _within((_mosteller(height[0], weight[0]), _mosteller(height[1], weight[1])), _HUMAN_BSA_M2)
    return BodyRange(height, weight, bsa)


# The plausible height, weight and BSA for each whole year of age (the last for every adult age).
BODY_RANGES: MappingProxyType[int, BodyRange] = MappingProxyType({age: _band(age) for age in _MEDIANS})
HUMAN_RANGE = BodyRange(
    _HUMAN_HEIGHT_CM,
    _HUMAN_WEIGHT_KG,
    _within((_mosteller(_HUMAN_HEIGHT_CM[0], _HUMAN_WEIGHT_KG[0]), 99.0), _HUMAN_BSA_M2),
)

# Agreement with the patient's other measurements of the same kind (our choice): a reading half or double
# most of the others near it is set aside. Real change is slower: an infant gains at most 1.9x its
# weight in its first three months (WHO weight-for-age, birth to 3 months), an adult's height does not
# change; pounds typed as kilograms are 2.2x, inches as centimetres 2.54x, a weight 10x the others 10x.
AGREEMENT_FACTOR = 2.0
# An adult's heights agree within a tighter factor (our choice): adult height is stable, the height lost
# with age is about 3 cm in men and 5 cm in women by 70, 5 and 8 cm by 80 (Sorkin JD, Muller DC, Andres R,
# Longitudinal change in height of men and women: implications for interpretation of the body mass index,
# Am J Epidemiol 1999;150(9):969-977), under 5 % of an adult height, and a stadiometer reads within a
# centimetre or two. Two adult heights 10 % or more apart are not one patient's body measured twice (an
# amputee measured after the loss, another patient's height, a typing slip): the majority rule below then
# sets aside the one the others do not bear out, and of two that disagree, both.
ADULT_HEIGHT_FACTOR = 1.10
# "Near": a weight or BSA within 90 days; a growing child's height within a year; an adult's height at
# any time (compared with the patient's other adult heights only). At most ``limits.MEASUREMENTS_COMPARED``
# readings on each side are compared.
AGREEMENT_WINDOW = timedelta(days=90)
AGREEMENT_NEIGHBOURS = MEASUREMENTS_COMPARED.value
# A reading that jumps away from the patient's readings on both sides of it and back (our choice): one
# further than this factor from the reading just before it and the one just after it, on the same side of
# both, and from most of the readings near it, is set aside (41 kg a week after 69 kg and a week before
# 68.8 kg). Real change runs one way: a steady loss or a child's growth lies between its neighbours, never
# beyond both. What comes and goes is fluid: overload of 20 % and more of body weight in critically ill
# children (Sutherland SM et al., Am J Kidney Dis 2010;55(2):316-325), a paracentesis of 5 to 10 L. A weight
# 30 % from both sides is beyond it; a BSA, the square root of the weight for one height, 20 % (beyond the
# spread of the BSA formulas and a BSA capped at 2.0 m2 beside the actual, 15 %); a growing child's height,
# which never shrinks and grows back, ``ADULT_HEIGHT_FACTOR``. Only a reading with a neighbour on each side
# within its window is judged: a step at the end of a series may be the start of a real change.
JUMP_FACTORS = MappingProxyType({"weight": 1.3, "bsa": 1.2, "height": ADULT_HEIGHT_FACTOR})
# A charted BSA further than this factor from the BSA its height and weight give (Mosteller, both measured
# within ``AGREEMENT_WINDOW`` of it) conflicts with them: BSA formulas differ by under 15% (Mosteller,
# DuBois, Haycock, Gehan-George, Boyd), and a BSA capped at 2.0 m² stays within it up to an actual 3.0 m²; a
# height in inches gives 1.59x.
BSA_AGREEMENT_FACTOR = 1.5
# Which side of such a conflict is wrong cannot be told from the two alone: another reading near it (a
# charted BSA, or the Mosteller BSA of another height and weight) within this factor of one side
# corroborates that side (the spread of the BSA formulas; with sides 1.5x apart no
# reading is within it of both). One side corroborated: the other is set aside. Neither, or both (each
# side repeated, as a BSA carried forward from a treatment plan beside the weights of each visit): neither
# sizes a dose.
BSA_CORROBORATION_FACTOR = 1.15
# A lone weight (no other weight within ``AGREEMENT_WINDOW`` to compare it with) whose body-mass index with
# the height nearest it falls outside this range is set aside, from 2 years of age (our choice: far beyond
# the WHO classes, severe thinness below 16 and obesity class III from 40 kg/m², and beyond the extremes
# case reports describe; a preterm infant's BMI can be under 7, so infants are not held to it). An adult's
# weight in pounds typed as kilograms beside a short height, or a weight ten times the true one, falls
# outside; the height itself is held to its own range.
BMI_RANGE = (7.5, 100.0)
BMI_FROM_AGE = 2

_UNITS = {"height": "cm", "weight": "kg", "bsa": "m2"}


class Reading(NamedTuple):
    """One body measurement as read (``clinical.bsa``): its kind ("height", "weight", "bsa"), its time,
    its value in cm, kg or m², and the Observation it came from."""

    kind: str
    when: datetime
    value: float
    reference: str


class BsaConflict(NamedTuple):
    """A charted BSA and the height and weight measured nearest it that disagree, neither side
    corroborated by the patient's other readings: neither the BSA nor the Mosteller BSA of that height
    and weight sizes a dose (``clinical.bsa``)."""

    bsa: str  # the charted BSA's reference
    pair: tuple[str, str]  # (height, weight) references
    reason: str


@dataclass(frozen=True)
class Screened:
    """The readings kept, by kind, and each one set aside with why (sorted: the order the Observations
    came in does not matter); ``conflicts``: charted BSAs and height-weight pairs that conflict, kept out
    of use together."""

    kept: Mapping[str, list[Reading]]
    set_aside: tuple[str, ...]
    aside_by_kind: Mapping[str, int] = field(default_factory=dict)
    conflicts: tuple[BsaConflict, ...] = ()


def dose_not_credible(agent: Agent, mg_m2: float | None) -> str:
    """Why one dose of ``mg_m2`` is no dose of ``agent`` a regimen gives (above ``MAX_SINGLE_DOSE_MG_M2``,
    about twice the highest labelled single dose: "50 g" charted for 50 mg), or "" when it is credible."""
    limit = MAX_SINGLE_DOSE_MG_M2.get(agent)
    if mg_m2 is None or limit is None or mg_m2 <= limit:
        return ""
    return f"{mg_m2:.0f} mg/m2 in one dose of {agent.value} is not credible (a charting slip?)"


def plan_beyond_ceiling(given: DoseTotal, planned: DoseTotal, plan: Sequence[str]) -> DoseTotal:
    """``planned`` (the doses given and those still to come, from the orders and plans ``plan`` names), or,
    when the doses to come, on their own, plan more than ``MOST_PLANNED_CUMULATIVE_MG_M2``, the same total
    with those doses one unknown part: no course plans more than the lifetime ceiling still to come, so
    such a plan (30 doses for 3, 450 mg/m² for 45) is a count or a dose typed wrong and its total is not
    known. The doses given stay counted: they were given, whatever the plan says. Only the doses to come are
    held to it: a member continuing doxorubicin under dexrazoxane may rightly pass 550 mg/m² in all, which
    is what dexrazoxane is given for."""
    to_come = planned.known_mg_m2 - given.known_mg_m2
    if not plan or to_come <= MOST_PLANNED_CUMULATIVE_MG_M2:
        return planned
    why = (
        f"{', '.join(plan)}: the doses to come plan {to_come:.0f} mg/m2, past the "
        f"{MOST_PLANNED_CUMULATIVE_MG_M2:.0f} mg/m2 lifetime ceiling no course plans still to come (a "
        "count or a dose typed wrong?): not a plan to decide on, its doses not counted"
    )
    return replace(
        planned,
        known_mg_m2=given.known_mg_m2,
        unknown_parts=planned.unknown_parts + 1,
        evidence=tuple(ref for ref in planned.evidence if ref not in plan),
        unknown_evidence=tuple(dict.fromkeys((*planned.unknown_evidence, *plan))),
        reason=f"{planned.reason}; {why}",
        unknown_reasons=(*planned.unknown_reasons, why),
        past_ceiling=tuple(plan),
    )


# Amounts written for one dose (an order's doseAndRate "ordered" beside "calculated", in mg/m² and in mg)
# agree when, once both are in mg/m² through the current BSA, they are within this of each other (our
# choice): a calculated dose is rounded (to the whole mg or a vial, within 5 %: the dose-rounding practice
# of Fahrenbruch et al., J Oncol Pract 2018;14(3):e130-e136, endorsed by HOPA) and the BSA it was worked
# from may be a day or a rounding away from ours. Beyond it they are two doses, and which is meant is not
# known.
WRITTEN_DOSES_AGREE_WITHIN = 0.05


def written_doses_disagree(reference: str, written: Sequence[tuple[str, float | None]]) -> str:
    """Why the amounts one dosage line writes for one dose (``written``: each as said, "250 mg/m2
    (ordered)", with its mg/m², ``None`` when it cannot be had) are no one dose, or "": beyond
    ``WRITTEN_DOSES_AGREE_WITHIN`` of each other, or not comparable (one cannot be put in mg/m²: no BSA)."""
    if len(written) < 2:
        return ""
    said = " beside ".join(
        f"{what} ({value:.0f} mg/m2)" if value is not None and "mg/m2 " not in what + " " else what
        for what, value in written
    )
    values = [value for _what, value in written]
    if any(value is None for value in values):
        return f"{reference} writes one dose as {said}, not comparable in mg/m2: the dose is not known"
    known = [value for value in values if value is not None]
    low, high = min(known), max(known)
    if high <= 0 or (high - low) <= WRITTEN_DOSES_AGREE_WITHIN * high:
        return ""
    return f"{reference} writes one dose as {said}, which disagree: which is meant is not known"


def words_disagree_with_dose(
    charted: tuple[float, str],
    stated: Sequence[tuple[float, str]],
    per_m2: Callable[[tuple[float, str]], float | None],
) -> str:
    """Why a dose charted as ``charted`` is not what its own words state (``stated``: the amounts its
    dosage text, or a note naming its drug, writes; ``administrations.stated_amounts``), or "". An amount
    stated in the charted dose's own kind of unit (mg, mg/m², mg/kg) is compared as written; one in another
    kind through ``per_m2`` (the dose's BSA, or the weight nearest it), when it can be had. When at least
    one stated amount can be compared and none agrees within ``WRITTEN_DOSES_AGREE_WITHIN`` (one stating
    the dose two ways, "60 mg/m2 x BSA 1.77 m2 = 106 mg", agrees when either does), the structured dose
    contradicts its own words (the mg figure typed under the mg/m² unit): which was given is not known."""
    if not stated:
        return ""
    compared: list[str] = []
    charted_m2: float | None = None
    charted_m2_read = False
    for amount in stated:
        same = _same_kind(charted, amount)
        if same is not None:
            one, other = same
        else:
            if not charted_m2_read:
                charted_m2, charted_m2_read = per_m2(charted), True
            converted = per_m2(amount)
            if charted_m2 is None or converted is None:
                continue
            one, other = charted_m2, converted
        if max(one, other) <= 0 or abs(one - other) <= WRITTEN_DOSES_AGREE_WITHIN * max(one, other):
            return ""
        shown = f"{amount[0]:g} {amount[1]}"
        compared.append(shown if same is not None else f"{shown} ({other:.0f} mg/m2 with its BSA)")
    if not compared:
        return ""
    return (
        f"its dose is charted as {charted[0]:g} {charted[1]}, but its own words state {', '.join(compared)}: "
        "the structured dose contradicts them, and which was given is not known: not counted"
    )


def _same_kind(one: tuple[float, str], other: tuple[float, str]) -> tuple[float, float] | None:
    """Both amounts on one scale when they are of one kind of unit (mg, mg/m² or mg/kg), else ``None``."""
    for convert in (to_mg, to_mg_per_m2, to_mg_per_kg):
        first, second = convert(*one), convert(*other)
        if first is not None and second is not None:
            return first, second
    return None


def referral_against_its_performer(referral: str, performer_type: str, performers: Sequence[str]) -> str:
    """Why a referral's ``performerType`` (``performer_type``: the codes it names) is no consultation with
    that specialty, or "": each of ``performers`` (as said: "Practitioner/x, the prescriber, whose specialty
    is read as 207R00000X") is a performer it names whom the record shows is not of that specialty. A
    referral "to medical oncology" performed by the internist who prescribes names no oncologist: the record
    contradicts itself, and whether an oncologist was consulted is not known (docs/facts.md "A consultation
    performed by someone the record shows is not of its specialty")."""
    if not performers:
        return ""
    return (
        f"{referral} is a referral to {performer_type} but its performer is {'; '.join(performers)}: the "
        "record contradicts itself and names no one of that specialty, so the consultation is not known"
    )


def vital_status(patient: Resource | Sequence[Resource] | None, on: date) -> Fact[bool]:
    """Whether the patient is recorded as deceased (``True``), with the reason the card states.

    ``deceasedBoolean`` true says the patient is dead as the record stands, so by the order date of any
    order signed now: no approval. A ``deceasedDateTime`` on or before the order date says so with a date;
    one after it (a death after the order was written, or a date in the future) still records the patient
    as deceased, and no order signed on such a record can be approved either. A deceased element that
    cannot be read is read as deceased, never as alive. Given every copy of the Patient the request holds
    (``patient_copies``), one that records a death is read whatever the others say, and the reason says
    they disagree: the order of the copies decides nothing."""
    copies = [patient] if isinstance(patient, dict) else list(patient or ())
    if not copies:
        return Fact(False, (), "no Patient in the data")
    found = sorted(
        (_vital_status(copy, on) for copy in copies), key=lambda fact: (not fact.value, fact.reason)
    )
    dead = found[0]
    if dead.value and not found[-1].value:
        others = "another copy of it does not" if len(copies) == 2 else "other copies of it do not"
        return Fact(True, dead.evidence, f"{dead.reason} ({others})")
    return dead


def _vital_status(patient: Resource, on: date) -> Fact[bool]:
    reference = reference_of(patient)
    flag = patient.get("deceasedBoolean")
    written = patient.get("deceasedDateTime")
    if written is not None:
        died = parse_date(written)
        if died is None:
            why = f"the Patient is recorded as deceased (date {written!r} unreadable)"
            return Fact(True, (reference,), why)
        when = "on or before" if died <= on else "after"
        return Fact(
            True,
            (reference,),
            f"the Patient is recorded as deceased on {died.isoformat()}, {when} the order date "
            f"{on.isoformat()}",
        )
    if flag is True:
        return Fact(True, (reference,), "the Patient is recorded as deceased (no date of death)")
    if flag is not None and flag is not False:
        why = f"the Patient's deceased flag {flag!r} cannot be read: taken as deceased"
        return Fact(True, (reference,), why)
    return Fact(False, (reference,), "the Patient is not recorded as deceased")


def the_patient(pool: ResourcePool) -> Resource | None:
    """The request's Patient: the one ``context.patientId`` names, else the first one sent."""
    found = pool.get("Patient", pool.patient_id) if pool.patient_id else None
    if found is not None:
        return found
    patients = pool.of_type("Patient")
    return patients[0] if patients else None


def patient_copies(pool: ResourcePool) -> list[Resource]:
    """Every copy of the request's Patient it holds (its versions, the same Patient under several keys),
    each distinct one once: what the patient's birth date and vital status are read from."""
    patient = the_patient(pool)
    if patient is None:
        return []
    return pool.copies("Patient", patient["id"]) if isinstance(patient.get("id"), str) else [patient]


class _BirthDate(NamedTuple):
    """The birth date the copies of the Patient give: the days it allows (``bounds``), as the reasons write
    it, and why the copies disagree ("" when they agree)."""

    bounds: tuple[date, date] | None
    written: str
    conflict: str = ""
    unread: bool = False  # one of the copies' birth dates cannot be read: no day's age is known


def _birth_date(birth_date: object, others: Sequence[object]) -> _BirthDate:
    """One birth date from the copies' own: dates that overlap (``1972`` and ``1972-03-14``) are one date,
    the narrowest; dates that do not, or one that cannot be read beside one that can, disagree: the days
    any of them allows, and the conflict named."""
    given: dict[str, object] = {}
    for value in (birth_date, *others):
        if value is not None:
            given.setdefault(str(value).strip(), value)
    if len(given) <= 1:
        # one date among the copies (the last copy may lack what an earlier one gives)
        only = next(iter(given.values()), birth_date)
        return _BirthDate(birth_date_bounds(only), str(only).strip())
    read = sorted(
        ((bounds, text) for text, value in given.items() if (bounds := birth_date_bounds(value)) is not None),
        key=lambda found: (found[0], found[1]),
    )
    unread = sorted(text for text, value in given.items() if birth_date_bounds(value) is None)
    shown = [text for _, text in read] + [repr(text[:40]) for text in unread]
    if read and not unread and max(b[0] for b, _ in read) <= min(b[1] for b, _ in read):
        narrowest = min(read, key=lambda found: (found[0][1] - found[0][0], found[1]))
        return _BirthDate(narrowest[0], narrowest[1])
    bounds = (read[0][0][0], max(b[1] for b, _ in read)) if read else None
    conflict = f"the Patient's copies give {len(shown)} birth dates, {', '.join(shown[:-1])} and {shown[-1]}"
    return _BirthDate(bounds, " or ".join(shown), conflict, bool(unread))


# An age written in words in an onset text ("52 years", "age 52", "52 y/o"): read only to find an onset
# older than the patient could be, which no reading of the words (an age, a time ago, a duration) allows.
_YEARS_WRITTEN = re.compile(r"\bage\s*(\d{1,3})\b|\b(\d{1,3})\s*(?:years?|yrs?|y/?o)\b", re.IGNORECASE)


class Plausibility:
    """What one patient's record can vouch for: asked by the readers (age, body measurements,
    administrations) so the same rules hold everywhere."""

    def __init__(
        self,
        birth_date: object = None,
        amputated: tuple[Amputation, ...] = (),
        today: date | None = None,
        *,
        other_birth_dates: Sequence[object] = (),
        stated: Sequence[StatedAge] = (),
    ) -> None:
        """``birth_date`` the Patient's; ``other_birth_dates`` those its other copies give (versions,
        copies under other keys); ``stated`` the ages Observations record. ``today``: the hook's date, past
        which nothing is measured yet (``after_today``); ``None``: not known here (a reader asked alone, in
        a test), and no record is held to it."""
        born = _birth_date(birth_date, other_birth_dates)
        self._written, self._bounds, self._birth_conflict = born.written, born.bounds, born.conflict
        self._birth_unread = born.unread
        self._amputated = amputated
        self._today = today
        self._latest = (
            None if today is None else datetime(today.year, today.month, today.day, tzinfo=UTC) + FUTURE_AFTER
        )
        self._stated = tuple(stated)
        self._stated_conflict = self._dated_stated_conflict()
        # age_on by day: asked for every BSA reading near every dose of a long history (growing_on)
        self._ages: dict[date, tuple[int | None, str]] = {}

    @classmethod
    def of(cls, pool: ResourcePool, today: date | None = None) -> Plausibility:
        copies = patient_copies(pool)
        written = [copy.get("birthDate") for copy in copies]
        return cls(
            written[-1] if written else None,
            amputations(pool),
            today,
            other_birth_dates=written[:-1],
            stated=stated_ages(pool),
        )

    def after_today(self, when: datetime) -> str:
        """ "after today (2026-11-28)" when a record of ``when`` cannot have happened yet, later than today's
        end in every time zone (``FUTURE_AFTER``); "" when it can (or today is not known here)."""
        if self._latest is None or self._today is None or when <= self._latest:
            return ""
        return f"after today ({self._today.isoformat()})"

    def order_written(self, order: Resource) -> tuple[date | None, str]:
        """The one reading of the day an order was written (``authoredOn``, DSTU2 ``dateWritten``) that
        every date fact of the order rests on (approval start, age, windows), and why it was set aside
        (``""`` when it was not): an order being signed now cannot have been written on a later day, so a
        date after today (later than today's end in every time zone, ``after_today``) is not a fact and the
        order is read as of today (docs/facts.md "An order written after today")."""
        written = order.get("authoredOn") or order.get("dateWritten")
        day = parse_date(written)
        moment = parse_datetime(written)
        if day is None or moment is None or not (future := self.after_today(moment)):
            return day, ""
        return (
            None,
            f"{reference_of(order)}: its date {day.isoformat()} is {future}: set aside, read as of today",
        )

    def amputated_by(self, day: date) -> Amputation | None:
        """The limb amputation the record states by ``day`` (one with no date is taken as before it),
        the latest first: a height and weight measured then give no BSA for the body they measure."""
        found = [a for a in self._amputated if a.on is None or a.on <= day]
        return max(found, key=lambda a: (a.on or date.min, a.reference)) if found else None

    @property
    def earliest_birth(self) -> date | None:
        return self._bounds[0] if self._bounds else None

    def age_on(self, day: date) -> tuple[int | None, str]:
        """Whole years on ``day``, or ``None`` with why: no birth date, a partial one allowing two ages,
        a day before the birth date (the record contradicts itself), or an age no human reached."""
        found = self._ages.get(day)
        if found is None:
            found = self._ages[day] = self._age_on(day)
        return found

    def _age_on(self, day: date) -> tuple[int | None, str]:
        if self._bounds is None:
            if self._birth_conflict:
                return None, f"{self._birth_conflict}, none readable: the age is not known"
            return None, "the Patient has no birth date"
        oldest, youngest = age_in_years(self._bounds[0], day), age_in_years(self._bounds[1], day)
        written, on = self._written, day.isoformat()
        if day < self._bounds[0]:
            return None, f"{on} is before the birth date {written}: the record contradicts itself"
        if youngest < 0:
            return None, f"the birth date {written} may fall after {on}"
        if oldest > OLDEST_HUMAN_YEARS:
            return None, f"the birth date {written} makes the patient {oldest} on {on}: not plausible"
        if self._birth_conflict and (oldest != youngest or self._birth_unread):
            ages = f"age {youngest} or {oldest}" if oldest != youngest else f"age {oldest} or not known"
            return None, f"{self._birth_conflict}: {ages} on {on}, which is right is not known"
        if oldest != youngest:
            return None, f"the birth date {written} allows age {youngest} or {oldest} on {on}"
        if conflict := self._stated_conflict or self._undated_stated_conflict(day):
            return None, conflict
        if self._birth_conflict:
            return oldest, f"age on {on} (the birth dates {written} agree on it)"
        return oldest, f"age on {on}"

    def _stated_against_birth(self, stated: StatedAge, day: date) -> str:
        """Why the age ``stated`` (recorded for ``day``) cannot be the birth date's then, "" when it can."""
        if self._bounds is None:
            return ""
        if stated.years is None:
            return (
                f"{stated.reference} records an age that cannot be read ({stated.said}) beside the birth "
                f"date {self._written}: the age is not known"
            )
        youngest = (day - self._bounds[1]).days / DAYS_A_YEAR
        oldest = (day - self._bounds[0]).days / DAYS_A_YEAR
        older = stated.years > oldest + AGE_STATED_WITHIN_YEARS
        if not older and stated.years >= youngest - AGE_STATED_WITHIN_YEARS:
            return ""
        by_birth = age_in_years(self._bounds[0], day) if day >= self._bounds[0] else 0
        when = f"on {stated.on.isoformat()}" if stated.on is not None else "undated"
        return (
            f"{stated.reference} records age {stated.said} ({when}), the birth date {self._written} gives "
            f"{by_birth} on {day.isoformat()}: more than {AGE_STATED_WITHIN_YEARS:g} year apart, which is "
            "right is not known"
        )

    def _dated_stated_conflict(self) -> str:
        """The first dated age recorded that the birth date cannot give (oldest first), "" when none."""
        for stated in self._stated:
            if (stated.on is not None or stated.years is None) and (
                why := self._stated_against_birth(stated, stated.on or date.max)
            ):
                return why
        return ""

    def _undated_stated_conflict(self, day: date) -> str:
        """An undated age recorded that the birth date cannot give on ``day``: when it was recorded is not
        read, and not read is not absent: it may be as recent as the day asked about, so an age younger
        than the birth date's then conflicts as an older one does (a record that lost its date says no less
        than the one that kept it: docs/facts.md "Information loss never flips a decision")."""
        for stated in self._stated:
            if (
                stated.on is None
                and stated.years is not None
                and (why := self._stated_against_birth(stated, day))
            ):
                return why
        return ""

    def onset_not_the_patients(self, condition: Resource) -> str:
        """Why the onset a Condition states cannot be this patient's (``""`` when it can): an age at onset
        (``onsetAge``, the low end of ``onsetRange``, "52 years" in ``onsetString``) more than
        ``AGE_STATED_WITHIN_YEARS`` older than the patient could be when it was recorded (``recordedDate``,
        else today), or a date in ``onsetString`` before the birth (``onsetDateTime`` is held to the birth
        by ``dated_conflict``). A parent's history filed in the child's chart: the Condition is not a fact
        of this patient's, what it would meet unknown, named (docs/facts.md "An onset that cannot be the
        patient's")."""
        if self._bounds is None:
            return ""
        written = condition.get("onsetString")
        text = written.strip()[:80] if isinstance(written, str) else ""
        if text and (day := parse_date(text)) is not None and self.before_birth(day):
            return f"states its onset {text!r}, before the birth date {self._written}"
        stated: list[tuple[float | None, str]] = []
        if condition.get("onsetAge") is not None:
            stated.append(quantity_years(condition.get("onsetAge")))
        if condition.get("onsetRange") is not None:
            stated.append(quantity_years(obj(condition.get("onsetRange")).get("low")))
        if text and (match := _YEARS_WRITTEN.search(text)):
            stated.append((float(match.group(1) or match.group(2)), repr(text)))
        recorded = parse_date(
            condition.get("recordedDate") or condition.get("assertedDate") or condition.get("dateRecorded")
        )
        on = min(recorded, self._today) if recorded and self._today else (recorded or self._today)
        if on is None:
            return ""
        oldest = (on - self._bounds[0]).days / DAYS_A_YEAR
        for years, said in stated:
            if years is not None and years > oldest + AGE_STATED_WITHIN_YEARS:
                by_birth = age_in_years(self._bounds[0], on) if on >= self._bounds[0] else 0
                return (
                    f"states its onset at age {said}, older than the patient ({by_birth} on "
                    f"{on.isoformat()}, born {self._written}): not the patient's"
                )
        return ""

    def before_birth(self, day: date | None) -> bool:
        """Whether ``day`` is surely before the patient was born (before the earliest day a partial birth
        date allows)."""
        return day is not None and self._bounds is not None and day < self._bounds[0]

    def dated_conflict(self, day: date | None, on: date, *, after: bool = True) -> str:
        """Why a record the criteria of an order of ``on`` rest on cannot be as dated (``""`` when it can):
        dated before the patient's birth, it contradicts the birth date or itself; dated after the order,
        it is an event the order could not have rested on when it was written (and, for an order signed
        today, one still to come). Either way its date is not a fact: the record meets nothing, and what it
        would decide is unknown, named (docs/facts.md "Plausibility", dates that cannot be). The birth date
        itself stands: see docs/decisions.md "A record dated before the birth". ``after``: whether a day
        after the order conflicts too (not for the day a diagnosis was recorded: the problem list may catch
        up with an order already written)."""
        if day is None:
            return ""
        if self.before_birth(day):
            return f"dated {day.isoformat()}, before the birth date {self._written}"
        if after and day > on:
            return f"dated {day.isoformat()}, after the order of {on.isoformat()} that rests on it"
        # Whatever the order's own date (one written for a later day, or a diagnosis recorded after it): an
        # event dated after today has not happened yet (days read as their start in UTC, ``FUTURE_AFTER``).
        if future := self.after_today(datetime(day.year, day.month, day.day, tzinfo=UTC)):
            return f"dated {day.isoformat()}, {future}: an event still to come"
        return ""

    def growing_on(self, day: date) -> bool:
        """Whether the patient is under 18 on ``day``; an age that cannot be read is taken as growing (a
        height then sizes only doses within a year of it)."""
        age, _ = self.age_on(day)
        return age is None or age < GROWN_AT_YEARS

    def height_window(self, day: date) -> timedelta:
        """How far from a dose on ``day`` a height may be measured and still size it."""
        return GROWING_HEIGHT_WINDOW if self.growing_on(day) else timedelta.max

    def body_range(self, day: date) -> tuple[BodyRange, str]:
        """The plausible height, weight and BSA on ``day``, and for whom ("age 54", "any age")."""
        age, _ = self.age_on(day)
        if age is None:
            return HUMAN_RANGE, "any age"
        return BODY_RANGES[min(age, _ADULT_MEDIAN_AGE)], f"age {age}"

    def screen(self, readings: Iterable[Reading]) -> Screened:
        """The body measurements the record can vouch for, and each one set aside with why: before birth,
        after today (``after_today``), outside the plausible range for the age, far from the patient's
        other measurements of its kind, or (a charted BSA) far from what the height and weight measured
        with it give."""
        notes: list[str] = []
        counts = dict.fromkeys(_UNITS, 0)
        plausible: dict[str, list[Reading]] = {kind: [] for kind in _UNITS}
        for reading in readings:
            why = self._implausible(reading)
            if why:
                notes.append(f"{reading.reference} set aside: {_shown(reading)} {why}")
                counts[reading.kind] = counts.get(reading.kind, 0) + 1
            else:
                plausible.setdefault(reading.kind, []).append(reading)
        kept: dict[str, list[Reading]] = {}
        for kind, found in plausible.items():
            found.sort(key=lambda r: (r.when, r.reference))
            outliers = self._outliers(found)
            notes += [note for _, note in outliers]
            counts[kind] = counts.get(kind, 0) + len(outliers)
            aside = {reference for reference, _ in outliers}
            kept[kind] = [r for r in found if r.reference not in aside]
        for reference, note in self._lone_weights(kept["weight"], kept["height"]):
            notes.append(note)
            counts["weight"] += 1
            kept["weight"] = [r for r in kept["weight"] if r.reference != reference]
        conflicts: dict[tuple[str, tuple[str, str]], BsaConflict] = {}
        for conflict in _bsa_conflicts(kept["bsa"], kept["height"], kept["weight"], self.height_window):
            notes.append(conflict.reason)
            if isinstance(conflict, BsaConflict):
                conflicts.setdefault((conflict.bsa, conflict.pair), conflict)
            else:  # the height and weight are corroborated: the charted BSA alone is set aside
                counts["bsa"] += 1
                kept["bsa"] = [r for r in kept["bsa"] if r.reference != conflict.reference]
        return Screened(
            kept, tuple(sorted(notes)), MappingProxyType(counts), tuple(sorted(conflicts.values()))
        )

    def _lone_weights(self, weights: list[Reading], heights: list[Reading]) -> list[tuple[str, str]]:
        """Weights with no other weight near them to be compared with whose BMI with the height nearest
        them (within the height's window) is outside ``BMI_RANGE``, from ``BMI_FROM_AGE``."""
        found: list[tuple[str, str]] = []
        times = [r.when for r in weights]
        for index, reading in enumerate(weights):
            age, _ = self.age_on(reading.when.date())
            if age is None or age < BMI_FROM_AGE:
                continue
            low = bisect_left(times, reading.when - AGREEMENT_WINDOW)
            near = [
                other
                for other in weights[
                    max(low, index - AGREEMENT_NEIGHBOURS) : index + 1 + AGREEMENT_NEIGHBOURS
                ]
                if other is not reading and abs(other.when - reading.when) <= AGREEMENT_WINDOW
            ]
            if near:
                continue
            height = _nearest(heights, reading.when, self.height_window(reading.when.date()))
            if height is None or height.value <= 0:
                continue
            bmi = reading.value / (height.value / 100.0) ** 2
            if BMI_RANGE[0] <= bmi <= BMI_RANGE[1]:
                continue
            found.append(
                (
                    reading.reference,
                    f"{reading.reference} set aside: {_shown(reading)} with the height "
                    f"{_number(height.value)} cm ({height.reference}) is a body-mass index of "
                    f"{_number(bmi)}: outside the plausible "
                    f"{_number(BMI_RANGE[0])}-{_number(BMI_RANGE[1])} (a unit in the wrong field?)",
                )
            )
        return found

    def _implausible(self, reading: Reading) -> str:
        day = reading.when.date()
        if self.before_birth(day):
            return f"is before the birth date {str(self._written).strip()}"
        if future := self.after_today(reading.when):
            return f"is dated {future}: nothing measured in the future is a measurement"
        ranges, whom = self.body_range(day)
        low, high = getattr(ranges, _FIELDS[reading.kind])
        if low <= reading.value <= high:
            return ""
        unit = _UNITS[reading.kind]
        return (
            f"is outside the plausible {_number(low)}-{_number(high)} {unit} for {whom} "
            "(a unit in the wrong field?)"
        )

    def _outliers(self, readings: list[Reading]) -> list[tuple[str, str]]:
        """Readings half or double the median of the patient's other readings of their kind near them (an
        adult's height: 10 % from the patient's other adult heights), and readings that jump away from the
        readings on both sides of them and back (``JUMP_FACTORS``)."""
        found: list[tuple[str, str]] = []
        times = [r.when for r in readings]
        # Whether each height was taken at an adult age, read once per reading (not once per neighbour)
        grown = [r.kind == "height" and not self.growing_on(r.when.date()) for r in readings]
        for index, reading in enumerate(readings):
            # "Near": a weight or BSA within 90 days, a growing child's height within a year, an adult's
            # height at any time
            window = GROWING_HEIGHT_WINDOW if reading.kind == "height" else AGREEMENT_WINDOW
            if grown[index]:
                window = timedelta.max
            low = bisect_left(times, reading.when - window) if window != timedelta.max else 0
            # An adult's height is compared with the patient's other adult heights, within a tighter factor
            adult_height = grown[index]
            factor = ADULT_HEIGHT_FACTOR if adult_height else AGREEMENT_FACTOR
            first = max(low, index - AGREEMENT_NEIGHBOURS)
            near = [
                other
                for other in (
                    *range(first, index),
                    *range(index + 1, min(len(readings), index + 1 + AGREEMENT_NEIGHBOURS)),
                )
                if abs(readings[other].when - reading.when) <= window
                and not (adult_height and not grown[other])
            ]
            neighbours = [readings[other].value for other in near]
            far = [value for value in neighbours if _far(reading.value, value, factor)]
            # Most of the readings near it disagree: one outlier among several agreeing readings cannot set
            # them aside, and of two readings that disagree neither can be trusted.
            if far and len(far) * 2 > len(neighbours):
                unit = _UNITS[reading.kind]
                middle = f"median {_number(median(neighbours))} {unit}"
                said = (
                    f"is {round((ADULT_HEIGHT_FACTOR - 1) * 100)} % or more from the patient's other adult "
                    f"heights ({len(far)} of {len(neighbours)}, {middle}): an adult's height does not change"
                    if adult_height
                    else f"is far from the patient's other {reading.kind} readings ({len(far)} of "
                    f"{len(neighbours)} near it, {middle})"
                )
                found.append((reading.reference, f"{reading.reference} set aside: {_shown(reading)} {said}"))
                continue
            jump = _jump(reading, [readings[other] for other in near])
            if jump:
                found.append((reading.reference, f"{reading.reference} set aside: {_shown(reading)} {jump}"))
        return found


def _jump(reading: Reading, near: list[Reading]) -> str:
    """Why ``reading`` jumps away from the patient's readings on both sides of it and back, or "": beyond
    ``JUMP_FACTORS`` from the reading just before it and the one just after it (``near``: the readings near
    it, in time order), on the same side of both, and from most of ``near``."""
    factor = JUMP_FACTORS[reading.kind]
    before = [r for r in near if (r.when, r.reference) < (reading.when, reading.reference)]
    after = [r for r in near if (r.when, r.reference) > (reading.when, reading.reference)]
    if not before or not after:
        return ""
    sides = (before[-1], after[0])
    below = all(reading.value < side.value for side in sides)
    above = all(reading.value > side.value for side in sides)
    if not (below or above) or not all(_far(reading.value, side.value, factor) for side in sides):
        return ""
    far = [r for r in near if _far(reading.value, r.value, factor) and (r.value > reading.value) == below]
    if len(far) * 2 <= len(near):
        return ""
    unit = _UNITS[reading.kind]
    said = " and ".join(f"{_number(side.value)} {unit} on {side.when.date().isoformat()}" for side in sides)
    lost, regained = ("loses", "regains") if below else ("gains", "loses")
    return (
        f"jumps {'down' if below else 'up'} from the readings either side of it ({said}) and back, by a "
        f"factor of {_number(factor)} or more ({len(far)} of {len(near)} near it that far): a body "
        f"{lost} no such share and {regained} it between two readings"
    )


_FIELDS = {"height": "height_cm", "weight": "weight_kg", "bsa": "bsa_m2"}


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value < 10 else f"{value:.1f}".removesuffix(".0")


def _shown(reading: Reading) -> str:
    value = f"{_number(reading.value)} {_UNITS[reading.kind]}"
    return f"{reading.kind} {value} on {reading.when.date().isoformat()}"


def _far(value: float, other: float, factor: float) -> bool:
    return value > 0 and other > 0 and max(value / other, other / value) >= factor


def _nearest(readings: list[Reading], when: datetime, window: timedelta = AGREEMENT_WINDOW) -> Reading | None:
    near = [r for r in readings if abs(r.when - when) <= window]
    return min(near, key=lambda r: (abs(r.when - when), r.reference)) if near else None


def _near(
    readings: list[Reading], when: datetime, window: timedelta = AGREEMENT_WINDOW, *, besides: str = ""
) -> list[Reading]:
    """Up to ``AGREEMENT_NEIGHBOURS`` readings nearest ``when`` within ``window`` (not ``besides``),
    nearest first."""
    near = [r for r in readings if r.reference != besides and abs(r.when - when) <= window]
    near.sort(key=lambda r: (abs(r.when - when), r.reference))
    return near[:AGREEMENT_NEIGHBOURS]


class _BsaSetAside(NamedTuple):
    reference: str
    reason: str


def _bsa_conflicts(
    charted: list[Reading],
    heights: list[Reading],
    weights: list[Reading],
    height_window: Callable[[date], timedelta],
) -> list[BsaConflict | _BsaSetAside]:
    """Charted BSAs far from the Mosteller BSA of the height and weight measured nearest them (the weight
    within ``AGREEMENT_WINDOW``, the height within ``height_window``: an adult's at any time). Which is
    wrong cannot be told from the two alone: the patient's other readings near it (other charted BSAs,
    the Mosteller BSAs of other heights and weights) may corroborate one side
    (``BSA_CORROBORATION_FACTOR``). The height and weight corroborated and the BSA not: the BSA is
    set aside (``_BsaSetAside``); the BSA corroborated and not they: the pair sizes no dose; neither
    side, or both: neither sizes one (``BsaConflict``, which keeps both out)."""
    found: list[BsaConflict | _BsaSetAside] = []
    for reading in charted:
        window = height_window(reading.when.date())
        height, weight = _nearest(heights, reading.when, window), _nearest(weights, reading.when)
        if height is None or weight is None:
            continue
        measured = _mosteller(height.value, weight.value)
        if not _far(reading.value, measured, BSA_AGREEMENT_FACTOR):
            continue
        others = [r.value for r in _near(charted, reading.when, besides=reading.reference)]
        others += [
            _mosteller(h.value, w.value)
            for h in _near(heights, reading.when, window)
            for w in _near(weights, reading.when)
            if (h.reference, w.reference) != (height.reference, weight.reference)
        ]
        for_charted = any(not _far(value, reading.value, BSA_CORROBORATION_FACTOR) for value in others)
        for_measured = any(not _far(value, measured, BSA_CORROBORATION_FACTOR) for value in others)
        said = (
            f"{_shown(reading)} ({reading.reference}) and the {_number(measured)} m2 its height and weight "
            f"give ({height.reference}, {weight.reference})"
        )
        if for_measured and not for_charted:
            found.append(
                _BsaSetAside(
                    reading.reference,
                    f"{reading.reference} set aside: {_shown(reading)} is far from the {_number(measured)} "
                    f"m2 its height and weight give ({height.reference}, {weight.reference}), which the "
                    "patient's other readings bear out",
                )
            )
            continue
        side = (
            "the patient's other readings bear out the charted BSA: the height and weight do not size "
            "a dose together"
            if for_charted and not for_measured
            else "which is wrong cannot be told (the patient's other readings bear out "
            + ("both" if for_charted else "neither")
            + "): neither sizes a dose"
        )
        found.append(
            BsaConflict(
                "" if for_charted and not for_measured else reading.reference,
                (height.reference, weight.reference),
                f"{reading.reference} conflicts: {said} disagree; {side}",
            )
        )
    return found
