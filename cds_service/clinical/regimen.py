"""Orders still in play (the draft orders being signed and active orders) and the doses they have to come.

docs/facts.md "Cumulative and planned doses": every dose of a draft order; for an active order (or a
draft being re-signed, which administrations already reference) only the doses still to come, so nothing
counts twice with the administrations already recorded:

* when administrations reference the order (``request``, DSTU2/STU3 ``prescription``), its schedule less
  that many doses (the earliest ones are the ones given);
* otherwise the doses scheduled from the approval start on, less any on or before the latest recorded
  administration of the same drug (a dose given on the day, not linked to its order, is not counted again);
* a dose the schedule dated before the approval start and not recorded as given (the order still active)
  may be delayed or may never come: an unknown part, so it can neither meet a threshold nor deny on one;
* a dose whose date is unknown, or an open-ended schedule, is an unknown part of the planned total.

One dose is counted once across every link between orders (``clinical.order_graph``, docs/facts.md "One
dose, every link"): an order that another order in play replaces (``priorPrescription``, or a ``replaces``
reference or extension) adds no doses of its own, and its replacement is read as a re-signed order (its
doses to come by their dates); an order that fulfils another (``basedOn``, an ``instance-order`` of its
parent, an intent ``order`` sharing a ``groupIdentifier`` with an intent ``plan``) is counted within it,
the released amount on its cycle's day; orders of one drug sharing a ``groupIdentifier``, or replacing the
same order, plan one dose where they plan the same amount on the same day.

"Orders in play": only ``draft``/``active`` orders are therapy (a draft being signed with any other status
is set aside, and says so); an ``on-hold`` (or ``unknown``) order is kept with its doses to come an unknown
part. "Planned totals need a known extent":
an order in play that does not state how many doses it plans (``repeat.count``, ``boundsPeriod`` end,
``boundsDuration``, or dated events) adds an unknown part, unless an active CarePlan states the regimen
of its drug (``clinical.care_plans``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from cds_service.clinical.administrations import Administration
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.codes import ANTHRACYCLINES, Agent
from cds_service.clinical.doses import Dose, amounts_disagree, dose_on, optional_dose, writes_a_dose_twice
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.fhir_read import status_missing, status_of
from cds_service.clinical.limits import PLANNED_DOSES_PER_READ
from cds_service.clinical.order_graph import OrderGraph, OrderNode, fulfilled_schedule, order_graph
from cds_service.clinical.orders import MEDICATION_ORDER_TYPES, not_going_ahead, prohibits
from cds_service.clinical.routes import LOCAL, REGIONAL, Route, order_route, why_not_counted
from cds_service.clinical.schedule import (
    PlannedDose,
    PlannedSchedule,
    dates_anchored,
    order_texts,
    range_in_words,
    schedule_plan,
    states_extent,
)
from cds_service.fhir.patient_scope import belongs_to_other_patient
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

# FHIR R4 medicationrequest-status (DSTU2 MedicationOrder shares these codes). A draft order being signed
# with no status at all is taken as a draft.
THERAPY_STATUSES = frozenset({"draft", "active", ""})
# Not stopped, not going on either: its doses to come are unknown ("on-hold", docs/facts.md "Record
# integrity").
UNSETTLED_STATUSES = frozenset({"on-hold", "unknown"})
# Every code of FHIR R4 medicationrequest-status (STU3 the same; DSTU2 MedicationOrder's are among them).
ORDER_STATUSES = frozenset(
    {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"}
)


@dataclass(frozen=True)
class OrderInPlay:
    resource: Resource
    reference: str
    agent: Agent
    draft: bool
    schedule: PlannedSchedule
    on_hold: bool = False  # on-hold or unknown status: whether and when its doses come is unknown
    replaces: tuple[str, ...] = ()  # the orders in play it replaces: it is read as re-signed
    # The orders in play that fulfil this one (its releases): their doses are counted within its schedule
    # (``order_graph.fulfilled_schedule``); a released dose matching none of its own is ``unplaced``.
    members: tuple[OrderNode, ...] = ()
    unplaced: tuple[tuple[str, PlannedDose], ...] = ()
    group: str | None = None  # its siblings' key (``OrderGraph.group``), when it has siblings in play

    @property
    def resources(self) -> tuple[Resource, ...]:
        """The order and its releases: every dose amount written for this regimen."""
        return (self.resource, *(member.resource for member in self.members))

    @property
    def references(self) -> frozenset[str]:
        return frozenset({self.reference, *(member.reference for member in self.members)})


@dataclass(frozen=True)
class OrdersRead:
    in_play: list[OrderInPlay]
    # (drug, "<ref> ...: why it is not therapy"), for the reasons of the nodes it touches
    set_aside: tuple[tuple[Agent, str], ...]
    graph: OrderGraph = field(default_factory=OrderGraph)
    # Orders that are no therapy of this patient's, yet not nothing either (not plausible is not a fact):
    # ``Unsettled``, by reference. Concurrency beside them is not read as absent.
    unsettled: tuple[Unsettled, ...] = ()


class Unsettled(NamedTuple):
    """An order that plans no dose read as this patient's, yet says something of the drug:

    * a prohibition in force (R4 ``doNotPerform``: a draft being signed, or an active or held order,
      forbidding the drug): the prescriber's word that it is not given now (a hold pending an
      echocardiogram);
    * a draft signed in this patient's hook whose subject is another patient: this patient's order filed
      wrong, or another patient's; its doses are an unknown part of the planned totals (``doses_unknown``).
    """

    agent: Agent
    reference: str
    why: str
    doses_unknown: bool = False


def read_orders(pool: ResourcePool, agents: frozenset[Agent]) -> OrdersRead:
    """Orders of ``agents`` in play, each once, and those set aside with the reason why.

    In play: draft orders being signed and active orders with status draft or active, plus on-hold ones
    (flagged). Never a prohibition or a proposal (``not_going_ahead``); never a draft being signed whose
    status says it is not going ahead (cancelled, stopped, completed, entered-in-error); never an order that
    another in play replaces, nor one that fulfils another in play (its doses are counted within that
    order's: ``OrderInPlay.members``). The links are in ``OrdersRead.graph``."""
    drafts = {id(order) for order in pool.draft_orders}
    candidates: list[tuple[OrderNode, bool, str]] = []
    set_aside: list[tuple[Agent, str]] = []
    unsettled: list[Unsettled] = []
    for order in pool.of_type(*MEDICATION_ORDER_TYPES):
        draft = id(order) in drafts
        status = status_of(order)
        if not_going_ahead(order):
            if prohibits(order) and (draft or status in {"active", *UNSETTLED_STATUSES}):
                agent = agent_of(order, pool)
                if agent is not None and agent in agents:
                    why = f"forbids {agent.value} for now (doNotPerform: held, not stopped)"
                    unsettled.append(Unsettled(agent, reference_of(order), why))
            continue
        if draft and pool.patient_id and belongs_to_other_patient(order, pool.patient_id):
            # Signed in this patient's hook, for another patient (docs/facts.md "Another patient's records")
            agent = agent_of(order, pool)
            if agent is not None and agent in agents and status in THERAPY_STATUSES | UNSETTLED_STATUSES:
                why = "is signed for this patient but names another patient as its subject"
                unsettled.append(Unsettled(agent, reference_of(order), why, doses_unknown=True))
            continue
        if not draft and status not in ORDER_STATUSES:
            # Not read is not absent: an order of the record whose status is missing (a data-absent-reason
            # in its place) or no FHIR code may be in force; like a hold, it settles neither concurrency
            # nor its doses to come
            agent = agent_of(order, pool)
            if agent is not None and agent in agents:
                written = str(order.get("status")).strip()[:40]
                said = status_missing(order) or f"its status {written!r} is no FHIR code"
                why = f"is an order whose status is not read ({said}): whether it is in force is not known"
                unsettled.append(Unsettled(agent, reference_of(order), why, doses_unknown=True))
            continue
        if not draft and status not in {"active", *UNSETTLED_STATUSES}:
            continue
        if draft and status not in THERAPY_STATUSES | UNSETTLED_STATUSES:
            agent = agent_of(order, pool)
            if agent is not None and agent in agents:
                set_aside.append((agent, f"{reference_of(order)} is {status}: not therapy"))
            continue
        agent = agent_of(order, pool)
        route = order_route(order) if agent in ANTHRACYCLINES and agent in agents else Route("")
        if route.kind == LOCAL and agent is not None:
            # Only a dose that reaches the circulation is one of the totals, or therapy dexrazoxane
            # accompanies (clinical.routes): a course of bladder instillations is neither.
            set_aside.append((agent, f"{reference_of(order)}: {why_not_counted(route, agent.value)}"))
            continue
        if not route.counts and agent is not None:
            how = "how much reaches the circulation is not known" if route.kind == REGIONAL else "not read"
            why = f"is ordered by the route {route.said!r} ({how})"
            unsettled.append(Unsettled(agent, reference_of(order), why, doses_unknown=True))
            continue
        candidates.append((OrderNode(order, reference_of(order), agent), draft, status))
    graph = order_graph([node for node, _, _ in candidates])
    members: dict[str, list[OrderNode]] = {}
    for node, _, _ in candidates:
        if node.reference in graph.fulfils:
            members.setdefault(graph.fulfils[node.reference][0], []).append(node)
    kept_orders: list[tuple[OrderNode, bool, str, Agent]] = []
    for node, draft, status in candidates:
        agent, reference = node.agent, node.reference
        if agent is None or agent not in agents:
            continue
        if reference in graph.replaced_by:
            by = graph.replaced_by[reference]
            set_aside.append((agent, f"{reference} is replaced by {by}: adds no doses of its own"))
            continue
        if reference in graph.fulfils:
            parent, how = graph.fulfils[reference]
            set_aside.append(
                (agent, f"{reference} fulfils {parent} ({how}): its doses are counted as {parent}'s, once")
            )
            continue
        kept_orders.append((node, draft, status, agent))
    releases = {
        node.reference: sorted(members.get(node.reference, []), key=lambda m: m.reference)
        for node, *_ in kept_orders
    }
    # How many doses the orders plan is known in closed form before any is listed: a record whose orders
    # (their releases included) plan more than the read's cap together has none listed, whatever order its
    # resources came in.
    plans = {
        each.reference: schedule_plan(each.resource)
        for node, *_ in kept_orders
        for each in (node, *releases[node.reference])
    }
    planned = sum(plan.size for plan in plans.values())
    cap = PLANNED_DOSES_PER_READ.value
    over = (
        f"the orders in play plan {planned} doses together, more than the {cap} read per request"
        if planned > cap
        else ""
    )
    found: list[OrderInPlay] = []
    for node, draft, status, agent in kept_orders:
        fulfilled = fulfilled_schedule(
            plans[node.reference].schedule(unread=over),
            [(m.reference, plans[m.reference].schedule(unread=over)) for m in releases[node.reference]],
        )
        found.append(
            OrderInPlay(
                node.resource,
                node.reference,
                agent,
                draft,
                fulfilled.schedule,
                on_hold=status in UNSETTLED_STATUSES,
                replaces=graph.replaces(node.reference),
                members=tuple(releases[node.reference]),
                unplaced=fulfilled.unplaced,
                group=graph.group.get(node.reference),
            )
        )
    return OrdersRead(
        found,
        tuple(sorted(set_aside, key=lambda note: note[1])),
        graph,
        tuple(sorted(unsettled, key=lambda found: found.reference)),
    )


def doses_to_come(
    orders: Iterable[OrderInPlay],
    administrations: Iterable[Administration],
    body: BodySurfaceArea,
    *,
    start: date,
    regimen_stated: frozenset[Agent] = frozenset(),
) -> list[Dose]:
    """The planned doses of ``orders`` not yet given, converted to mg/m² with the current BSA.

    An open-ended order is an unknown part of the planned total, unless an active CarePlan states the
    regimen of its drug (``regimen_stated``): the CarePlan then says how many doses remain, and its doses
    after the ordered ones are counted instead ("Planned totals need a known extent", docs/facts.md "Record
    integrity")."""
    administrations = list(administrations)
    linked = Counter(a.request for a in administrations if a.request)
    last_linked: dict[str, date] = {}
    for a in administrations:
        if a.request and a.when is not None and a.when > last_linked.get(a.request, date.min):
            last_linked[a.request] = a.when
    # Doses given on a day, linked to no order: a new draft's dose on that day is the one already given
    # (a dose given on the order date, later than the order, is not counted a second time as to come).
    unlinked_on = Counter((a.agent, a.when) for a in administrations if not a.request and a.when is not None)
    last_given: dict[Agent, date] = {}
    for a in administrations:
        if a.when is not None and a.when > last_given.get(a.agent, date.min):
            last_given[a.agent] = a.when
    planned: list[Dose] = []
    # By reference, so two drafts on one day take the given doses in an order that is always the same.
    for order in sorted(orders, key=lambda o: o.reference):
        # Administrations given under its releases are doses of its regimen too.
        own_given = sum(linked[reference] for reference in order.references)
        # A draft that administrations already reference, or one replacing another order, is an order
        # being re-signed: its given doses (or the replaced order's) are in the administered total, so it
        # is read like an active order (nothing counts twice). Whether a replacing order restates the
        # whole regimen or only what remains, its dates tell: doses dated before the approval start or
        # on or before the last dose given are not doses to come.
        resigned = not order.draft or bool(own_given) or bool(order.replaces)
        if order.on_hold:
            planned.append(unknown_part(order, "order on hold: its doses to come are unknown"))
            continue
        if order.schedule.unread:
            planned.append(unknown_part(order, f"schedule not read: {order.schedule.unread}"))
            continue
        if order.schedule.open_ended and order.agent not in regimen_stated:
            planned.append(unknown_part(order, "open-ended schedule"))
        # (dose, optional): the doses a range in the timing may add come after the certain ones.
        doses = [(d, False) for d in order.schedule.doses] + [(d, True) for d in order.schedule.optional]
        if not resigned:
            kept = []
            for planned_dose, optional in doses:
                if planned_dose.when is not None and unlinked_on[order.agent, planned_dose.when] > 0:
                    unlinked_on[order.agent, planned_dose.when] -= 1
                    continue
                kept.append((planned_dose, optional))
            doses = kept
        # Doses given under the orders it replaces are doses of the regimen it restates too.
        replaced_given = sum(linked[reference] for reference in order.replaces)
        if resigned:
            if (own_given and order.draft) or replaced_given:
                given_before = own_given + replaced_given
                doses, restated = _resigned_draft(order, doses, given_before, last_linked)
                planned.extend(
                    unknown_part(
                        order,
                        f"signed again with {given_before} dose(s) already given under it or the order it "
                        "replaces: whether it restates the whole regimen or only what remains cannot be told "
                        "(its schedule is dated from the order's date)",
                        when=d.when,
                    )
                    for d in restated
                )
            elif own_given:
                doses = doses[own_given:]
            else:
                given_until = last_given.get(order.agent, date.min)
                doses = [
                    (d, optional)
                    for d, optional in doses
                    if d.when is None or (d.when > given_until and d.when >= start)
                ]
            overdue = [d for d, _ in doses if d.when is not None and d.when < start]
            doses = [(d, optional) for d, optional in doses if d.when is None or d.when >= start]
            planned.extend(
                unknown_part(
                    order,
                    "scheduled before the approval start, not recorded as given: delayed or abandoned",
                    when=d.when,
                )
                for d in overdue
            )
        planned.extend(
            unknown_part(
                order,
                f"{member} plans a dose its plan {order.reference} does not schedule near that day: "
                "a moved dose or one more cannot be told",
                when=dose.when,
            )
            for member, dose in order.unplaced
        )
        # One dose written as amounts that disagree (doseAndRate "ordered" beside "calculated"): which is
        # planned is not known, so each dose to come is an unknown part (docs/facts.md "Every dose an
        # order writes")
        disagree = (
            amounts_disagree(order.resource, body.on(start), body.weight_on(start))
            if writes_a_dose_twice(order.resource)
            else ""
        )
        for planned_dose, optional in doses:
            if disagree:
                planned.append(unknown_part(order, disagree, when=planned_dose.when))
                continue
            if planned_dose.when is None and resigned and not own_given:
                planned.append(
                    unknown_part(
                        order,
                        "undated dose of an active or re-signed order: whether already given is unknown",
                    )
                )
                continue
            dose = dose_on(
                order.reference,
                order.agent,
                planned_dose.when,
                planned_dose.amount,
                body,
                fallback=start,
                planned=True,
            )
            planned.append(optional_dose(dose) if optional else dose)
    return _one_dose_per_order_day(
        _one_dose_per_group_day(planned, {o.reference: o.group for o in orders if o.group})
    )


def _one_dose_per_order_day(planned: list[Dose]) -> list[Dose]:
    """Orders of one drug that nothing links (no ``basedOn``, ``groupIdentifier`` or replacement: siblings
    are ``_one_dose_per_group_day``'s) planning a dose on the same day: one order written twice, or two
    doses of one anthracycline on one day that no regimen gives. Never both counted (not plausible is not
    a fact): the first order's dose (by reference) counts and each other order's dose that day is an
    unknown part; with different amounts none is known, each order's dose that day is an unknown part (it
    is still an order with doses to come). Where one order's dose that day is already an unknown part (a
    re-signed draft whose doses may be given already, a dose moved...), another order's dose that day may be
    the same dose: it is an unknown part too, never a known dose beside a maybe."""
    by_day: dict[tuple[Agent, date, bool], list[Dose]] = {}
    kept: list[Dose] = []
    for dose in planned:
        if dose.when is None:
            kept.append(dose)
            continue
        by_day.setdefault((dose.agent, dose.when, dose.optional), []).append(dose)
    for (agent, when, _), doses in by_day.items():
        orders = sorted({d.reference for d in doses})
        if len(orders) < 2:
            kept.extend(doses)
            continue
        doses.sort(key=lambda d: (d.reference, d.note))
        first = [d for d in doses if d.reference == orders[0]]
        names = ", ".join(orders)
        if any(d.mg_m2 is None for d in doses):
            unsure = sorted({d.reference for d in doses if d.mg_m2 is None})
            kept.extend(d for d in doses if d.mg_m2 is None)
            kept.extend(
                Dose(
                    d.reference,
                    agent,
                    when,
                    None,
                    planned=True,
                    note=f"{names} plan a dose on {when.isoformat()} and nothing links them, "
                    f"{', '.join(unsure)}'s not known: one order written twice, or a second dose no "
                    "regimen gives",
                )
                for d in doses
                if d.mg_m2 is not None
            )
            continue
        if len({round(d.mg_m2 or 0.0, 2) for d in doses}) == 1:
            kept.extend(first)
            kept.extend(
                Dose(
                    d.reference,
                    agent,
                    when,
                    None,
                    planned=True,
                    note=f"{names} plan the same dose on {when.isoformat()} and nothing links them: one "
                    "order written twice, or a second dose no regimen gives",
                )
                for d in doses
                if d.reference != orders[0]
            )
            continue
        note = f"{names} plan different doses on {when.isoformat()} and nothing links them: one or two"
        # each order keeps its dose of that day, unknown: it is still an order with doses to come
        kept.extend(Dose(reference, agent, when, None, planned=True, note=note) for reference in orders)
    return kept


def _resigned_draft(
    order: OrderInPlay,
    doses: list[tuple[PlannedDose, bool]],
    own_given: int,
    last_linked: dict[str, date],
) -> tuple[list[tuple[PlannedDose, bool]], list[PlannedDose]]:
    """The doses to come of an order signed again with doses already given under it (an active order
    modified and sent back as a draft) or under the order it replaces, and the doses that may or may not
    be among them.

    Such a draft restates the whole regimen (its count less the doses given) or only what remains (every
    dose it plans is to come): a dose counted as given when it is still to come would undercount the
    planned total and could deny a regimen that reaches its threshold. When its schedule is dated from a
    start it states (``schedule.dates_anchored``), the dates tell: the doses after the last one given
    under it are to come. When it is dated from the order's date, they cannot tell: the count less the
    doses given is known, and each dose the other reading adds is an unknown part."""
    given_until = max(
        (last_linked.get(ref, date.min) for ref in (*order.references, *order.replaces)), default=date.min
    )
    by_dates = [(d, optional) for d, optional in doses if d.when is None or d.when > given_until]
    if dates_anchored(order.resource):
        return by_dates, []
    by_count = doses[own_given:]
    extra = max(0, len(by_dates) - len(by_count))
    return by_count, [d for d, _ in by_dates[:extra]]


def _one_dose_per_group_day(planned: list[Dose], groups: dict[str, str]) -> list[Dose]:
    """Sibling orders of one drug (``order_graph``, "belongs with": a shared ``groupIdentifier``, or
    replacing the same order) that plan a dose on the same day plan one dose when they plan the same amount;
    different amounts on one day cannot be told apart (one dose changed, or two doses): each order's dose
    that day is an unknown part of the total (each is still an order with doses to come), never counted."""
    by_day: dict[tuple[str, Agent, date, bool], list[Dose]] = {}
    kept: list[Dose] = []
    for dose in planned:
        group = groups.get(dose.reference)
        if group is None or dose.when is None:
            kept.append(dose)
            continue
        by_day.setdefault((group, dose.agent, dose.when, dose.optional), []).append(dose)
    for (_, agent, when, _), doses in by_day.items():
        if len(doses) == 1:
            kept.append(doses[0])
            continue
        doses.sort(key=lambda d: d.reference)
        names = ", ".join(dict.fromkeys(d.reference for d in doses))
        amounts = {None if d.mg_m2 is None else round(d.mg_m2, 2) for d in doses}
        if len(amounts) == 1 and None not in amounts:
            remark = f"planned by {names} (linked orders) on the same day: counted once"
            kept.append(doses[0]._replace(remark="; ".join(r for r in (doses[0].remark, remark) if r)))
            continue
        note = f"{names} (linked orders) plan different doses on {when.isoformat()}: one or two"
        # each order keeps its dose of that day, unknown: it is still an order with doses to come
        kept.extend(
            Dose(reference, agent, when, None, planned=True, note=note)
            for reference in dict.fromkeys(d.reference for d in doses)
        )
    return kept


def unknown_part(order: OrderInPlay, note: str, *, when: date | None = None) -> Dose:
    """A planned dose of ``order`` whose mg/m² cannot be had: an unknown part of the planned total, never
    zero, with ``note`` saying why."""
    return Dose(order.reference, order.agent, when, None, planned=True, note=note)


def extent_not_stated(orders: Iterable[OrderInPlay], stated_by_care_plan: frozenset[Agent]) -> list[Dose]:
    """An unknown part for each order in play that does not state how many doses it plans, or whose
    text writes the regimen's length as a range ("4 to 6 cycles": the structured timing cannot say how
    many), unless an active CarePlan states the regimen of its drug (docs/facts.md "A planned total needs
    a known extent"): a planned total below its threshold is then ``unknown`` (pend for the treatment
    plan), never a deny. On-hold, open-ended and unread orders are unknown parts already."""
    found: list[Dose] = []
    for order in orders:
        if (
            order.on_hold
            or order.schedule.open_ended
            or order.schedule.unread
            or order.agent in stated_by_care_plan
        ):
            continue
        if not states_extent(order.resource):
            found.append(
                unknown_part(
                    order,
                    "planned extent not stated: no repeat.count, boundsPeriod end or boundsDuration, "
                    "and no CarePlan states the regimen",
                )
            )
        elif not order.schedule.optional and (written := range_in_words(order_texts(order.resource))):
            # (a range the timing itself gives is read as a range: the words then add nothing)
            found.append(
                unknown_part(
                    order,
                    f"the regimen's length is written as a range ({written!r}): more doses may come "
                    "than the timing counts",
                )
            )
    return found
