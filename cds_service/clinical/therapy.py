"""The regimen around the dexrazoxane order: its own dose, the concurrent doxorubicin, earlier
dexrazoxane, the extravasation course and TKIs (docs/decisions.md "Pathways", docs/facts.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, timedelta, timezone
from typing import NamedTuple

from cds_service.clinical import diagnoses as dx
from cds_service.clinical.administrations import Administration
from cds_service.clinical.bsa import BodySurfaceArea, Bsa, Weight
from cds_service.clinical.codes import (
    TYROSINE_KINASE_INHIBITORS,
    Agent,
)
from cds_service.clinical.dates import add_months
from cds_service.clinical.doses import Dose, amounts_disagree, convert_dose, mg_from_mg_m2
from cds_service.clinical.facts import ExtravasationDay, Fact
from cds_service.clinical.fhir_read import dicts, obj, parse_datetime, read_period, status_of
from cds_service.clinical.plausibility import dose_not_credible
from cds_service.clinical.regimen import OrderInPlay
from cds_service.clinical.schedule import dose_amount, dose_amounts, dose_range, planned_schedule
from cds_service.clinical.units import to_mg
from cds_service.fhir.pool import Resource, ResourcePool, reference_of, relative_part
from cds_service.thresholds import EXTRAVASATION_COURSE_DAYS  # Totect: once daily for 3 days

PRIOR_DEXRAZOXANE_MONTHS = 12  # docs/decisions.md: dexrazoxane in the 12 months before the order -> II.A


def order_amounts(order: Resource) -> tuple[tuple[float, str], ...]:
    """Every per-dose amount the order writes, every ``doseAndRate`` of every dosage line, as written; a
    dose range (``doseRange``) writes both its ends: the dose ratio holds for the most the order allows of
    dexrazoxane and the least of doxorubicin (the largest dexrazoxane over the smallest doxorubicin)."""
    found: list[tuple[float, str]] = []
    for dosage in dicts(order.get("dosageInstruction")):
        amounts = dose_amounts(dosage)
        if amounts:
            found.extend(amount for amount, _kind in amounts)
        elif (written := dose_range(dosage)) is not None:
            found.extend(written)
    return tuple(found)


def ranges_written(order: Resource) -> tuple[str, ...]:
    """Each dose range the order writes, as written ("250-600 mg/m2"), for reasons."""
    found = []
    for dosage in dicts(order.get("dosageInstruction")):
        written = dose_range(dosage) if dose_amount(dosage) is None else None
        if written is not None:
            (low, unit), (high, high_unit) = written
            found.append(
                f"{low:g}-{high:g} {unit}" if unit == high_unit else f"{low:g} {unit}-{high:g} {high_unit}"
            )
    return tuple(found)


def _extreme_mg_m2(
    amounts: tuple[tuple[float, str], ...],
    bsa: Bsa | None,
    pick: Callable[[list[float]], float],
    weight: Weight | None = None,
) -> tuple[float | None, Bsa | None, str]:
    """The largest (``pick=max``) or smallest per-dose amount in mg/m²; unknown when any amount is,
    since the unknown one could be the extreme."""
    if not amounts:
        return None, None, "no dose recorded"
    converted = [convert_dose(amount, bsa, weight) for amount in amounts]
    for mg_m2, _, note in converted:
        if mg_m2 is None:
            return None, None, note
    used = next((bsa_used for _, bsa_used, _ in converted if bsa_used is not None), None)
    return pick([mg_m2 for mg_m2, _, _ in converted if mg_m2 is not None]), used, ""


def dexrazoxane_dose(
    order: Resource, bsa: Bsa | None, weight: Weight | None = None
) -> tuple[Fact[float], Fact[float]]:
    """``(mg/m² per dose, mg per dose)`` of the order, each the largest its dosage lines write (the
    dose the 10:1 ratio and the extravasation caps must hold for); converted through the current BSA."""
    reference = reference_of(order)
    amounts = order_amounts(order)
    evidence = (reference,) + (bsa.evidence if bsa else ())
    disagree = amounts_disagree(order, bsa, weight)
    if disagree:
        return Fact(None, evidence, disagree), Fact(None, evidence, disagree)
    mg_m2, used, note = _extreme_mg_m2(amounts, bsa, max, weight)
    in_mg = [mg_from_mg_m2(amount, bsa, weight) for amount in amounts]
    mg = max(m for m in in_mg if m is not None) if in_mg and None not in in_mg else None
    per_m2: Fact[float] = Fact(mg_m2, evidence if used else (reference,), note or "dose per m2 of the order")
    absolute: Fact[float] = Fact(
        mg, evidence, "dose in mg of the order" if mg is not None else note or "no BSA"
    )
    return per_m2, absolute


def dose_days(order: Resource) -> frozenset[date] | None:
    """The days an order's doses may fall on; ``None`` when any is undated or its schedule cannot be read
    (it may fall on any day)."""
    schedule = planned_schedule(order)
    dates = [dose.when for dose in schedule.every_dose]
    if schedule.unread or any(when is None for when in dates):
        return None
    return frozenset(when for when in dates if when is not None)


def combined_dexrazoxane(
    this_order: Fact[float],
    days: frozenset[date] | None,
    signed_together: list[tuple[frozenset[date] | None, Fact[float]]],
) -> Fact[float]:
    """The dexrazoxane given with a doxorubicin dose when other dexrazoxane orders are signed with this
    one for the same day: their largest doses add up (two 500 mg/m² orders with 50 mg/m² doxorubicin on
    one day are 20:1). One order per cycle, signed together, falls on different days and adds nothing.

    ``days``: the days this order's doses fall on (``dose_days``); ``signed_together``: each other
    dexrazoxane draft's days and largest mg/m² per dose (``dexrazoxane_dose``), read once per request."""

    def same_day(theirs: frozenset[date] | None) -> bool:
        return days is None or theirs is None or not days.isdisjoint(theirs)

    others = [dose for their_days, dose in signed_together if same_day(their_days)]
    if not others:
        return this_order
    evidence = this_order.evidence + tuple(ref for other in others for ref in other.evidence)
    if this_order.value is None or any(other.value is None for other in others):
        return Fact(None, evidence, "another dexrazoxane order signed with this one has no dose in mg/m2")
    total = this_order.value + sum(other.value for other in others if other.value is not None)
    return Fact(total, evidence, "dexrazoxane orders signed together: their doses add up")


