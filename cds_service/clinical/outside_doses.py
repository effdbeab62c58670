"""Anthracycline given, by a record the service does not read doses from (not read is not absent,
docs/facts.md "What is not read").

Doses are read from MedicationAdministration (``administrations``) and planned from orders and care plans.
A patient's earlier doxorubicin is often recorded elsewhere: an outside course charted as a
MedicationStatement ("outside records", what the patient reports or another provider gave), a
MedicationDispense with no administration here, a chemotherapy Procedure naming the drug, a claim
(ExplanationOfBenefit or Claim) whose lines bill the drug (HCPCS J9000, an NDC named by its text) for
doses given elsewhere. Such a record
is neither a dose nor nothing: each is an *unknown part* of the cumulative totals, named after its
resource, so a total below its threshold is unknown (pend for the records), never a deny; a known part
that reaches the threshold still meets it.

A record is not an outside dose when it is about a dose read here: it names (``partOf``, ``derivedFrom``)
an administration in the data, or (a dispense, a procedure) an administration of the same drug is charted
on its day or the day after. An administration whose own drug cannot be identified is an unknown part when
its words could name an anthracycline, or when the order it names does (docs/facts.md "A dose whose drug only
its order names"). A statement of a drug not taken (``not-taken``, STU3/DSTU2 ``taken``/
``wasNotTaken``), only intended, or entered in error is not one either, nor is anything dated after the
order. A claim counts only as the record of a service rendered (``use`` claim, not a preauthorization or
predetermination; not cancelled, draft or entered in error).

The service reads claims sent to it (under any prefetch key: the payer's own history, or an EHR that
holds it) but does not ask the EHR's FHIR server for them: claims are the payer's records, which an EHR's
FHIR server seldom holds (US Core has no claims; CARIN Blue Button is served by payers), so the query
would fail or come back empty on nearly every hook, and a failed search would add an unknown part to
every total (a partial read) for nothing the EHR could send.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from cds_service.clinical.administrations import COUNTED_STATUSES, Administration, one_record_per_dose
from cds_service.clinical.codes import ANTHRACYCLINES, Agent
from cds_service.clinical.doses import Dose
from cds_service.clinical.drugs import agent_of, agent_of_concept
from cds_service.clinical.drugs import unidentified as unidentified_drug
from cds_service.clinical.fhir_read import as_list, codings, dicts, obj, parse_date, read_period, status_of
from cds_service.fhir.pool import MEDICATION_ORDER_TYPES, Resource, ResourcePool, reference_of

_NOT_A_DOSE = frozenset({"entered-in-error", "not-taken", "intended", "cancelled", "declined", "not-done"})
_CLAIM_TYPES = ("ExplanationOfBenefit", "Claim")
_NOT_A_CLAIM = frozenset({"cancelled", "draft", "entered-in-error"})
# FHIR R4 Claim.use / ExplanationOfBenefit.use: "claim" is a service rendered; "preauthorization" and
# "predetermination" ask about services to come.
_NOT_RENDERED = frozenset({"preauthorization", "predetermination"})
# A claim's lines: item, its detail, the detail's subDetail (FHIR R4 ExplanationOfBenefit.item), no deeper.
_CLAIM_LINE_LEVELS = ("detail", "subDetail")
_PROCEDURE_DONE = frozenset({"completed", "in-progress"})
# A dispense or a procedure whose administration is charted here, on its day or the next.
_SAME_DOSE_DAYS = timedelta(days=1)


def _first_date(resource: Resource, *keys: str) -> date | None:
    """The first of ``keys`` that holds a date (a dateTime, or a Period's start, else its end)."""
    for key in keys:
        value = resource.get(key)
        period = obj(value)
        # (a Period that ends before it starts dates nothing: ``read_period``)
        found = read_period(period).first if period else parse_date(value)
        if found is not None:
            return found
    return None


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'AEIOU' else 'a'} {word}"


def _names_administration(resource: Resource, pool: ResourcePool) -> bool:
    for key in ("partOf", "derivedFrom"):
        for target in dicts(resource.get(key)):
            found = pool.resolve(target, within=resource)
            if found is not None and found.get("resourceType") == "MedicationAdministration":
                return True
    return False


