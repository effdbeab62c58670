"""Anthracycline doses in mg/m², administered and planned, and the cumulative totals they sum to.

docs/facts.md: ``mg/m2`` is taken as is; ``mg`` or ``g`` is divided by the BSA of that date (``bsa``); a
dose that cannot be converted is an unknown part of a total, never zero. docs/facts.md "Record integrity":
``mg/kg`` is made mg with the weight nearest in time, then divided by the BSA; records merged into one dose
are all named in its total's evidence. Cumulative doxorubicin is
conventional plus liposomal doxorubicin; cumulative anthracycline is every agent times its
doxorubicin-equivalence factor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from cds_service.clinical.bsa import BodySurfaceArea, Bsa, Weight
from cds_service.clinical.codes import ANTHRACYCLINES, DOXORUBICINS, Agent
from cds_service.clinical.facts import DoseLine, DoseTotal
from cds_service.clinical.fhir_read import dicts
from cds_service.clinical.plausibility import (
    dose_not_credible,
    plan_beyond_ceiling,
    words_disagree_with_dose,
    written_doses_disagree,
)
from cds_service.clinical.schedule import dose_amounts
from cds_service.clinical.units import is_disagreeing, to_mg, to_mg_per_kg, to_mg_per_m2
from cds_service.fhir.pool import Resource, reference_of

# Doxorubicin-equivalence (isotoxic) factors for late cardiotoxicity: Feijen EAM et al., JAMA Oncol
# 2019;5(6):864-871 as adopted by IGHG 2023 / PanCare ("Doxorubicin x1; Daunorubicin x0.6; Epirubicin
# x0.8; Idarubicin x5 (COG guideline); Mitoxantrone x10"; Feijen et al. 2019). Liposomal doxorubicin has no
# published factor; it counts as doxorubicin (factor 1), as docs/facts.md counts it in the doxorubicin total.
DOXORUBICIN_EQUIVALENCE: dict[Agent, float] = {
    Agent.DOXORUBICIN: 1.0,
    Agent.LIPOSOMAL_DOXORUBICIN: 1.0,
    Agent.DAUNORUBICIN: 0.6,
    Agent.EPIRUBICIN: 0.8,
    Agent.IDARUBICIN: 5.0,
    Agent.MITOXANTRONE: 10.0,
}


class Dose(NamedTuple):
    """One anthracycline dose counted in a total: given (an administration) or still to come (an order)."""

    reference: str
    agent: Agent
    when: date | None
    mg_m2: float | None
    bsa: Bsa | None = None
    planned: bool = False
    note: str = ""
    # every record merged into this dose, when several (docs/facts.md "Record integrity")
    merged: tuple[str, ...] = ()
    weight: Weight | None = None  # the weight an mg/kg dose was converted with
    remark: str = ""  # a record-integrity ruling at work on this dose, said in its total's reason
    # A dose a range in the order's timing may add (countMax, boundsRange...): the total is then a range,
    # from without it to with it (docs/facts.md "How a schedule is read").
    optional: bool = False

    @property
    def doxorubicin_equivalent_mg_m2(self) -> float | None:
        if self.mg_m2 is None:
            return None
        return self.mg_m2 * DOXORUBICIN_EQUIVALENCE.get(self.agent, 0.0)


NO_BSA = "mg dose with no BSA, height or weight charted"


def convert_dose(
    amount: tuple[float, str] | None, bsa: Bsa | None, weight: Weight | None = None
) -> tuple[float | None, Bsa | None, str]:
    """``(mg/m², BSA used, note)`` for an amount as written; mg/m² is ``None`` when it cannot be had.

    ``mg/kg`` ("Doses per kilogram", docs/facts.md "Record integrity") is made mg with ``weight`` (the one
    nearest in time), then divided by the BSA like any mg dose."""
    if amount is None:
        return None, None, "no dose recorded"
    value, unit = amount
    per_m2 = to_mg_per_m2(value, unit)
    if per_m2 is not None:
        return per_m2, None, ""
    mg = to_mg(value, unit)
    per_kg = to_mg_per_kg(value, unit) if mg is None else None
    if per_kg is not None:
        if weight is None:
            return None, None, "mg/kg dose with no weight charted near it"
        mg = per_kg * weight.kg
    if mg is None:
        if is_disagreeing(unit):
            return None, None, f"the dose's unit is not known: its {unit}"
        return None, None, f"dose unit {unit!r} cannot be converted to mg/m2"
    if bsa is None:
        return None, None, NO_BSA
    if per_kg is not None and weight is not None:
        return mg / bsa.m2, bsa, f"mg/kg dose converted with the weight {weight.kg:g} kg ({weight.reference})"
    return mg / bsa.m2, bsa, ""


def writes_a_dose_twice(order: Resource) -> bool:
    """Whether a dosage line of ``order`` writes more than one amount for its dose (the usual order writes
    one: nothing to compare, no BSA to look up)."""
    return any(len(dose_amounts(dosage)) > 1 for dosage in dicts(order.get("dosageInstruction")))


def amounts_disagree(order: Resource, bsa: Bsa | None, weight: Weight | None = None) -> str:
    """Why the amounts a dosage line of ``order`` writes for one dose (``doseAndRate`` "ordered" 250 mg/m²
    beside "calculated" 1250 mg) are no one dose, each put in mg/m² through the current BSA
    (``plausibility.written_doses_disagree``), or "": not plausible is not a fact, so the dose is not known
    and neither is any ratio of it."""
    reference = reference_of(order)
    for dosage in dicts(order.get("dosageInstruction")):
        amounts = dose_amounts(dosage)
        if len(amounts) < 2:
            continue
        # (the dose as ordered first, then as written: the reason does not depend on the entries' order)
        written = [
            (f"{value:g} {unit}" + (f" ({kind})" if kind else ""), convert_dose(amount, bsa, weight)[0])
            for amount, kind in sorted(amounts, key=lambda item: (item[1] != "ordered", item))
            for value, unit in (amount,)
        ]
        why = written_doses_disagree(reference, written)
        if why:
            return why
    return ""


def mg_from_mg_m2(
    amount: tuple[float, str] | None, bsa: Bsa | None, weight: Weight | None = None
) -> float | None:
    """The absolute mg of an amount written in mg, mg/kg (through ``weight``) or mg/m² (through ``bsa``)."""
    if amount is None:
        return None
    mg = to_mg(*amount)
    if mg is not None:
        return mg
    per_kg = to_mg_per_kg(*amount)
    if per_kg is not None:
        return per_kg * weight.kg if weight is not None else None
    per_m2 = to_mg_per_m2(*amount)
    return per_m2 * bsa.m2 if per_m2 is not None and bsa is not None else None


def dose_on(
    reference: str,
    agent: Agent,
    when: date | None,
    amount: tuple[float, str] | None,
    body: BodySurfaceArea,
    *,
    fallback: date,
    planned: bool = False,
    at: datetime | None = None,
) -> Dose:
    """A dose converted with the BSA nearest its time (``at``, when it was charted with one), else its
    date (``fallback``, the approval start, when undated): nearest in time is read on real times.

    A planned dose is converted with the current BSA, the one nearest the approval start (``fallback``):
    a future dose is prescribed on what the patient measures now.
    """
    if amount is not None:
        per_m2 = to_mg_per_m2(*amount)
        if per_m2 is not None:
            # Written per m², so no BSA is used: skip the lookup (half a long history, or more).
            return _credible(Dose(reference, agent, when, per_m2, None, planned, ""))
    on: date | datetime = fallback if planned else (at or when or fallback)
    weight = body.weight_on(on) if amount is not None and to_mg_per_kg(*amount) is not None else None
    mg_m2, bsa, note = convert_dose(amount, body.on(on), weight)
    if note == NO_BSA:
        note = f"mg dose: {body.missing_reason(on)}"  # not charted, or charted too far from the dose
    if planned and bsa is not None:
        note = note or "planned mg dose converted with the current BSA"
    remarks = []
    if weight is not None and mg_m2 is not None:
        remarks.append("in mg/kg, converted with the weight nearest in time, then the BSA")
    if bsa is not None and bsa.note:
        remarks.append(bsa.note)
    dose = Dose(reference, agent, when, mg_m2, bsa, planned, note, weight=weight, remark="; ".join(remarks))
    return _credible(dose)


def against_its_words(
    dose: Dose,
    charted: tuple[float, str],
    stated: list[tuple[float, str]],
    body: BodySurfaceArea,
    on: date | datetime,
) -> Dose:
    """``dose``, or an unknown part when the amount charted (``charted``) contradicts the amounts its own
    words state (``stated``, ``administrations.stated_amounts``): an amount of another kind of unit is
    put in mg/m² through the BSA (and, for mg/kg, the weight) nearest ``on``
    (``plausibility.words_disagree_with_dose``)."""

    def per_m2(amount: tuple[float, str]) -> float | None:
        weight = body.weight_on(on) if to_mg_per_kg(*amount) is not None else None
        return convert_dose(amount, body.on(on), weight)[0]

    why = words_disagree_with_dose(charted, stated, per_m2)
    return dose._replace(mg_m2=None, bsa=None, note=why, remark="") if why else dose


def optional_dose(dose: Dose) -> Dose:
    """``dose`` as one a range in the timing may add (``countMax``, ``boundsRange``...): its total is then
    a range, from without it to with it."""
    note = "; ".join(n for n in ("a dose the regimen's range may add", dose.note) if n)
    return dose._replace(optional=True, note=note)


def _credible(dose: Dose) -> Dose:
    """The dose, or an unknown part when no regimen gives it (``plausibility.dose_not_credible``)."""
    why = dose_not_credible(dose.agent, dose.mg_m2)
    return dose._replace(mg_m2=None, note=f"{why}: not counted") if why else dose


class _RunningTotal:
    """One cumulative dose being summed dose by dose.

    The administered-and-planned totals carry on from the administered ones, so all four totals of a
    request come from one pass over the doses; adding the same floats in the same order as a fresh sum
    over ``given + to_come`` gives the same result to the last bit.
    """

    def __init__(self, agents: frozenset[Agent], *, equivalents: bool) -> None:
        self.agents = agents
        self.equivalents = equivalents
        self.known = 0.0
        self.possible = 0.0  # what the optional doses add at most
        self.possible_parts = 0
        self.evidence: list[str] = []
        self.unknown: list[str] = []
        self.unknown_reasons: list[str] = []
        self.merges: list[tuple[str, ...]] = []
        self.remarks: dict[str, int] = {}

    def add(self, dose: Dose, equivalent_mg_m2: float | None) -> None:
        """Count ``dose``; ``equivalent_mg_m2`` is its doxorubicin equivalent, worked out by the caller."""
        if dose.agent not in self.agents:
            return
        value = equivalent_mg_m2 if self.equivalents else dose.mg_m2
        if value is None:
            self.unknown.append(dose.reference)
            self.unknown_reasons.append(f"{dose.reference}: {dose.note or 'dose unknown'}")
        elif dose.optional:
            self.possible += value
            self.possible_parts += 1
            self.evidence.append(dose.reference)
        else:
            self.known += value
            self.evidence.extend(dose.merged or (dose.reference,))
            if dose.merged:
                self.merges.append(dose.merged)
            if dose.remark:
                self.remarks[dose.remark] = self.remarks.get(dose.remark, 0) + 1

    def result(self, what: str) -> DoseTotal:
        known, evidence, unknown = self.known, self.evidence, self.unknown
        counted = len(evidence) - sum(len(merged) - 1 for merged in self.merges) - self.possible_parts
        notes = [merged_note(merged) for merged in self.merges]  # each written once, used twice
        reason = f"{what}: {known:.2f} mg/m2 from {counted} dose(s)" + "".join(f"; {note}" for note in notes)
        if self.possible_parts:
            reason += (
                f"; up to {self.possible:.2f} mg/m2 more from {self.possible_parts} dose(s) that may or may "
                "not count (a range in the regimen, or a route whose systemic share is not known)"
            )
        if unknown:
            reason += f"; {len(unknown)} dose(s) unknown"
        return DoseTotal(
            known_mg_m2=round(known, 6),
            unknown_parts=len(unknown),
            evidence=tuple(dict.fromkeys(evidence)),
            unknown_evidence=tuple(dict.fromkeys(unknown)),
            reason=reason,
            unknown_reasons=tuple(dict.fromkeys(self.unknown_reasons)),
            merged=tuple(notes),
            remarks=tuple(f"{count} dose(s) {remark}" for remark, count in sorted(self.remarks.items())),
            possible_mg_m2=round(self.possible, 6),
            possible_parts=self.possible_parts,
        )


def merged_note(merged: tuple[str, ...]) -> str:
    """docs/facts.md "Record integrity": the evidence names every record merged into one dose."""
    return f"{len(merged)} records of one dose merged ({', '.join(merged)})"


def total(doses: Iterable[Dose], agents: frozenset[Agent], *, equivalents: bool, what: str) -> DoseTotal:
    """The cumulative mg/m² of ``agents`` (times the equivalence factor when ``equivalents``)."""
    running = _RunningTotal(agents, equivalents=equivalents)
    for dose in doses:
        running.add(dose, dose.doxorubicin_equivalent_mg_m2)
    return running.result(what)


class Totals(NamedTuple):
    cumulative_doxorubicin: DoseTotal
    cumulative_anthracycline: DoseTotal
    planned_doxorubicin: DoseTotal
    planned_anthracycline: DoseTotal
    lines: tuple[DoseLine, ...]  # every dose, given then to come, for the card's detail


def totals(given: Iterable[Dose], to_come: Iterable[Dose]) -> Totals:
    """Administered and administered-and-planned doxorubicin and anthracycline totals, with the dose
    lines, in one pass: each dose's equivalent is worked out once for its two totals and its line."""
    doxorubicin = _RunningTotal(DOXORUBICINS, equivalents=False)
    anthracycline = _RunningTotal(ANTHRACYCLINES, equivalents=True)
    lines: list[DoseLine] = []

    def count(doses: Iterable[Dose]) -> None:
        for dose in doses:
            equivalent = dose.doxorubicin_equivalent_mg_m2
            doxorubicin.add(dose, equivalent)
            anthracycline.add(dose, equivalent)
            lines.append(_line(dose, equivalent))

    count(given)
    cumulative_doxorubicin = doxorubicin.result("administered doxorubicin")
    cumulative_anthracycline = anthracycline.result("administered anthracycline (doxorubicin equivalents)")
    to_come = list(to_come)
    count(to_come)

    def plan(agents: frozenset[Agent]) -> tuple[str, ...]:
        # the orders and plans whose doses to come were counted (known, not a range's)
        return tuple(
            dict.fromkeys(
                d.reference for d in to_come if d.agent in agents and d.mg_m2 is not None and not d.optional
            )
        )

    # Not plausible is not a fact: a plan past the lifetime ceiling is no plan (plausibility)
    return Totals(
        cumulative_doxorubicin,
        cumulative_anthracycline,
        plan_beyond_ceiling(
            cumulative_doxorubicin,
            doxorubicin.result("administered and planned doxorubicin"),
            plan(DOXORUBICINS),
        ),
        plan_beyond_ceiling(
            cumulative_anthracycline,
            anthracycline.result("administered and planned anthracycline (doxorubicin equivalents)"),
            plan(ANTHRACYCLINES),
        ),
        tuple(lines),
    )


def dose_line(dose: Dose) -> DoseLine:
    return _line(dose, dose.doxorubicin_equivalent_mg_m2)


def _line(dose: Dose, equivalent_mg_m2: float | None) -> DoseLine:
    mg_m2 = None if dose.mg_m2 is None else round(dose.mg_m2, 2)
    if equivalent_mg_m2 is None:
        rounded_equivalent = None
    elif equivalent_mg_m2 == dose.mg_m2:
        rounded_equivalent = mg_m2  # factor 1 (doxorubicin, the usual case): same number, rounded once
    else:
        rounded_equivalent = round(equivalent_mg_m2, 2)
    bsa = dose.bsa
    return DoseLine(
        reference=dose.reference,
        agent=dose.agent.value,
        when=dose.when,
        mg_m2=mg_m2,
        doxorubicin_equivalent_mg_m2=rounded_equivalent,
        bsa_m2=None if bsa is None else round(bsa.m2, 4),
        bsa_source=bsa.source if bsa else "",
        note=("planned" + (f"; {dose.note}" if dose.note else "")) if dose.planned else dose.note,
    )