class ConcurrentDoxorubicin(NamedTuple):
    concurrent: Fact[bool]
    per_dose_mg_m2: Fact[float]
    last_planned: Fact[date]
    per_dose_as_written: tuple[tuple[float, str], ...] = ()


def accompanied_orders(order: Resource) -> frozenset[str]:
    """The orders the dexrazoxane order names as the ones it accompanies ("unless the
    dexrazoxane order names the doxorubicin order it accompanies", docs/facts.md "Record integrity"). FHIR R4
    MedicationRequest has no element for "given with"; the ones that can point at another request are
    ``basedOn`` (the plan or order this one fulfils), ``supportingInformation`` (information supporting the
    order) and ``reasonReference`` (R4 allows only Condition/Observation there, but EHRs send the chemotherapy
    order). Any of them naming a doxorubicin order in play names it."""
    found: set[str] = set()
    for key in ("basedOn", "supportingInformation", "reasonReference"):
        for target in dicts(order.get(key)):
            ref = target.get("reference")
            if isinstance(ref, str) and not ref.startswith("#"):
                part = relative_part(ref)
                if part is not None:
                    found.add(part)
    return frozenset(found)


def concurrent_doxorubicin(
    orders: Iterable[OrderInPlay],
    to_come: Iterable[Dose],
    bsa: Bsa | None,
    *,
    start: date,
    accompanies: frozenset[str] = frozenset(),
    set_aside: tuple[str, ...] = (),
    weight: Weight | None = None,
    unsettled: tuple[tuple[str, str], ...] = (),
    planned_only: tuple[str, ...] = (),
    requests_not_read: tuple[tuple[str, str], ...] = (),
) -> ConcurrentDoxorubicin:
    """The concurrent conventional doxorubicin, its mg/m² per dose and its last planned dose date.

    Concurrent: a draft doxorubicin order, or an active one with doses still to come (an active order
    whose count is used up is finished therapy, not continuing). An order on hold leaves concurrency
    unknown when nothing else is concurrent (docs/facts.md "Record integrity"). The per-dose amount is the
    smallest over every concurrent order (the ratio must hold with each doxorubicin dose, whichever order it
    comes from), or over the orders the dexrazoxane order names when it names some: never "the first one
    found". The last planned date is the latest dose still to come over those orders; unknown when a dose to
    come is undated, or when an active order still has doses to come but its schedule dates have all passed.

    A doxorubicin order that is no therapy of this patient's yet not nothing (``unsettled``, (reference,
    why): one that forbids it, ``doNotPerform`` "HOLD doxorubicin until the echo is reviewed", signed now or
    in force; one signed in this hook for another patient) leaves concurrency unknown, like an order on
    hold: a hold shows neither doxorubicin continuing nor that it stopped, and beside an order of it the
    two contradict each other.

    A plan that schedules doxorubicin still to come (``planned_only``: the active CarePlans whose doses of
    it count in the planned total) with no order for it signed or active leaves concurrency unknown, never
    "none": the next cycles are often released as orders one at a time, so the plan bears on whether
    doxorubicin goes on; but a plan is not an order, so it alone never shows it does (docs/decisions.md
    "A plan is not an order").

    A request still in force that names doxorubicin but that no reader reads as a medication order
    (``requests_not_read``, (reference, what it names): an infusion plan's ServiceRequest, a RequestGroup;
    clinical.records_not_read) is an order not read: "no doxorubicin order" is unread beside it, never
    not met (docs/facts.md "An order not read as one")."""
    remaining: dict[str, list[Dose]] = {}
    for dose in to_come:
        remaining.setdefault(dose.reference, []).append(dose)
    doxorubicin_orders = [o for o in orders if o.agent is Agent.DOXORUBICIN]
    doxorubicin = sorted(
        (o for o in doxorubicin_orders if not o.on_hold and (o.draft or o.reference in remaining)),
        key=lambda o: o.reference,
    )
    held = sorted(o.reference for o in doxorubicin_orders if o.on_hold)
    aside = "; ".join(set_aside)
    if not doxorubicin:
        none: Fact[float] = Fact(None, tuple(held), "no concurrent doxorubicin order")
        if unsettled:
            concurrent: Fact[bool] = Fact(
                None, tuple(held) + tuple(ref for ref, _ in unsettled), _unsettled(unsettled)
            )
        elif held:
            concurrent = Fact(None, tuple(held), "doxorubicin order on hold: whether it goes on is unknown")
        elif planned_only:
            concurrent = Fact(
                None,
                planned_only,
                f"doxorubicin is scheduled in {', '.join(planned_only)} but no order for it is signed or "
                "active: a plan is not an order, whether doxorubicin goes on with the dexrazoxane is unknown"
                + (f" ({aside})" if aside else ""),
            )
        elif requests_not_read:
            concurrent = Fact(
                False,
                (),
                "; ".join(f"{reference} {what}" for reference, what in requests_not_read)
                + ": not read as a medication order; none is signed or active: whether doxorubicin goes on "
                "is unknown" + (f" ({aside})" if aside else ""),
                tuple(reference for reference, _what in requests_not_read),
            )
        else:
            concurrent = Fact(
                False,
                (),
                "no draft doxorubicin order and no active one with doses still to come"
                + (f" ({aside})" if aside else ""),
            )
        return ConcurrentDoxorubicin(concurrent, none, Fact(None, (), "no doxorubicin order"))
    references = tuple(o.reference for o in doxorubicin)
    concurrent = Fact(True, references, "draft or active doxorubicin order with doses to come")
    if unsettled:
        concurrent = Fact(
            None, references + tuple(ref for ref, _ in unsettled), _unsettled(unsettled, beside=references)
        )
    named = [o for o in doxorubicin if o.references & accompanies]
    sizing = named or doxorubicin
    # The smallest dose: dexrazoxane is given with each doxorubicin dose (I.A.5.a), so the ratio must hold
    # for the smallest one too, a cycle released at a reduced dose included (``OrderInPlay.resources``).
    amounts = tuple(
        sorted({amount for o in sizing for resource in o.resources for amount in order_amounts(resource)})
    )
    mg_m2, used, note = _extreme_mg_m2(amounts, bsa, min, weight)
    highest, _, _ = _extreme_mg_m2(amounts, bsa, max, weight)
    if highest is not None and (slip := dose_not_credible(Agent.DOXORUBICIN, highest)):
        # a charting slip in the order (500 for 50 mg/m²) would make any dexrazoxane dose look "within 10:1"
        mg_m2, used, note = None, None, slip
    disagree = next(
        (why for o in sizing for resource in o.resources if (why := amounts_disagree(resource, bsa, weight))),
        "",
    )
    if disagree:
        # one dose written twice, the two disagreeing: which is meant is not known, nor any ratio of it
        mg_m2, used, note, amounts = None, None, disagree, ()
    if named:
        whose = f"the doxorubicin order the dexrazoxane order names ({', '.join(o.reference for o in named)})"
    elif len(sizing) > 1:
        whose = f"every doxorubicin order in play ({len(sizing)}); the smallest decides"
    else:
        whose = "the doxorubicin order in play"
    per_dose: Fact[float] = Fact(
        mg_m2,
        tuple(o.reference for o in sizing) + (used.evidence if used else ()),
        note
        or (
            f"smallest doxorubicin dose per m2 of {whose}"
            if len(set(amounts)) > 1
            else f"doxorubicin dose per m2 of {whose}"
        ),
    )
    dates = [d.when for o in doxorubicin for d in remaining.get(o.reference, [])]
    if not dates or any(d is None for d in dates):
        last: Fact[date] = Fact(None, references, "a doxorubicin dose to come has no date")
    elif max(d for d in dates if d is not None) < start:
        last = Fact(None, references, "doxorubicin doses remain but their scheduled dates have passed")
    else:
        last = Fact(max(d for d in dates if d is not None), references, "last planned doxorubicin dose")
    return ConcurrentDoxorubicin(concurrent, per_dose, last, amounts)