def _procedure_agent(procedure: Resource, pool: ResourcePool) -> Agent | None:
    """The anthracycline a Procedure names: its code (a chemotherapy procedure named after the drug), a
    code it used (``usedCode``) or a Medication it used (``usedReference``), by code or by name."""
    for concept in [procedure.get("code"), *as_list(procedure.get("usedCode"))]:
        agent = agent_of_concept(concept)
        if agent in ANTHRACYCLINES:
            return agent
    for reference in dicts(procedure.get("usedReference")):
        used = pool.resolve(reference, within=procedure)
        if used is not None and used.get("resourceType") == "Medication":
            agent = agent_of(used, pool)
        else:
            display = reference.get("display")
            agent = agent_of_concept({"text": display}) if isinstance(display, str) else None
        if agent in ANTHRACYCLINES:
            return agent
    return None


def _claim_lines(claim: Resource) -> list[Resource]:
    """Every line of a claim: its items, their details and the details' subDetails."""
    lines = list(dicts(claim.get("item")))
    level = lines
    for key in _CLAIM_LINE_LEVELS:
        level = [line for parent in level for line in dicts(parent.get(key))]
        lines += level
    return lines


def _billed_agent(line: Resource) -> Agent | None:
    """The anthracycline a claim line bills: R4 ``productOrService``, STU3 ``service`` (a CodeableConcept)
    or DSTU2 ``service`` (a Coding), by code (HCPCS J-codes, RxNorm, ATC) or by name."""
    for key in ("productOrService", "service"):
        concept = line.get(key)
        if isinstance(concept, dict) and "code" in concept and "coding" not in concept:
            concept = {"coding": [concept]}  # a DSTU2 Coding
        agent = agent_of_concept(concept)
        if agent in ANTHRACYCLINES:
            return agent
    return None


def _charted_here(agent: Agent, on: date | None, given: Iterable[Administration]) -> bool:
    if on is None:
        return False
    return any(
        a.agent is agent and a.when is not None and on <= a.when <= on + _SAME_DOSE_DAYS for a in given
    )


def outside_doses(
    pool: ResourcePool,
    given: list[Administration],
    *,
    cutoff: date,
    unidentified: list[Resource] | None = None,
) -> list[Dose]:
    """One unknown part per outside record of an anthracycline given on or before ``cutoff``, and per
    administration that counts but whose drug cannot be identified (``unidentified``, collected with the
    administrations read; every MedicationAdministration is looked at when it is not given)."""
    found: list[Dose] = []

    def add(resource: Resource, agent: Agent, on: date | None, what: str) -> None:
        if on is not None and on > cutoff:
            return
        note = (
            f"{agent.value} recorded in {_a(str(resource.get('resourceType')))} ({what}), a record the "
            "service does not read doses from: an unknown part of the total until the doses are sent"
        )
        found.append(Dose(reference_of(resource), agent, on, None, note=note))

    for statement in pool.of_type("MedicationStatement"):
        status = status_of(statement)
        if (
            status in _NOT_A_DOSE
            or statement.get("taken") in ("n", "unk")
            or statement.get("wasNotTaken") is True
            or _names_administration(statement, pool)
        ):
            continue
        agent = agent_of(statement, pool)
        if agent in ANTHRACYCLINES:
            on = _first_date(statement, "effectiveDateTime", "effectivePeriod", "dateAsserted")
            add(statement, agent, on, f"status {status or 'not given'}")
    for dispense in pool.of_type("MedicationDispense"):
        status = status_of(dispense)
        if status in _NOT_A_DOSE or status in {"stopped", "preparation"}:
            continue
        agent = agent_of(dispense, pool)
        if agent in ANTHRACYCLINES:
            on = _first_date(dispense, "whenHandedOver", "whenPrepared")
            if not _charted_here(agent, on, given):
                add(dispense, agent, on, "dispensed with no administration charted here")
    for procedure in pool.of_type("Procedure"):
        if status_of(procedure) not in _PROCEDURE_DONE:
            continue
        agent = _procedure_agent(procedure, pool)
        if agent is not None:
            on = _first_date(procedure, "performedDateTime", "performedPeriod")
            if not _charted_here(agent, on, given):
                add(procedure, agent, on, "a procedure naming it, with no administration charted here")
    for claim in pool.of_type(*_CLAIM_TYPES):
        use = claim.get("use")
        if status_of(claim) in _NOT_A_CLAIM or (
            isinstance(use, str) and use.strip().lower() in _NOT_RENDERED
        ):
            continue
        billed = _first_date(claim, "billablePeriod")
        for line in _claim_lines(claim):
            agent = _billed_agent(line)
            if agent is None:
                continue
            on = _first_date(line, "servicedDate", "servicedPeriod") or billed
            if not _charted_here(agent, on, given):
                add(claim, agent, on, "billed on a claim, with no administration charted here")
    # An administration whose drug cannot be identified could be an anthracycline given here.
    if unidentified is None:
        unidentified = [
            a
            for a in pool.of_type("MedicationAdministration")
            if status_of(a) in COUNTED_STATUSES and agent_of(a, pool) is None
        ]
    # One unknown part per dose: the same record charted twice at one minute is one dose, whatever its drug
    orders = _OrderDrugs(pool)
    for administration, records in one_record_per_dose(unidentified, _drug_as_written):
        why = unidentified_drug(administration, pool)
        agent = Agent.DOXORUBICIN
        if not why:
            # ... or whose words name no anthracycline ("Chemotherapy infusion"), charted under an order
            # that names one: the link says it could be that drug
            agent, why = orders.could_be(administration)
        on = _first_date(administration, "effectiveDateTime", "effectivePeriod")
        if why and (on is None or on <= cutoff):
            note = f"{why}: an unknown part of the total until its drug is sent"
            if len(records) > 1:
                note += f" ({len(records)} records of one dose: {', '.join(records)})"
            found.append(Dose(reference_of(administration), agent, on, None, note=note, merged=records))
    return found


