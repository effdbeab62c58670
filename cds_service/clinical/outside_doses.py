"""Anthracycline given, by a record the service does not read doses from (not read is not absent,
docs/facts.md "What is not read").

Doses are read from MedicationAdministration (``administrations``) and planned from orders and care plans.
A patient's earlier doxorubicin is often recorded elsewhere: an outside course charted as a
MedicationStatement ("outside records", what the patient reports or another provider gave), a
MedicationDispense with no administration here, a chemotherapy Procedure naming the drug. Such a record
is neither a dose nor nothing: each is an *unknown part* of the cumulative totals, named after its
resource, so a total below its threshold is unknown (pend for the records), never a deny; a known part
that reaches the threshold still meets it.

A record is not an outside dose when it is about a dose read here: it names (``partOf``, ``derivedFrom``)
an administration in the data, or (a dispense, a procedure) an administration of the same drug is charted
on its day or the day after. A statement of a drug not taken (``not-taken``, STU3/DSTU2 ``taken``/
``wasNotTaken``), only intended, or entered in error is not one either, nor is anything dated after the
order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from cds_service.clinical.administrations import COUNTED_STATUSES, Administration
from cds_service.clinical.codes import ANTHRACYCLINES, Agent
from cds_service.clinical.doses import Dose
from cds_service.clinical.drugs import agent_of, agent_of_concept
from cds_service.clinical.drugs import unidentified as unidentified_drug
from cds_service.clinical.fhir_read import as_list, dicts, obj, parse_date, status_of
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_NOT_A_DOSE = frozenset({"entered-in-error", "not-taken", "intended", "cancelled", "declined", "not-done"})
_PROCEDURE_DONE = frozenset({"completed", "in-progress"})
# A dispense or a procedure whose administration is charted here, on its day or the next.
_SAME_DOSE_DAYS = timedelta(days=1)


def _first_date(resource: Resource, *keys: str) -> date | None:
    """The first of ``keys`` that holds a date (a dateTime, or a Period's start, else its end)."""
    for key in keys:
        value = resource.get(key)
        period = obj(value)
        found = parse_date(period.get("start") or period.get("end")) if period else parse_date(value)
        if found is not None:
            return found
    return None


def _names_administration(resource: Resource, pool: ResourcePool) -> bool:
    for key in ("partOf", "derivedFrom"):
        for target in dicts(resource.get(key)):
            found = pool.resolve(target, within=resource)
            if found is not None and found.get("resourceType") == "MedicationAdministration":
                return True
    return False


def _procedure_agent(procedure: Resource, pool: ResourcePool) -> Agent | None:
    """The anthracycline a Procedure names: its code (a chemotherapy procedure named after the drug) or
    a code it used (``usedCode``), by code or by name."""
    for concept in [procedure.get("code"), *as_list(procedure.get("usedCode"))]:
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
            f"{agent.value} recorded in a {resource.get('resourceType')} ({what}), a record the service "
            "does not read doses from: an unknown part of the total until the doses are sent"
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
    # An administration whose drug cannot be identified could be an anthracycline given here.
    if unidentified is None:
        unidentified = [
            a
            for a in pool.of_type("MedicationAdministration")
            if status_of(a) in COUNTED_STATUSES and agent_of(a, pool) is None
        ]
    for administration in unidentified:
        why = unidentified_drug(administration, pool)
        on = _first_date(administration, "effectiveDateTime", "effectivePeriod")
        if why and (on is None or on <= cutoff):
            note = f"{why}: an unknown part of the total until its drug is sent"
            found.append(Dose(reference_of(administration), Agent.DOXORUBICIN, on, None, note=note))
    return found


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
