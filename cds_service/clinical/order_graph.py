"""Every order in play linked to the orders it replaces, fulfils or belongs with, so that one dose is
counted once across every link (docs/facts.md "One dose, every link").

The links between medication orders, read once per request:

* **replaces**: R4 ``priorPrescription``, a ``replaces`` element (ServiceRequest-style, sent on
  MedicationRequests too) or an extension whose url ends in ``replaces`` or ``priorPrescription`` (R5
  cross-version extensions). The replaced order adds no doses of its own, whatever its drug; chains are
  followed to the order that replaces them all; orders naming each other in a loop are left as they are
  (nothing tells which stands), and so is an order claiming to replace one written after it.
* **fulfils**: an order ``basedOn`` another order of the same drug (an intent ``order`` releasing a cycle
  of an intent ``plan``, an ``instance-order`` of its parent), or, with no ``basedOn``, an order that
  shares a ``groupIdentifier`` with an intent ``plan`` or ``proposal`` order of the same drug. Its doses
  are the plan's: ``fulfilled_schedule`` counts each once, the released amount on the plan's day.
* **belongs with**: orders of the same drug sharing a ``groupIdentifier``, neither fulfilling the other
  (``OrderGraph.group``): a dose both plan on the same day is one dose (``regimen.doses_to_come``).

Pure and bounded: one pass over the orders, each link followed at most once per order.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from cds_service.clinical.codes import Agent
from cds_service.clinical.fhir_read import dicts, obj
from cds_service.clinical.limits import PLANNED_DOSES_PER_ORDER
from cds_service.clinical.schedule import PlannedDose, PlannedSchedule, order_date
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
    # order -> its siblings' key (a shared groupIdentifier, or replacing the same order), when it has some
    group: Mapping[str, str] = field(default_factory=dict)
    # Each order's neighbours over every link, worked out once (``linked`` walks them).
    _neighbours: dict[str, set[str]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _replacing: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _members: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        edges = [*self.replaced_by.items(), *((a, b) for a, (b, _) in self.fulfils.items())]
        first_of: dict[str, str] = {}
        for order, key in sorted(self.group.items()):
            edges.append((first_of.setdefault(key, order), order))
        for a, b in edges:
            if a != b:
                self._neighbours.setdefault(a, set()).add(b)
                self._neighbours.setdefault(b, set()).add(a)
        for old, new in self.replaced_by.items():
            self._replacing.setdefault(new, []).append(old)
        for child, (parent, _) in self.fulfils.items():
            self._members.setdefault(parent, []).append(child)

    def replaces(self, reference: str) -> tuple[str, ...]:
        """The orders ``reference`` replaces, by reference."""
        return tuple(sorted(self._replacing.get(reference, ())))

    def members(self, reference: str) -> tuple[str, ...]:
        """The orders that fulfil ``reference`` (whose doses it counts), by reference."""
        return tuple(sorted(self._members.get(reference, ())))

    def linked(self, reference: str) -> frozenset[str]:
        """Every order linked to ``reference`` by any link, directly or through others: the orders whose
        doses are not to be added to its own."""
        seen, todo = {reference}, [reference]
        while todo:
            for other in self._neighbours.get(todo.pop(), ()):
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

    replaced_here: dict[str, list[str]] = {}
    for old, new in replaced_by.items():
        replaced_here.setdefault(new, []).append(old)
    for node in nodes:
        if node.agent is None or node.reference in replaced_by:
            continue
        found = plan_of(node)
        if found is None:
            # A re-order of a release is a release too: it inherits the plan of the order it replaces.
            for old in sorted(replaced_here.get(node.reference, ())):
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
    claiming: dict[str, set[str]] = {}  # replaced order -> every order in play claiming to replace it
    for node in nodes:
        for target in replaced_references(node.resource):
            if target in known and target != node.reference and _replaces_plausibly(node, known[target]):
                claiming.setdefault(target, set()).add(node.reference)
    sets += [sorted(found & standing_alone) for found in claiming.values()]
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


def _replaces_plausibly(node: OrderNode, replaced: OrderNode) -> bool:
    """Not plausible is not a fact: an order cannot replace one written after it (its ``authoredOn`` a day
    before the other's, an active order claiming to replace the draft signed today). Such a link is not
    read: the two orders stand as orders nothing links."""
    written, other = order_date(node.resource), order_date(replaced.resource)
    return written is None or other is None or written >= other


def _replacements(nodes: Sequence[OrderNode], known: Mapping[str, OrderNode]) -> dict[str, str]:
    """``{replaced: replacing}`` over the orders in play, following chains to the order that replaces
    them all; orders that name each other in a loop are left as they are (nothing to tell which stands)."""
    direct: dict[str, str] = {}
    for node in nodes:
        for target in replaced_references(node.resource):
            if target in known and target != node.reference and _replaces_plausibly(node, known[target]):
                # Two orders claiming to replace one: the first by reference, so resource order does not
                # matter (either way the replaced order adds nothing; both are siblings, below).
                direct[target] = min(direct.get(target, node.reference), node.reference)
    return _chain_ends(direct)


def _chain_ends(direct: Mapping[str, str]) -> dict[str, str]:
    """Each key of ``direct`` mapped to the end of its chain, each end worked out once and shared along the
    chain (linear in the orders); keys in a loop are left out."""
    settled: dict[str, str | None] = {}  # key -> the end of its chain (None: in a loop)
    for start in direct:
        path: list[str] = []
        seen: set[str] = set()
        current = start
        while current in direct and current not in settled and current not in seen:
            seen.add(current)
            path.append(current)
            current = direct[current]
        end = settled.get(current, None if current in seen else current)
        for step in path:
            settled[step] = end
    return {key: end for key, end in settled.items() if end is not None}


def _to_roots(fulfils: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Each fulfilling order mapped to the root of its chain (a release of a release of a plan counts as
    the plan's); orders fulfilling each other in a loop are left counting their own doses."""
    ends = _chain_ends({child: parent for child, (parent, _) in fulfils.items()})
    return {child: (end, fulfils[child][1]) for child, end in ends.items()}


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
    doses are then counted as they are (known doses of the regimen whose extent is unknown). A plan whose
    schedule is not read is an unknown part as it stands: its releases add nothing to it. A release whose
    schedule is not read, or a dose a range may add that no cycle matches, cannot be placed."""
    if plan.unread or not releases:
        return Fulfilled(plan)
    released: list[tuple[str, PlannedDose, bool]] = []  # (order, dose, optional)
    unplaced: list[tuple[str, PlannedDose]] = []
    for reference, schedule in releases:
        if schedule.unread:
            unplaced.append((reference, PlannedDose(None, None)))
            continue
        released += [(reference, dose, False) for dose in schedule.doses]
        released += [(reference, dose, True) for dose in schedule.optional]
    released.sort(key=lambda item: (item[1].when is None, item[1].when or date.min, item[0], item[2]))
    if not plan.doses and not plan.optional:
        known = tuple(dose for _, dose, optional in released if dose.when is not None and not optional)
        unplaced += [(ref, dose) for ref, dose, optional in released if dose.when is None or optional]
        cap = PLANNED_DOSES_PER_ORDER.value
        if len(known) > cap:
            why = f"its releases plan {len(known)} doses, more than the {cap} read per order"
            return Fulfilled(PlannedSchedule((), unread=why))
        return Fulfilled(PlannedSchedule(known, plan.open_ended), tuple(unplaced))
    certain, optional_doses = list(plan.doses), list(plan.optional)
    # The plan's dated doses by day, each day's indices in order: a release takes the nearest free cycle.
    cycles: list[tuple[date, int, int]] = sorted(
        (dose.when, kind, index)
        for kind, doses in ((0, certain), (1, optional_doses))
        for index, dose in enumerate(doses)
        if dose.when is not None
    )
    days = [when for when, _, _ in cycles]
    taken: set[int] = set()
    for reference, dose, _optional in released:
        if dose.when is None:
            unplaced.append((reference, dose))
            continue
        low, high = bisect_left(days, dose.when - SAME_CYCLE), bisect_right(days, dose.when + SAME_CYCLE)
        free = [i for i in range(low, high) if i not in taken]
        if not free:
            unplaced.append((reference, dose))
            continue
        day = dose.when
        nearest = min(free, key=lambda i: (abs(days[i] - day), i))
        taken.add(nearest)
        _, kind, index = cycles[nearest]
        target = certain if kind == 0 else optional_doses
        target[index] = PlannedDose(dose.when, dose.amount or target[index].amount)
    return Fulfilled(PlannedSchedule(tuple(certain), plan.open_ended, tuple(optional_doses)), tuple(unplaced))