def apart_from_doxorubicin(
    doxorubicin: ConcurrentDoxorubicin,
    to_come: Iterable[Dose],
    order: Resource,
    days: frozenset[date] | None,
) -> ConcurrentDoxorubicin:
    """``doxorubicin`` with its concurrency unknown when the dexrazoxane ``order``'s own dates (the days its
    schedule gives, ``days``; its ``dispenseRequest.validityPeriod``) and the doxorubicin's still to come
    (the dated doses of the concurrent orders, the last known) can both be read and do not overlap: "used
    concurrently with doxorubicin" (I.A.4, II.A.2) is not met on "ordered alongside" when the two orders,
    as written, are never given together. Not plausible is not a fact: the orders contradict each other
    (one date may be typed wrong), so it is unknown, both named, never met (docs/decisions.md "Dexrazoxane
    scheduled apart from the doxorubicin")."""
    concurrent = doxorubicin.concurrent
    if concurrent.value is not True:
        return doxorubicin
    references = frozenset(concurrent.evidence)
    dates = [d.when for d in to_come if d.reference in references]
    last = doxorubicin.last_planned.value
    # (a last dose not known, a dose to come undated or its dates all passed, a delayed regimen: the
    # doxorubicin's days cannot be read, so nothing is compared)
    if last is None or not dates or any(when is None for when in dates):
        return doxorubicin
    first = min(d for d in dates if d is not None)
    validity = read_period(obj(order.get("dispenseRequest")).get("validityPeriod"))
    windows = [("schedules its doses", min(days), max(days))] if days and _dated_by_itself(order) else []
    if validity.begins or validity.ends:
        windows.append(("is valid", validity.begins or date.min, validity.ends or date.max))
    apart = next(((said, a, b) for said, a, b in windows if a > last or b < first), None)
    if apart is None:
        return doxorubicin
    said, begins, ends = apart
    span = " to ".join(dict.fromkeys(d.isoformat() for d in (begins, ends) if d not in (date.min, date.max)))
    when = (
        f"after the last doxorubicin dose to come ({last.isoformat()})"
        if begins > last
        else (f"before the first doxorubicin dose to come ({first.isoformat()})")
    )
    return doxorubicin._replace(
        concurrent=Fact(
            None,
            (reference_of(order), *concurrent.evidence),
            f"{reference_of(order)} {said} {span}, {when} of {', '.join(sorted(references))}: the orders "
            "are never given together as written, whether the dexrazoxane is used concurrently with "
            "doxorubicin is not known",
        )
    )


