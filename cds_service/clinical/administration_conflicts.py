"""Not plausible is not a fact, for a dose against the records it names (docs/facts.md "Plausibility", "A
dose and the records it names"): part of the plausibility layer (``clinical.plausibility``).

A dose charted as given is a fact only when the records it names say it could have been given. It conflicts
with them when it names (``request``; STU3/DSTU2 ``prescription``):

* an order **entered in error** (never a valid order) or **cancelled**: FHIR R4 medicationrequest-status
  defines cancelled as "the prescription has been withdrawn before any administrations have occurred", so
  a dose charted under it contradicts it, whatever the dates;
* an order **stopped**, **completed** or **on hold**, the dose given after the order was last updated
  (``meta.lastUpdated``, the latest moment its status can have been set): given under an order that had
  already ended or was held. A dose before that moment may have been given before the stop, and is not
  questioned;
* an order of **another drug**: both identified (doxorubicin beside liposomal doxorubicin is one drug told
  more precisely, as ``clinical.drugs`` reads them), or an order whose drug the service does not identify
  but which identifies one (a code in a drug code system, or words) and names the dose's nowhere in its
  codes or words (``drugs.drug_named``: an ondansetron premedication order); an order whose drug cannot be
  read at all (a local code alone) raises nothing;
* an order **written after the dose** (its ``authoredOn`` on a later day than the dose): a dose cannot be
  given under an order not yet written. A draft being signed is not held to it (an active order modified
  and sent back as a draft under its own id carries today's date over the doses given under it);

or when it was given during (``context``; R5/DSTU2 ``encounter``) an Encounter **cancelled** ("the Encounter
has ended before it has begun", R4 encounter-status) or entered in error.

Doses under one order also conflict with its schedule when they come closer together than its Timing
allows (``sooner_than_its_schedule``, docs/facts.md "A dose sooner than its order's schedule"): a dose the
day after another under an order given every 21 days was charted on the wrong day, or twice.

The order or Encounter is looked for wherever the request holds it: ``contained`` in the administration,
any prefetch key, the orders being signed. One that is not in the data raises no conflict (a dose's order is
seldom sent). The caller counts each dose that conflicts as an unknown part, never as a dose, the reason
naming the record it conflicts with.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from fractions import Fraction
from typing import NamedTuple

from cds_service.clinical.administrations import Administration
from cds_service.clinical.codes import ANTHRACYCLINES, Agent
from cds_service.clinical.drugs import DrugNamed, agent_of, drug_named
from cds_service.clinical.fhir_read import dicts, obj, parse_datetime, status_of
from cds_service.clinical.schedule import order_date, schedule_plan
from cds_service.fhir.pool import MEDICATION_ORDER_TYPES, Resource, ResourcePool, reference_of

# FHIR R4 medicationrequest-status (STU3 the same, DSTU2 MedicationOrder without "cancelled"): an order
# under which no dose can have been given at all, and one under which no dose can have been given after it
# last changed.
NO_DOSE_STATUSES = frozenset({"cancelled", "entered-in-error"})
ENDED_STATUSES = frozenset({"stopped", "completed", "on-hold"})
# FHIR R4 encounter-status: an encounter that never took place.
NO_ENCOUNTER_STATUSES = frozenset({"cancelled", "entered-in-error"})

# Drugs read as one (docs/facts.md "Drugs": doxorubicin beside liposomal doxorubicin is one drug told more
# precisely): an administration of one charted under an order of the other is no conflict.
_ONE_DRUG = frozenset({Agent.DOXORUBICIN, Agent.LIPOSOMAL_DOXORUBICIN})

_WHY_NO_DOSE = {
    "cancelled": "cancelled (withdrawn before any dose was given)",
    "entered-in-error": "entered in error",
}


class _Order(NamedTuple):
    """What a dose is checked against in the order it names, read once per order: a course's hundreds of
    doses name the same few orders."""

    resource: Resource
    reference: str  # "the order it names" for a contained order without an id
    status: str | None
    updated: datetime | None  # meta.lastUpdated, read only for an ended order
    written: date | None
    draft: bool  # one of the orders being signed (its date is today's, not the doses')
    drug: Agent | None
    # What its codes and words name, read when its drug is none the service identifies (an ondansetron
    # premedication order): whether it names another drug than a dose's
    named: DrugNamed | None


class _OrdersNamed:
    """The orders a request's doses name, each resolved once (a ``#contained`` reference depends on its
    administration, and is resolved for it alone) and read once, when a check asks what it says."""

    def __init__(self, pool: ResourcePool) -> None:
        self.pool = pool
        self._by_reference: dict[str, Resource | None] = {}
        self._read: dict[int, _Order] = {}

    def resolved(self, administration: Administration) -> Resource | None:
        """The medication order the dose names, when the request holds it."""
        resource = administration.resource
        named = resource.get("request") or resource.get("prescription")
        if not named:
            return None
        written = obj(named).get("reference")
        if not isinstance(written, str) or written.startswith("#"):
            return self._resolve(named, resource)
        if written not in self._by_reference:
            self._by_reference[written] = self._resolve(named, resource)
        return self._by_reference[written]

    def of(self, administration: Administration) -> _Order | None:
        """What the order the dose names says (its status, dates, drug), read once per order."""
        found = self.resolved(administration)
        if found is None:
            return None
        if id(found) not in self._read:
            self._read[id(found)] = self._order(found)
        return self._read[id(found)]

    def _resolve(self, named: object, within: Resource) -> Resource | None:
        found = self.pool.resolve(named, within=within)
        if found is None or found.get("resourceType") not in MEDICATION_ORDER_TYPES:
            return None
        return found

    def _order(self, order: Resource) -> _Order:
        reference = reference_of(order)
        if reference == order.get("resourceType"):  # a contained order without an id
            reference = "the order it names"
        status = status_of(order)
        updated = (
            parse_datetime(obj(order.get("meta")).get("lastUpdated")) if status in ENDED_STATUSES else None
        )
        drug = agent_of(order, self.pool)
        return _Order(
            order,
            reference,
            status,
            updated,
            order_date(order),
            any(order is draft for draft in self.pool.draft_orders),
            drug,
            drug_named(order, self.pool) if drug is None else None,
        )


def _encounters(resource: Resource, pool: ResourcePool) -> Iterable[Resource]:
    for key in ("context", "encounter"):
        for target in dicts(resource.get(key)):
            found = pool.resolve(target, within=resource)
            if found is not None and found.get("resourceType") == "Encounter":
                yield found


def _after(administration: Administration, updated: datetime) -> bool:
    """Whether the dose was given after ``updated``: on the real times when it has a time of day, else a
    later day than the update's own (a dose charted with a date only, on the day of the update, may have
    been given before it)."""
    if administration.moment is not None:
        return administration.moment > updated
    return administration.when is not None and administration.when > updated.date()


def against_its_order(administration: Administration, orders: _OrdersNamed) -> str:
    """Why the dose conflicts with the order it names, or "" when it does not (or the order is not in the
    data)."""
    order = orders.of(administration)
    if order is None:
        return ""
    reference, status = order.reference, order.status
    if status in NO_DOSE_STATUSES:
        return f"charted as given under {reference}, which is {_WHY_NO_DOSE[status]}: not counted"
    if order.updated is not None and _after(administration, order.updated):
        return (
            f"charted as given after {reference} was {status} (last updated "
            f"{order.updated.date().isoformat()}): not counted"
        )
    written = order.written
    if (
        written is not None
        and administration.when is not None
        and administration.when < written
        and not order.draft
    ):
        return (
            f"charted as given on {administration.when.isoformat()} under {reference}, written "
            f"{written.isoformat()}: a dose cannot be given under an order not yet written: not counted"
        )
    ordered, given = order.drug, administration.agent
    if ordered is not None and ordered is not given and not {ordered, given} <= _ONE_DRUG:
        return (
            f"charted as {given.value} under {reference}, an order of {ordered.value}: which drug was "
            "given is not known: not counted"
        )
    named = order.named
    if named is not None and named.identified and not named.names(given):
        # An order whose drug is none the service identifies, but which identifies one (a drug code, words)
        # and nowhere names the dose's: an order of another drug all the same. One it cannot read at all (a
        # local code alone) says nothing against the dose.
        return (
            f"charted as {given.value} under {reference}, an order of {named.said!r}, which names no "
            f"{given.value}: which drug was given is not known: not counted"
        )
    return ""


def against_its_encounter(administration: Administration, pool: ResourcePool) -> str:
    """Why the dose conflicts with the Encounter it was charted in, or ""."""
    for encounter in _encounters(administration.resource, pool):
        status = status_of(encounter)
        if status in NO_ENCOUNTER_STATUSES:
            said = "cancelled (it never took place)" if status == "cancelled" else "entered in error"
            return f"charted as given during {reference_of(encounter)}, which is {said}: not counted"
    return ""


# A dose under an order is questioned when it comes sooner after the dose before it than this share of the
# interval the order's Timing gives (our choice): a cycle is often moved a few days (a delay for counts, a
# holiday), seldom by half its length; a dose the next day under an order given every 21 days is no such
# move but a dose charted on the wrong day, or charted twice. A dose a day under a daily order, day 1 and
# day 8 under an order given twice in 21 days (its interval 10.5 days), stay within it.
SOONEST_SHARE_OF_INTERVAL = Fraction(1, 2)


def _days_apart(one: Administration, other: Administration) -> float:
    """The most the two doses can be apart, in days: on their times when both have one, else their days
    apart and a day more (two doses charted a day apart by date alone may be nearly two days apart)."""
    if one.moment is not None and other.moment is not None:
        return (other.moment - one.moment).total_seconds() / 86400
    if one.when is None or other.when is None:
        return math.inf
    return (other.when - one.when).days + 1


def _in_time_order(a: Administration) -> tuple[object, ...]:
    """Doses by day, then a timed one by its time before one with none, then by reference."""
    return (a.when, a.moment is None, a.moment.timestamp() if a.moment else 0, a.reference)


def _apart_in_words(one: Administration, other: Administration) -> str:
    if one.moment is not None and other.moment is not None:
        hours = (other.moment - one.moment).total_seconds() / 3600
        return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.1f} days"
    days = (other.when - one.when).days if one.when is not None and other.when is not None else 0
    return "the same day" if days == 0 else f"{days} day{'s' if days > 1 else ''}"


def sooner_than_its_schedule(administrations: Iterable[Administration], pool: ResourcePool) -> dict[str, str]:
    """Anthracycline doses charted under one order sooner after the dose before them than its Timing
    allows (less than ``SOONEST_SHARE_OF_INTERVAL`` of the interval its frequency per period gives): each
    such later dose is mapped to why, an unknown part of its totals, never a dose (a dose charted on the
    wrong day, or charted twice, cannot be told from a dose no schedule gives). Doses are taken in time
    order, each compared with the last one kept. An order whose Timing gives no spacing (none written, a
    count or dated events alone, a Timing not read) is not questioned, nor a dose whose order is not in the
    data."""
    by_order: dict[int, tuple[Resource, list[Administration]]] = {}
    orders = _OrdersNamed(pool)
    for administration in administrations:
        if administration.agent not in ANTHRACYCLINES or administration.when is None:
            continue
        order = orders.resolved(administration)
        if order is not None:
            by_order.setdefault(id(order), (order, []))[1].append(administration)
    found: dict[str, str] = {}
    for order, doses in by_order.values():
        if len(doses) < 2:
            continue
        most_a_day = schedule_plan(order).most_a_day()
        if not most_a_day:
            continue
        interval = 1 / most_a_day
        soonest = float(interval * SOONEST_SHARE_OF_INTERVAL)
        doses.sort(
            key=lambda a: (a.when, a.moment is None, a.moment.timestamp() if a.moment else 0, a.reference)
        )
        last = doses[0]
        for dose in doses[1:]:
            if _days_apart(last, dose) >= soonest:
                last = dose
                continue
            reference = reference_of(order)
            found[dose.reference] = (
                f"charted {_apart_in_words(last, dose)} after {last.reference} under {reference}, whose "
                f"timing gives a dose every {float(interval):.3g} days: sooner than its schedule allows (a "
                "dose charted on the wrong day, or charted twice): not counted"
            )
    return found


def conflicts(administrations: Iterable[Administration], pool: ResourcePool) -> dict[str, str]:
    """Each administration that conflicts with the order or the Encounter it names, with why."""
    found: dict[str, str] = {}
    orders = _OrdersNamed(pool)
    for administration in administrations:
        resource = administration.resource
        if not (
            resource.get("request")
            or resource.get("prescription")
            or resource.get("context")
            or resource.get("encounter")
        ):
            continue  # the usual record of a long history names neither: nothing to look up
        why = against_its_order(administration, orders) or against_its_encounter(administration, pool)
        if why:
            found[administration.reference] = why
    return found
