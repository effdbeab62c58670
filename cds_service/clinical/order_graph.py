"""Every order in play linked to the orders it replaces, fulfils or belongs with, so that one dose is
counted once across every link (docs/facts.md "One dose, every link").

The links between medication orders, read once per request:

* **replaces**: R4 ``priorPrescription``, a ``replaces`` element (ServiceRequest-style, sent on
  MedicationRequests too) or an extension whose url ends in ``replaces`` or ``priorPrescription`` (R5
  cross-version extensions). The replaced order adds no doses of its own, whatever its drug; chains are
  followed to the order that replaces them all; orders naming each other in a loop are left as they are
  (nothing tells which stands).
* **fulfils**: an order ``basedOn`` another order of the same drug (an intent ``order`` releasing a cycle
  of an intent ``plan``, an ``instance-order`` of its parent), or, with no ``basedOn``, an order that
  shares a ``groupIdentifier`` with an intent ``plan`` or ``proposal`` order of the same drug. Its doses
  are the plan's: ``fulfilled_schedule`` counts each once, the released amount on the plan's day.
* **belongs with**: orders of the same drug sharing a ``groupIdentifier``, neither fulfilling the other
  (``OrderGraph.group``): a dose both plan on the same day is one dose (``regimen.doses_to_come``).

Pure and bounded: one pass over the orders, each link followed at most once per order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from cds_service.clinical.codes import Agent
from cds_service.clinical.fhir_read import dicts, obj
from cds_service.clinical.schedule import PlannedDose, PlannedSchedule
from cds_service.fhir.pool import Resource, relative_part

# Intents of an order that plans what other orders release (FHIR R4 request-intent).
PLAN_INTENTS = frozenset({"plan", "proposal"})
# A released dose within this many days of a dose its plan schedules is that dose, moved (our choice: a
# cycle is delayed by a few days for counts or holidays, never by a whole 21-day cycle).
SAME_CYCLE = timedelta(days=7)


@dataclass(frozen=True)
class OrderNode:
    """One medication order in play, as the graph reads it."""

    resource: Resource
    reference: str
    agent: Agent | None


@dataclass(frozen=True)
class OrderGraph:
    # replaced order -> the order in play that replaces it (at the end of any chain)
    replaced_by: Mapping[str, str] = field(default_factory=dict)
    # fulfilling order -> the plan (or parent order) in play whose doses it releases, and how it says so
    fulfils: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # order -> its group ("system|value" of groupIdentifier) when another order of its drug shares it
    group: Mapping[str, str] = field(default_factory=dict)

    def replaces(self, reference: str) -> tuple[str, ...]:
        """The orders ``reference`` replaces, by reference."""
        return tuple(sorted(old for old, new in self.replaced_by.items() if new == reference))

    def members(self, reference: str) -> tuple[str, ...]:
        """The orders that fulfil ``reference`` (whose doses it counts), by reference."""
        return tuple(sorted(child for child, (parent, _) in self.fulfils.items() if parent == reference))

    def linked(self, reference: str) -> frozenset[str]:
        """Every order linked to ``reference`` by any link, directly or through others: the orders whose
        doses are not to be added to its own."""
        neighbours: dict[str, set[str]] = {}
        edges = [*self.replaced_by.items(), *((a, b) for a, (b, _) in self.fulfils.items())]
        by_group: dict[str, list[str]] = {}
        for order, group in self.group.items():
            by_group.setdefault(group, []).append(order)
        for orders in by_group.values():
            edges += [(orders[0], other) for other in orders[1:]]
        for a, b in edges:
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
        seen, todo = {reference}, [reference]
        while todo:
            for other in neighbours.get(todo.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return frozenset(seen - {reference})


def _references(targets: Iterable[Any]) -> Iterator[str]:
    for target in targets:
        ref = obj(target).get("reference")
        part = relative_part(ref) if isinstance(ref, str) and not ref.startswith("#") else None
        if part is not None:
            yield part


def replaced_references(order: Resource) -> Iterator[str]:
    """The orders this one says it replaces: R4 ``priorPrescription``; a ``replaces`` element (R5
    MedicationRequest has none, but ServiceRequest-style linkage is sent); an extension whose url ends in
    ``replaces`` or ``priorPrescription`` (R5 cross-version extensions)."""
    targets: list[Any] = [order.get("priorPrescription"), *dicts(order.get("replaces"))]
    for extension in dicts(order.get("extension")):
        url = extension.get("url")
        if isinstance(url, str) and url.rstrip("/").endswith(("replaces", "priorPrescription")):
            targets.append(extension.get("valueReference"))
    return _references(targets)


def _group_key(order: Resource) -> str | None:
    group = obj(order.get("groupIdentifier"))
    value = group.get("value")
    if not isinstance(value, str) or not value.strip():
        return None
    system = group.get("system")
    return f"{system if isinstance(system, str) else ''}|{value.strip()}"


def _intent(order: Resource) -> str:
    intent = order.get("intent")
    return intent.strip().lower() if isinstance(intent, str) else ""


def order_graph(nodes: Sequence[OrderNode]) -> OrderGraph:
    """The links between the orders in play ``nodes`` (links to orders not in play are not followed: an
    order whose plan is not in play counts its own doses)."""
    known = {node.reference: node for node in nodes}
    replaced_by = _replacements(nodes, known)
    fulfils: dict[str, tuple[str, str]] = {}
    groups: dict[tuple[str, Agent], list[OrderNode]] = {}
    for node in nodes:
        key = _group_key(node.resource)
        if key is not None and node.agent is not None:
            groups.setdefault((key, node.agent), []).append(node)

    def standing(reference: str) -> str:
        """The order in play that stands for ``reference``: itself, or what replaces it in the end."""
        return replaced_by.get(reference, reference)

    def plan_of(node: OrderNode) -> tuple[str, str] | None:
        """The order ``node`` releases doses of, and the link that says so: ``basedOn`` an order of its
        drug (through any replacement of that order), else a shared ``groupIdentifier`` with a plan."""
        parents = sorted(
            root
            for target in _references(dicts(node.resource.get("basedOn")))
            if target in known
            and (root := standing(target)) != node.reference
            and known[root].agent is node.agent
        )
        if parents:
            return parents[0], "basedOn"
        key = _group_key(node.resource)
        if key is None or node.agent is None or _intent(node.resource) in PLAN_INTENTS:
            return None
        plans = sorted(
            standing(other.reference)
            for other in groups.get((key, node.agent), [])
            if _intent(other.resource) in PLAN_INTENTS
            and standing(other.reference) != node.reference
            and known[standing(other.reference)].agent is node.agent
        )
        return (plans[0], "groupIdentifier") if plans else None

    for node in nodes:
        if node.agent is None or node.reference in replaced_by:
            continue
        found = plan_of(node)
        if found is None:
            # A re-order of a release is a release too: it inherits the plan of the order it replaces.
            for old in sorted(o for o, new in replaced_by.items() if new == node.reference):
                inherited = plan_of(known[old]) if known[old].agent is node.agent else None
                if inherited is not None and inherited[0] != node.reference:
                    found = (inherited[0], f"{inherited[1]}, through {old} it replaces")
                    break
        if found is not None:
            fulfils[node.reference] = found
    fulfils = _to_roots(fulfils)
    # Siblings: orders that stand on their own (neither replaced nor fulfilling another) yet belong
    # together: a shared groupIdentifier, or replacing the same order (two re-orders of one order).
    standing_alone = {
        node.reference
        for node in nodes
        if node.reference not in fulfils and node.reference not in replaced_by
    }
    sets = [
        [node.reference for node in members if node.reference in standing_alone]
        for members in groups.values()
    ]
    replacing: dict[str, set[str]] = {}
    for node in nodes:
        for target in replaced_references(node.resource):
            if target in known and target != node.reference:
                replacing.setdefault(target, set()).add(node.reference)
    sets += [sorted(found & standing_alone) for found in replacing.values()]
    return OrderGraph(replaced_by, fulfils, _sibling_keys(sets))


def _sibling_keys(sets: Iterable[list[str]]) -> dict[str, str]:
    """Each order in a set of two or more siblings, mapped to one key per connected set (sets sharing an
    order are one set): the first reference in it, so the key does not depend on resource order."""
    parent: dict[str, str] = {}

    def root(reference: str) -> str:
        while parent.setdefault(reference, reference) != reference:
            reference = parent[reference]
        return reference

    for members in sets:
        if len(members) < 2:
            continue
        first = root(members[0])
        for other in members[1:]:
            second = root(other)
            if first != second:
                low, high = sorted((first, second))
                parent[high] = low
                first = low
    keys: dict[str, str] = {}
    for reference in parent:
        keys[reference] = root(reference)
    return keys


def _replacements(nodes: Sequence[OrderNode], known: Mapping[str, OrderNode]) -> dict[str, str]:
    """``{replaced: replacing}`` over the orders in play, following chains to the order that replaces
    them all; orders that name each other in a loop are left as they are (nothing to tell which stands)."""
    direct: dict[str, str] = {}
    for node in nodes:
        for target in replaced_references(node.resource):
            if target in known and target != node.reference:
                # Two orders claiming to replace one: the first by reference, so resource order does not
                # matter (either way the replaced order adds nothing).
                direct[target] = min(direct.get(target, node.reference), node.reference)
    final: dict[str, str] = {}
    for target in direct:
        seen = {target}
        current = direct[target]
        while current in direct and current not in seen:
            seen.add(current)
            current = direct[current]
        if current not in seen:
            final[target] = current
    return final


def _to_roots(fulfils: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Each fulfilling order mapped to the root of its chain (a release of a release of a plan counts as
    the plan's); orders fulfilling each other in a loop are left counting their own doses."""
    rooted: dict[str, tuple[str, str]] = {}
    for child, (parent, how) in fulfils.items():
        seen = {child}
        current = parent
        while current in fulfils and current not in seen:
            seen.add(current)
            current = fulfils[current][0]
        if current not in seen:
            rooted[child] = (current, how)
    return rooted