def _dated_by_itself(order: Resource) -> bool:
    """Whether every dosage line of ``order`` dates its doses by its own Timing (``event``, or
    ``repeat.boundsPeriod.start``): a line without them is dated by the order's date, a fallback, not a
    schedule that could contradict another order's."""
    lines = dicts(order.get("dosageInstruction"))
    return bool(lines) and all(
        (timing := obj(line.get("timing"))).get("event")
        or obj(obj(timing.get("repeat")).get("boundsPeriod")).get("start")
        for line in lines
    )


def _unsettled(unsettled: tuple[tuple[str, str], ...], beside: tuple[str, ...] = ()) -> str:
    said = "; ".join(f"{reference} {why}" for reference, why in unsettled)
    if beside:
        return (
            f"{said}, beside {', '.join(beside)} ordering doxorubicin: the orders contradict each other, "
            "whether doxorubicin goes on cannot be read"
        )
    return f"{said}: whether doxorubicin goes on with the dexrazoxane cannot be read"


def dose_ratio(
    dexrazoxane_as_written: tuple[tuple[float, str], ...],
    dexrazoxane_mg_m2: Fact[float],
    doxorubicin: ConcurrentDoxorubicin,
) -> Fact[float]:
    """Dexrazoxane ÷ doxorubicin per dose (I.A.5.a / II.A.4.a), compared in mg/m² (docs/facts.md): the
    largest dexrazoxane dose over the smallest doxorubicin dose, since the policy's 10:1 holds "with each
    doxorubicin dose".

    When both are written in mg and no BSA is charted, the ratio is still known: the same patient's BSA
    divides both amounts, so it cancels out. A pharmacist would decide from it.
    """
    evidence = dexrazoxane_mg_m2.evidence + doxorubicin.per_dose_mg_m2.evidence
    if dexrazoxane_mg_m2.value is not None and doxorubicin.per_dose_mg_m2.value:
        return Fact(
            dexrazoxane_mg_m2.value / doxorubicin.per_dose_mg_m2.value,
            evidence,
            "dexrazoxane mg/m2 per dose / doxorubicin mg/m2 per dose",
        )
    same_basis = _on_one_basis(dexrazoxane_as_written, doxorubicin.per_dose_as_written)
    if same_basis is not None:
        largest, smallest, basis = same_basis
        return Fact(
            largest / smallest,
            evidence,
            f"dexrazoxane {basis} per dose / doxorubicin {basis} per dose (the same divisor cancels out)",
        )
    # What left either side unknown is said (a doxorubicin dose set aside as not credible, no BSA...)
    why = [
        f"{side}: {fact.reason}"
        for side, fact in (("dexrazoxane", dexrazoxane_mg_m2), ("doxorubicin", doxorubicin.per_dose_mg_m2))
        if fact.value is None and fact.reason
    ]
    return Fact(
        None,
        evidence,
        "; ".join(["needs both per-dose amounts in mg/m2, or both on one other basis (mg, mg/kg)", *why]),
    )