class _OrderDrugs:
    """The anthracycline the order an administration names (``request``; STU3/DSTU2 ``prescription``)
    could be, each order read once (a course's doses name the same few orders)."""

    def __init__(self, pool: ResourcePool) -> None:
        self.pool = pool
        self._read: dict[int, tuple[Agent, str]] = {}

    def could_be(self, administration: Resource) -> tuple[Agent, str]:
        """``(agent, why)`` when the administration's order names an anthracycline (identified, or a drug
        not identified whose text names one or that has no text: ``drugs.unidentified``), else
        ``(doxorubicin, "")``."""
        named = administration.get("request") or administration.get("prescription")
        order = self.pool.resolve(named, within=administration) if named else None
        if order is None or order.get("resourceType") not in MEDICATION_ORDER_TYPES:
            return Agent.DOXORUBICIN, ""
        if id(order) not in self._read:
            agent = agent_of(order, self.pool)
            if agent in ANTHRACYCLINES:
                said = f"an order of {agent.value}"
            elif agent is None and (unread := unidentified_drug(order, self.pool)):
                agent, said = Agent.DOXORUBICIN, f"an order whose drug could be an anthracycline ({unread})"
            else:
                agent, said = Agent.DOXORUBICIN, ""
            self._read[id(order)] = (agent, said)
        agent, said = self._read[id(order)]
        if not said:
            return agent, ""
        return agent, (
            f"its drug cannot be identified ({_drug_said(administration)}), but it is charted under "
            f"{reference_of(order)}, {said}: it could be {agent.value}"
        )


def _drug_said(administration: Resource) -> str:
    """An administration's drug as written, for a reason: its concept's text, else its first code."""
    concept = obj(administration.get("medicationCodeableConcept"))
    text = concept.get("text")
    if isinstance(text, str) and text.strip():
        return f"text {' '.join(text.split())[:60]!r}"
    written = next(iter(codings(concept)), None)
    if written is not None:
        return f"{written[1]!r} in {written[0]}"
    display = obj(administration.get("medicationReference")).get("display")
    return f"{' '.join(display.split())[:60]!r}" if isinstance(display, str) else "no text"


def _drug_as_written(resource: Resource) -> object:
    """A medication as the record writes it (its concept, or the Medication it names): two records of
    one drug the service cannot identify write it alike."""
    return (
        resource.get("medicationCodeableConcept")
        or resource.get("medicationReference")
        or resource.get("medication")
    )


def unidentified_orders(pool: ResourcePool, statuses: frozenset[str]) -> list[tuple[str, str]]:
    """``(reference, why)`` of each order in play (``statuses``) whose drug cannot be identified but could
    be an anthracycline (``drugs.unidentified``): it could be the concurrent doxorubicin, and its doses
    to come an unknown part of the planned totals."""
    drafts = {id(order) for order in pool.draft_orders}
    found = []
    for order in pool.of_type("MedicationRequest", "MedicationOrder"):
        if order.get("doNotPerform") is True or order.get("intent") == "proposal":
            continue
        if id(order) not in drafts and status_of(order) not in statuses:
            continue
        if agent_of(order, pool) is None and (why := unidentified_drug(order, pool)):
            found.append((reference_of(order), why))
    return sorted(found)