@dataclass(frozen=True)
class Fulfilled:
    """A plan's schedule with the doses its releases plan counted once: each released dose takes the
    place of the plan's dose of that cycle (its amount is the one released); a released dose matching
    no dose of the plan cannot be told from an extra one (``unplaced``, an unknown part of a total)."""

    schedule: PlannedSchedule
    unplaced: tuple[tuple[str, PlannedDose], ...] = ()  # (releasing order, its dose)


def fulfilled_schedule(plan: PlannedSchedule, releases: Sequence[tuple[str, PlannedSchedule]]) -> Fulfilled:
    """``plan``'s doses, each released one on its cycle's day with the released amount.

    A plan that states no doses of its own (open-ended) is an unknown part already: its releases' dated
    doses are then counted as they are (known doses of the regimen whose extent is unknown)."""
    released = sorted(
        ((reference, dose) for reference, schedule in releases for dose in schedule.doses),
        key=lambda item: (item[1].when is None, item[1].when or date.min, item[0]),
    )
    if not plan.doses:
        known = tuple(dose for _, dose in released if dose.when is not None)
        unplaced = tuple(item for item in released if item[1].when is None)
        return Fulfilled(PlannedSchedule(plan.doses + known, plan.open_ended), unplaced)
    doses = list(plan.doses)
    taken: set[int] = set()
    unplaced_doses: list[tuple[str, PlannedDose]] = []
    for reference, dose in released:
        if dose.when is None:
            unplaced_doses.append((reference, dose))
            continue
        candidates = [
            (abs(planned.when - dose.when), planned.when, index)
            for index, planned in enumerate(plan.doses)
            if index not in taken and planned.when is not None and abs(planned.when - dose.when) <= SAME_CYCLE
        ]
        if not candidates:
            unplaced_doses.append((reference, dose))
            continue
        _, _, index = min(candidates)
        taken.add(index)
        doses[index] = PlannedDose(dose.when, dose.amount or plan.doses[index].amount)
    return Fulfilled(PlannedSchedule(tuple(doses), plan.open_ended), tuple(unplaced_doses))