def _on_one_basis(
    dexrazoxane: tuple[tuple[float, str], ...], doxorubicin: tuple[tuple[float, str], ...]
) -> tuple[float, float, str] | None:
    """``(largest dexrazoxane, smallest doxorubicin, basis)`` when both are written as absolute amounts
    (mg) or on one other shared basis such as mg/kg: the patient's BSA or weight divides both alike."""
    if not dexrazoxane or not doxorubicin:
        return None
    in_mg = [to_mg(*amount) for amount in dexrazoxane + doxorubicin]
    if None not in in_mg:
        values, basis = [m for m in in_mg if m is not None], "mg"
    else:
        units = {unit.strip().lower() for _value, unit in dexrazoxane + doxorubicin}
        # Only a mass per body weight is a shared divisor; "mL" or "{vial}" of two drugs at different
        # strengths say nothing about their mg ratio.
        if len(units) != 1 or next(iter(units)) not in PER_WEIGHT_UNITS:
            return None
        values, basis = [value for value, _unit in dexrazoxane + doxorubicin], units.pop()
    largest, smallest = max(values[: len(dexrazoxane)]), min(values[len(dexrazoxane) :])
    return (largest, smallest, basis) if smallest > 0 else None


def _for_extravasation(administration: Administration, pool: ResourcePool, onsets: list[date]) -> bool:
    """Given for an extravasation: its reason says so, or it falls in the 3 days from an extravasation."""
    resource = administration.resource
    if dx.is_extravasation_reason([*dicts(resource.get("reasonCode")), *dicts(resource.get("reasonGiven"))]):
        return True
    for target in dicts(resource.get("reasonReference")):
        condition = pool.resolve(target, within=resource)
        if condition is not None and dx.is_extravasation_reason(condition.get("code")):
            return True
    when = administration.when
    return when is not None and any(
        onset <= when < onset + timedelta(days=EXTRAVASATION_COURSE_DAYS) for onset in onsets
    )


def prior_dexrazoxane_cardioprotection(
    pool: ResourcePool,
    administrations: Iterable[Administration],
    start: date,
    status_unread: Iterable[tuple[Administration, str]] = (),
) -> Fact[bool]:
    """A dexrazoxane administration that counts (completed, in progress, or stopped after a recorded dose:
    ``counted_administrations``) in the 12 months before the order, not for extravasation. The patient is
    then already receiving dexrazoxane: continued therapy (II.A), with its "responding positively".

    Not read is not absent (docs/facts.md "A status not read", "An administration with no date"): with
    none that counts, a dexrazoxane administration whose status does not say whether it was given
    (``status_unread``: no status, only a data-absent-reason, "unknown", no FHIR code; with why), dated in
    those 12 months or undated, or one that counts but is undated (no date, or one that cannot be read: the
    caller passes it there too, with why), not for extravasation, could be that dose: the ``False`` names it
    as unread, so the policy reads it as unknown (``policy.not_read.settled``) and the reason says what
    could not be read. One that counts, dated in the window, settles it whatever the unread say."""
    window_start = add_months(start, -PRIOR_DEXRAZOXANE_MONTHS)
    onsets = dx.extravasation_onsets(pool)

    def could_be_prior(a: Administration, *, dated: bool) -> bool:
        if a.agent is not Agent.DEXRAZOXANE:
            return False
        if a.when is None:
            if dated:  # (an undated dose settles nothing: ``status_unread`` holds it when it counts)
                return False
        elif not window_start <= a.when < start:
            return False
        return not _for_extravasation(a, pool, onsets)

    found = [a.reference for a in administrations if could_be_prior(a, dated=True)]
    if found:
        return Fact(True, tuple(found), "dexrazoxane for cardioprotection in the 12 months before the order")
    none = "no dexrazoxane for cardioprotection in the 12 months before the order"
    unread = sorted(
        ((a.reference, a.when, why) for a, why in status_unread if could_be_prior(a, dated=False)),
        key=lambda found: (found[0], found[2]),
    )
    if not unread:
        return Fact(False, (), none)
    said = "; ".join(
        f"{reference} ({when.isoformat() if when else 'undated'}) could be one: {why}"
        for reference, when, why in unread
    )
    return Fact(
        False,
        (),
        f"no dexrazoxane administration that counts shows cardioprotection in the 12 months before the "
        f"order, but {said}",
        tuple(dict.fromkeys(reference for reference, _when, _why in unread)),
    )


_OFFSET = re.compile(r"T\d\d:\d\d(?::\d\d(?:\.\d+)?)?[+-]\d\d:\d\d$")


def _offset_of(text: object) -> timedelta | None:
    """The offset a dateTime is written with (``+hh:mm``, not ``Z``), when it is one FHIR allows and the
    dateTime can be read (``+99:99`` is no time zone: ``fhir_read.parse_datetime``)."""
    if not isinstance(text, str) or not _OFFSET.search(text.strip()):
        return None
    moment = parse_datetime(text)
    return moment.utcoffset() if moment is not None else None


def _course_clock(
    order: Resource, administrations: list[Administration]
) -> Callable[[Administration], date | None]:
    """The calendar day of each dose, read on one clock: course days are counted in the patient's local
    time, not in whatever zone each system wrote (20:00 at -05:00 charted as 01:00Z the next day would
    put two days' doses on one). The clock is the order's own offset, else the offset the administrations
    are charted in; a dose charted as a bare date keeps its date."""
    own_offset = _offset_of(order.get("authoredOn"))
    charted = Counter(
        offset
        for offset in (_offset_of(a.resource.get("effectiveDateTime")) for a in administrations)
        if offset is not None
    )
    if own_offset is None and not charted:
        return lambda a: a.when
    # The order's own offset, else the one most doses are charted in (ties by value): never the first
    # found, so the resources' order does not move a dose to another day (docs/facts.md "Order does not
    # matter").
    offset = own_offset if own_offset is not None else min(charted, key=lambda o: (-charted[o], o))
    zone = timezone(offset)

    def day(a: Administration) -> date | None:
        text = a.resource.get("effectiveDateTime")
        if not isinstance(text, str) or len(text.strip()) <= 10:
            return a.when
        moment = parse_datetime(text)
        return moment.astimezone(zone).date() if moment is not None else a.when

    return day


def extravasation_course(
    order: Resource,
    administrations: Iterable[Administration],
    body: BodySurfaceArea,
    *,
    start: date,
    onset: date | None,
    other_orders: Iterable[OrderInPlay] = (),
    uncertain: Iterable[Administration] = (),
) -> tuple[ExtravasationDay, ...]:
    """mg of dexrazoxane per course day: doses already given since the extravasation (the order's own
    day included, unless given under this order), plus this order's and the other dexrazoxane orders'
    (draft or active) still to come, one per day from their timing (day 1 = the first dose of the
    course). mg/m² go through the BSA. Every dose of the course counts toward its day's cap (I.B.4).

    ``uncertain``: dexrazoxane doses whose amount on their day is not known: one whose status is not read
    (it may have been given, docs/facts.md "A status not read") holds a dose of unknown mg on its day of
    the course; one that counts but is undated (no date, or one that cannot be read) could fall on any
    day of it, so the order's first day holds one (docs/facts.md "An administration with no date"), never
    none."""
    since = onset if onset is not None else start - timedelta(days=EXTRAVASATION_COURSE_DAYS - 1)
    reference = reference_of(order)
    administrations = [a for a in administrations if a.agent is Agent.DEXRAZOXANE]
    local = _course_clock(order, administrations)
    own_schedule = planned_schedule(order)
    own_days = {dose.when for dose in own_schedule.every_dose if dose.when is not None}
    entries: list[tuple[date, float | None, str]] = []
    for a in administrations:
        given_day = local(a)
        # A dose given under this very order is left out only when the order still schedules that day
        # (it is counted there); a re-signed order whose schedule moved on keeps its given doses.
        if given_day is None or not since <= given_day <= start:
            continue
        if a.request == reference and given_day in own_days:
            continue
        entries.append(
            (given_day, mg_from_mg_m2(a.amount, body.on(given_day), body.weight_on(given_day)), a.reference)
        )
    for a in uncertain:
        if a.agent is not Agent.DEXRAZOXANE:
            continue
        given_day = local(a) if a.when is not None else start
        if given_day is None or not since <= given_day <= start:
            continue
        if a.when is not None and a.request == reference and given_day in own_days:
            continue  # (this order's own dose of that day, counted there, as a dose that counts)
        entries.append((given_day, None, a.reference))
    current, current_weight = body.on(start), body.weight_on(start)
    # A day on which a dose was recorded under an order is that dose, not one more to come.
    given_on = {(a.request, local(a)) for a in administrations if a.request}
    planned = [(reference, own_schedule, False)]
    planned += [(o.reference, o.schedule, o.on_hold) for o in other_orders]
    for source, schedule, on_hold in planned:
        if schedule.unread:
            # Its doses cannot be listed: the course has a dose of unknown mg on its first day at least.
            entries.append((start, None, source))
            continue
        next_day = start
        # The order as written: a dose a range in its timing allows counts toward its day's cap too.
        for dose in schedule.every_dose:
            when = dose.when if dose.when is not None else next_day
            if source == reference or (when >= start and (source, when) not in given_on):
                # An order on hold may resume on its days: their dose is unknown, never absent (docs/facts.md
                # "Record integrity").
                mg = None if on_hold else mg_from_mg_m2(dose.amount, current, current_weight)
                entries.append((when, mg, source))
            next_day = when + timedelta(days=1)
    if not entries:
        return ()
    first = min(when for when, _mg, _ref in entries)
    by_day: dict[int, tuple[float | None, list[str]]] = {}
    for when, mg, ref in sorted(entries, key=lambda e: e[0]):
        day = (when - first).days + 1
        total_mg, refs = by_day.get(day, (0.0, []))
        by_day[day] = (None if total_mg is None or mg is None else total_mg + mg, [*refs, ref])
    return tuple(
        ExtravasationDay(day, None if mg is None else round(mg, 2), tuple(dict.fromkeys(refs)))
        for day, (mg, refs) in sorted(by_day.items())
    )


PER_WEIGHT_UNITS = frozenset({"mg/kg", "g/kg", "ug/kg", "mcg/kg"})

# "In combination with dasatinib or imatinib" (I.A.3.b.i.2) is current therapy: an active or draft order,
# or an administration in this window before the order (oral TKIs are given daily; our choice of window).
TKI_CURRENT_WITHIN_DAYS = 30


def _runs_to(order: OrderInPlay, start: date) -> bool:
    """Whether an order's schedule reaches ``start``: one whose every dated dose (or bounds) ended before
    is past therapy, whatever its status still says. Undated or open-ended schedules are taken as current."""
    if not any(
        isinstance(d, dict) and d.get("timing") for d in order.resource.get("dosageInstruction") or []
    ):
        return True  # no schedule written: an active order is taken as running
    dates = [dose.when for dose in order.schedule.every_dose]
    if order.schedule.open_ended or order.schedule.unread or not dates or any(when is None for when in dates):
        return True
    return max(when for when in dates if when is not None) >= start


def _ended_before(statement: Resource, on: date) -> bool:
    """Its period ended before ``on``; one that ends before it starts shows no current therapy either."""
    period = read_period(statement.get("effectivePeriod"))
    return period.contradiction != "" or (period.end is not None and period.end < on)


def tyrosine_kinase_inhibitor(
    administrations: Iterable[Administration],
    orders: Iterable[OrderInPlay],
    *,
    start: date,
    statements: Iterable[tuple[Resource, Agent | None]] = (),
) -> Fact[bool]:
    """Dasatinib or imatinib in a draft or active order, or given in the 30 days before the order; none
    found is unknown (a TKI given years ago is not "in combination")."""
    since = start - timedelta(days=TKI_CURRENT_WITHIN_DAYS)
    found = [
        a.reference
        for a in administrations
        if a.agent in TYROSINE_KINASE_INHIBITORS and a.when is not None and since <= a.when <= start
    ]
    found += [
        o.reference
        for o in orders
        if o.agent in TYROSINE_KINASE_INHIBITORS and not o.on_hold and _runs_to(o, start)
    ]
    # Home oral TKIs are often charted only as an active MedicationStatement (what the patient takes).
    # One "active" whose own period ended before the order contradicts itself: not current therapy.
    found += [
        reference_of(statement)
        for statement, agent in statements
        if agent in TYROSINE_KINASE_INHIBITORS
        and status_of(statement) == "active"
        and not _ended_before(statement, start)
    ]
    if found:
        return Fact(True, tuple(dict.fromkeys(found)), "dasatinib or imatinib ordered or recently given")
    return Fact(None, (), "no current dasatinib or imatinib recorded")
