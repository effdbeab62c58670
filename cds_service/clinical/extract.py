"""The clinical facts of one dexrazoxane order, from the FHIR resources of a request (docs/decisions.md,
docs/facts.md).

Pure: no I/O and no clock; "today" is passed in and only stands in for a missing order date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, timedelta, tzinfo
from typing import NamedTuple

from cds_service.clinical import diagnoses as dx
from cds_service.clinical import ph_status
from cds_service.clinical.administration_conflicts import conflicts, sooner_than_its_schedule
from cds_service.clinical.administrations import (
    Administration,
    charted_twice,
    counted_administrations,
    date_unreadable,
    dates_disagree,
    given_by,
    merge_duplicates,
    more_than_a_day_gives,
    one_record_per_dose,
    open_too_long,
    order_day_clock,
    period_contradiction,
    same_day_undated,
    stated_amounts,
    words_say_not_given,
    written_before_given,
)
from cds_service.clinical.body_measures_not_read import measures_not_read, nearer_not_read
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.cardiac_dysfunction import dysfunction_during
from cds_service.clinical.care_plans import (
    care_plan_doses,
    named_but_not_read,
    planned_activities,
    regimen_stated,
)
from cds_service.clinical.codes import ANTHRACYCLINES, DOXORUBICINS, TYROSINE_KINASE_INHIBITORS, Agent
from cds_service.clinical.coverage import line_of_business
from cds_service.clinical.dates import add_months
from cds_service.clinical.disease_status import responding_to_therapy
from cds_service.clinical.documentation import documented_answers, submitted_evidence, unsettled
from cds_service.clinical.doses import (
    Dose,
    Totals,
    against_its_words,
    amounts_disagree,
    dose_on,
    merged_note,
    totals,
)
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.facts import ClinicalFacts, Fact
from cds_service.clinical.fhir_read import bound_written, dicts, obj
from cds_service.clinical.order_purpose import (
    course_first_day,
    extravasation_course_order,
    extravasation_recorded,
    judged_as_extravasation,
    order_purpose,
    signed_doxorubicin,
)
from cds_service.clinical.other_patients import OtherPatients, other_patients, patient_mismatch
from cds_service.clinical.outside_doses import outside_doses, unidentified_orders
from cds_service.clinical.plausibility import Plausibility, patient_copies, the_patient, vital_status
from cds_service.clinical.prescriber import consultation_facts, prescriber_facts, prescriber_of
from cds_service.clinical.protocols import protocol_facts
from cds_service.clinical.radiation import heart_radiation
from cds_service.clinical.record_index import RecordIndex
from cds_service.clinical.records_not_read import Sweep, sweep
from cds_service.clinical.regimen import (
    THERAPY_STATUSES,
    UNSETTLED_STATUSES,
    OrderInPlay,
    OrdersRead,
    doses_to_come,
    extent_not_stated,
    read_orders,
)
from cds_service.clinical.routes import LOCAL, administration_route, why_not_counted
from cds_service.clinical.therapy import (
    PRIOR_DEXRAZOXANE_MONTHS,
    accompanied_orders,
    apart_from_doxorubicin,
    combined_dexrazoxane,
    concurrent_doxorubicin,
    dexrazoxane_dose,
    dose_days,
    dose_ratio,
    extravasation_course,
    order_amounts,
    prior_dexrazoxane_cardioprotection,
    ranges_written,
    tyrosine_kinase_inhibitor,
)
from cds_service.fhir.pool import Resource, ResourcePool, reference_of, relative_part
from cds_service.thresholds import ADULT_AGE

# From this age height is taken as stable (bsa.MAX_HEIGHT_DISTANCE applies below it); our choice, the
# policy's own adult age (I.A.3.a).
ADULT_HEIGHT_AGE = int(ADULT_AGE.value)

_AGENTS_READ = ANTHRACYCLINES | TYROSINE_KINASE_INHIBITORS | {Agent.DEXRAZOXANE}
# CP.PHAR.418 II.A.3 "Member is responding positively to therapy": an attestation the record may contradict
RESPONDING_POSITIVELY = "II.A.3"


def patient_age(pool: ResourcePool, start: date, plausible: Plausibility | None = None) -> Fact[int]:
    """The age on ``start``; unknown when the birth date cannot give one the record can vouch for
    (``Plausibility.age_on``: a partial date allowing two ages, a day before birth, no human's age, copies
    of the Patient that disagree on it, an age an Observation records that it cannot give)."""
    patient = the_patient(pool)
    if patient is None:
        return Fact(None, (), "no Patient in the data")
    age, reason = (plausible or Plausibility.of(pool)).age_on(start)
    return Fact(age, (reference_of(patient),), reason)


def _ph_status(ph_positive: Fact[bool], tki: Fact[bool]) -> Fact[bool]:
    """A negative BCR-ABL1 result while on dasatinib or imatinib is a molecular response of a Ph+
    leukemia, not Ph-negative ALL (I.A.3.b.i.1): the status is then unknown, for the chart to settle."""
    if ph_positive.value is False and tki.value:
        return Fact(
            None,
            ph_positive.evidence + tki.evidence,
            "BCR-ABL1 negative while on dasatinib or imatinib: a response to a TKI, not Ph-negative ALL",
        )
    return ph_positive


class _Given:
    """The administrations that count by the order date (docs/facts.md "Record integrity"), and the
    anthracycline doses they and the ones that do not count make: a dose dated after the order, or one charted
    again on the same day with no time, is an unknown part of a total, never a dose and never zero."""

    def __init__(
        self,
        administrations: list[Administration],
        clock: tzinfo | None,
        start: date,
        today: date,
        body: BodySurfaceArea,
        unidentified: list[Resource],
        plausible: Plausibility,
        conflicting: Mapping[str, str],
        pool: ResourcePool,
    ) -> None:
        cutoff = min(start, today)
        # administrations that count but whose drug cannot be identified (clinical.outside_doses)
        self.unidentified = unidentified

        # Duplicate merging asks for one record's mg/m² once per record it is compared with: worked out
        # once for each set of what it depends on (the day may move to the order's clock below).
        converted: dict[tuple[object, ...], float | None] = {}

        def per_m2(a: Administration) -> float | None:
            key = (a.reference, a.agent, a.when, a.amount)
            if key not in converted:
                converted[key] = dose_on(
                    a.reference, a.agent, a.when, a.amount, body, fallback=start, at=a.moment
                ).mg_m2
            return converted[key]

        every = merge_duplicates(administrations, per_m2)
        # Dated before the patient's birth: the record contradicts itself, so never a dose of any drug
        # (docs/facts.md "Plausibility"); an anthracycline one is an unknown part of its totals.
        self.before_birth = sorted(
            (a for a in every if plausible.before_birth(a.when)), key=lambda a: a.reference
        )
        every = [a for a in every if not plausible.before_birth(a.when)]
        # Only a dose that reached the circulation is one of the totals (clinical.routes): an anthracycline
        # instilled in the bladder is set aside, and said; one by a route whose systemic share is not
        # known (intra-arterial, intraperitoneal...) or not read counts anywhere from nothing to its whole
        # charted dose (``self.share_unknown``): the total is then a range, as for a regimen's range.
        routes = {a.reference: administration_route(a.resource) for a in every if a.agent in ANTHRACYCLINES}
        self.local = sorted(
            (a for a in every if a.reference in routes and routes[a.reference].kind == LOCAL),
            key=lambda a: a.reference,
        )
        # One note per drug and route: a course of instillations is one thing set aside, said once.
        by_route: dict[tuple[Agent, str], list[str]] = {}
        for a in self.local:
            by_route.setdefault((a.agent, why_not_counted(routes[a.reference], a.agent.value)), []).append(
                a.reference
            )
        self.local_notes = tuple(
            (agent, f"{', '.join(refs)} set aside: {why}") for (agent, why), refs in by_route.items()
        )
        every = [a for a in every if not (a.reference in routes and routes[a.reference].kind == LOCAL)]
        self.share_unknown = {
            a.reference: why_not_counted(routes[a.reference], a.agent.value).removesuffix(": not counted")
            for a in every
            if a.reference in routes and not routes[a.reference].counts
        }
        self.local_notes += tuple(
            (
                a.agent,
                f"{a.reference} counted from nothing to its whole dose: {self.share_unknown[a.reference]}",
            )
            for a in sorted(every, key=lambda a: a.reference)
            if a.reference in self.share_unknown
        )
        born = plausible.earliest_birth.isoformat() if plausible.earliest_birth else ""
        self.before_birth_note = f"dated before the birth date {born}: not counted"
        self.counted: list[Administration] = []
        self.after: list[Administration] = []
        # Undated: a date written that cannot be read, or none at all (FHIR R4 requires effective[x]):
        # when a dose was given is part of what the record must say, so either is an unknown part of its
        # totals, never a known dose that could repeat a dated one (docs/facts.md "An administration with
        # no date").
        self.unreadable: list[Administration] = []
        self.on_the_day: set[str] = set()  # given on the order date itself: counted, and said so
        day_before, two_days_before = cutoff - timedelta(days=1), cutoff - timedelta(days=2)
        for administration in every:
            if administration.when is None:
                self.unreadable.append(administration)
                continue
            if clock is not None and administration.moment is not None:
                # Days on the order's clock: the evening dose charted in UTC is a dose of that day.
                administration = administration._replace(when=administration.moment.astimezone(clock).date())
            by_then = given_by(administration, cutoff, clock)
            (self.after if by_then is False else self.counted).append(administration)
            # (a dose charted two days or more before the cut-off is not on the order date, whatever clock)
            recent = administration.when is None or administration.when >= two_days_before
            if by_then and recent and not given_by(administration, day_before, clock):
                self.on_the_day.add(administration.reference)
        # One dose counted once (docs/facts.md "Record integrity"): an administration charted as part of
        # another of its drug (``partOf``) is counted within that one; a bare date repeating a dose of its
        # day, or one infusion charted twice within the hour (two systems, a correction kept beside the
        # original), is never a second known dose.
        self.parts = _parts_of(self.counted)
        wholes = [a for a in self.counted if a.reference not in self.parts]
        self.repeats = same_day_undated(wholes, per_m2)
        self.twice = charted_twice(wholes, per_m2)
        # Not plausible is not a fact: a record charted as given that also gives a reason it was not given
        # contradicts itself (an unknown part, never a dose).
        self.contradicted = {
            a.reference: "charted as given with a reason it was not given: not counted"
            for a in wholes
            if a.status in {"completed", "in-progress"}
            and (a.resource.get("statusReason") or a.resource.get("reasonNotGiven"))
        }
        # Not read is not absent: a dose charted as a bound ("<60 mg/m2") is no amount; nor is a dose dated
        # twice, by a dateTime outside its own period, dated (an unknown part each)
        for a in wholes:
            if a.disagreement and a.reference not in self.contradicted:
                # ... or is one charted event whose records (one identifier) disagree (merge_duplicates)
                self.contradicted[a.reference] = a.disagreement
                continue
            if (
                a.status in {"completed", "in-progress"}
                and a.reference not in self.contradicted
                and (unsaid := words_say_not_given(a.resource))
            ):
                # ... or says in its own words (a note, a status reason's text) that it was not given (a
                # stopped dose's words say why it stopped: what was given before counts)
                self.contradicted[a.reference] = unsaid
                continue
            bound = bound_written(obj(a.resource.get("dosage")).get("dose"))
            if bound and a.reference not in self.contradicted:
                self.contradicted[a.reference] = (
                    f"its dose is charted as a bound ({bound!r}), not an amount: how much was given is not "
                    "known: not counted"
                )
            elif a.reference not in self.contradicted and (twice_dated := dates_disagree(a.resource)):
                self.contradicted[a.reference] = f"{twice_dated}: when it was given is not known: not counted"
        # ... or conflicts with the order or the Encounter it names (clinical.administration_conflicts), or
        # is an infusion never closed, or was last written before it was given (a dose charted before it
        # happened): an unknown part, its reason saying why.
        for a in wholes:
            if a.reference in self.contradicted:
                continue
            why = next(
                (conflicting[ref] for ref in (a.merged or (a.reference,)) if ref in conflicting),
                open_too_long(a, cutoff) or written_before_given(a),
            )
            if why:
                self.contradicted[a.reference] = why
        # ... or takes its day beyond what any regimen gives in one day, beside a dose of another order:
        # the same dose charted twice, hours apart (clinical.administrations.more_than_a_day_gives)
        questioned = self.twice.not_doses() | set(self.repeats) | set(self.contradicted)
        for reference, why in more_than_a_day_gives(
            (a for a in wholes if a.reference not in questioned), per_m2
        ).items():
            self.contradicted[reference] = why
        # ... or comes sooner after the dose before it than its own order's schedule allows: a dose charted
        # on the wrong day, or twice (clinical.administration_conflicts.sooner_than_its_schedule)
        questioned |= set(self.contradicted)
        for reference, why in sooner_than_its_schedule(
            (a for a in wholes if a.reference not in questioned), pool
        ).items():
            self.contradicted[reference] = why
        self.folded = self.twice.folded()

    def anthracycline_doses(self, body: BodySurfaceArea, start: date) -> list[Dose]:
        doses: list[Dose] = []
        for a in self.counted:
            if a.agent not in ANTHRACYCLINES:
                continue
            if a.reference in self.repeats:
                note = f"charted again on the same day with no time (may repeat {self.repeats[a.reference]})"
                doses.append(Dose(a.reference, a.agent, a.when, None, note=note + ": not counted"))
                continue
            if a.reference in self.folded or a.reference in self.parts:
                continue  # counted within another record's dose or unknown part (charted_twice, partOf)
            if a.reference in self.contradicted:
                doses.append(Dose(a.reference, a.agent, a.when, None, note=self.contradicted[a.reference]))
                continue
            twice = self.twice.repeats.get(a.reference) or self.twice.conflicting.get(a.reference, ("",))[0]
            if twice:
                doses.append(Dose(a.reference, a.agent, a.when, None, note=twice + ": not counted"))
                continue
            dose = dose_on(a.reference, a.agent, a.when, a.amount, body, fallback=start, at=a.moment)
            # Not plausible is not a fact: a structured dose its own words contradict ("106 mg/m2" charted,
            # "60 mg/m2 x BSA 1.77 m2 = 106 mg" written) is an unknown part (plausibility)
            if (
                dose.mg_m2 is not None
                and a.amount is not None
                and (stated := stated_amounts(a.resource, a.agent))
            ):
                dose = against_its_words(dose, a.amount, stated, body, a.moment or a.when or start)
            if a.merged:
                note = merged_note(a.merged) + (f"; {dose.note}" if dose.note else "")
                dose = dose._replace(merged=a.merged, note=note)
            parts = sorted(child for child, parent in self.parts.items() if parent == a.reference)
            if parts:
                remark = f"{', '.join(parts)} charted as part of it: counted within it, once"
                dose = dose._replace(remark="; ".join(r for r in (dose.remark, remark) if r))
            if a.reference in self.on_the_day:
                remark = "; ".join(r for r in ("given on the order date: counted", dose.remark) if r)
                dose = dose._replace(remark=remark)
            if a.reference in self.share_unknown and dose.mg_m2 is not None:
                # From nothing to the whole dose charted: how much reached the circulation is not known
                dose = dose._replace(optional=True, note=self.share_unknown[a.reference])
            elif a.reference in self.share_unknown:
                dose = dose._replace(
                    note="; ".join(n for n in (self.share_unknown[a.reference], dose.note) if n)
                )
            doses.append(dose)
        doses += [
            Dose(a.reference, a.agent, a.when, None, note="dated after the order: not counted")
            for a in self.after
            if a.agent in ANTHRACYCLINES
        ]
        doses += [
            Dose(a.reference, a.agent, None, None, note=_undated_note(a.resource))
            for a in self.unreadable
            if a.agent in ANTHRACYCLINES
        ]
        doses += [
            Dose(a.reference, a.agent, a.when, None, note=self.before_birth_note)
            for a in self.before_birth
            if a.agent in ANTHRACYCLINES
        ]
        return doses


def _undated_note(resource: Resource) -> str:
    """Why a dose whose date is written but not read, or not written at all, is an unknown part."""
    contradiction = period_contradiction(resource)
    if contradiction:
        return f"its {contradiction}: when it was given is not known: not counted"
    if date_unreadable(resource):
        return "its date cannot be read: not counted"
    return "it is undated (no effective[x]): when it was given is not known: not counted"


def _parts_of(administrations: list[Administration]) -> dict[str, str]:
    """Each administration charted as part of another administration of its drug that counts (R4
    ``partOf``), mapped to that one: one dose, however many records chart its parts."""
    by_reference = {a.reference: a for a in administrations}
    found: dict[str, str] = {}
    for a in administrations:
        for target in dicts(a.resource.get("partOf")):
            ref = target.get("reference")
            part = relative_part(ref) if isinstance(ref, str) else None
            whole = by_reference.get(part) if part is not None else None
            if whole is not None and whole is not a and whole.agent is a.agent:
                found[a.reference] = whole.reference
                break
    # A part of a part belongs to the first record that is no part of another (a loop keeps its own)
    for child, whole_reference in list(found.items()):
        seen = {child}
        while whole_reference in found and whole_reference not in seen:
            seen.add(whole_reference)
            whole_reference = found[whole_reference]
        found[child] = whole_reference
    return {child: whole for child, whole in found.items() if whole not in found}


def _unsized(
    doses: list[Dose],
    pool: ResourcePool,
    measures: list[tuple[str, date | None]],
    start: date,
    body: BodySurfaceArea,
) -> list[Dose]:
    unsized = []
    for dose in doses:
        on = start if dose.planned else (dose.when or start)
        why = nearer_not_read(dose.bsa, on, pool, measures, body.height_window(on))
        unsized.append(dose._replace(mg_m2=None, note=f"{why}: not counted") if why else dose)
    return unsized


def _administrations(
    pool: ResourcePool,
) -> tuple[list[Administration], list[Resource], list[tuple[Administration, str]]]:
    """Every administration that counts, read once, those whose drug cannot be identified, and those whose
    status does not say whether the dose was given (with why)."""
    unidentified: list[Resource] = []
    status_unread: list[tuple[Administration, str]] = []
    counted = counted_administrations(pool, _AGENTS_READ, unidentified, status_unread)
    return counted, unidentified, status_unread


class _Doses(NamedTuple):
    """The doses and totals as of one order date and clock: the same for every order that shares them."""

    read: OrdersRead
    administrations: list[Administration]
    anthracycline_orders: list[OrderInPlay]
    given: list[Dose]
    ordered_to_come: list[Dose]
    to_come: list[Dose]
    summed: Totals


def _doses(record: RecordIndex, by_then: _Given, body: BodySurfaceArea, start: date, today: date) -> _Doses:
    pool = record.pool
    administrations = by_then.counted
    anthracycline_given = [
        a
        for a in administrations
        if a.agent in ANTHRACYCLINES
        and a.reference not in by_then.repeats
        and a.reference not in by_then.twice.repeats
        and a.reference not in by_then.folded
        and a.reference not in by_then.parts
    ]
    # (an undated dose is an unknown part, but the order it names has been given all the same: it is
    # being re-signed, not begun, docs/facts.md "An administration with no date")
    anthracycline_given += [a for a in by_then.unreadable if a.agent in ANTHRACYCLINES]
    given = by_then.anthracycline_doses(body, start)
    # Not read is not absent: a dose whose status does not say whether it was given (none, only a
    # data-absent-reason, "unknown") is an unknown part, never dropped
    # (records of one such dose, the same drug, amount and minute, are one unknown part)
    _, _, status_unread = record.once(("administrations",), lambda: _administrations(pool))
    unread = {id(a.resource): (a, why) for a, why in status_unread if a.agent in ANTHRACYCLINES}
    for resource, records in one_record_per_dose(
        [a.resource for a, _ in unread.values()], lambda r: unread[id(r)][0].agent
    ):
        a, why = unread[id(resource)]
        merged = f" ({len(records)} records of it: {', '.join(records)})" if len(records) > 1 else ""
        given.append(Dose(a.reference, a.agent, a.when, None, note=f"{why}{merged}: not counted"))
    # Not read is not absent: anthracycline recorded where doses are not read is an unknown part
    given += outside_doses(pool, by_then.counted, cutoff=min(start, today), unidentified=by_then.unidentified)
    # Not plausible is not a fact: another patient's records sent as this patient's (clinical.other_patients)
    others = _other_patients(record, min(start, today))
    given += others.given
    given += _records_not_read(record).doses(min(start, today))
    read = record.once(("orders",), lambda: read_orders(pool, ANTHRACYCLINES | TYROSINE_KINASE_INHIBITORS))
    anthracycline_orders = [o for o in read.in_play if o.agent in ANTHRACYCLINES]
    activities = record.once(("care plans",), lambda: planned_activities(pool, ANTHRACYCLINES))
    stated = regimen_stated(activities)
    ordered_to_come = doses_to_come(
        anthracycline_orders, anthracycline_given, body, start=start, regimen_stated=stated
    )
    to_come = (
        ordered_to_come
        + care_plan_doses(activities, ordered_to_come, anthracycline_given, body, start=start)
        + extent_not_stated(anthracycline_orders, stated)
        + [
            Dose(reference, Agent.DOXORUBICIN, None, None, planned=True, note=f"{why}: its doses are unknown")
            for reference, why in _unknown_drug_orders(record)
        ]
        + named_but_not_read(pool, ANTHRACYCLINES, activities)
        + [
            Dose(ref, Agent.DOXORUBICIN, None, None, planned=True, note=f"{why}: its doses are unknown")
            for ref, why in _records_not_read(record).orders()
        ]
        + list(others.to_come)
        + [
            Dose(u.reference, u.agent, None, None, planned=True, note=f"it {u.why}: its doses are unknown")
            for u in read.unsettled
            if u.doses_unknown and u.agent in ANTHRACYCLINES
        ]
    )
    # Not read is not absent: a dose sized through a BSA measured further from it than a body measure
    # the service cannot read is an unknown part (clinical.body_measures_not_read)
    measures = _measures_not_read(record)
    if measures:
        given = _unsized(given, pool, measures, start, body)
        to_come = _unsized(to_come, pool, measures, start, body)
    given.sort(key=lambda d: (d.when is None, d.when or date.min, d.reference))
    to_come.sort(key=lambda d: (d.when is None, d.when or date.min, d.reference, d.note))
    summed = totals(given, to_come)
    return _Doses(read, administrations, anthracycline_orders, given, ordered_to_come, to_come, summed)


def _planned_in_care_plans(to_come: list[Dose]) -> tuple[str, ...]:
    """The CarePlans whose doxorubicin doses still to come count in the planned total (dated from the
    approval start on, or of an extent or size not read): a plan of it bears on concurrent therapy."""
    return tuple(
        sorted(
            {
                d.reference
                for d in to_come
                if d.agent is Agent.DOXORUBICIN and d.reference.startswith("CarePlan/")
            }
        )
    )


def _unknown_drug_orders(record: RecordIndex) -> list[tuple[str, str]]:
    """Not read is not absent: an order in play whose drug cannot be identified could be doxorubicin to
    come (clinical.outside_doses)."""
    return record.once(
        ("unidentified orders",),
        lambda: unidentified_orders(record.pool, THERAPY_STATUSES | UNSETTLED_STATUSES),
    )


def _records_not_read(record: RecordIndex) -> Sweep:
    """Not read is not absent: the records no reader reads, swept once per request
    (clinical.records_not_read)."""
    return record.once(("records not read",), lambda: sweep(record.pool))


def _consultation(
    record: RecordIndex, start: date, plausible: Plausibility, prescriber: Resource | None
) -> tuple[Fact[bool], Fact[bool]]:
    """The referrals read, and beside them the records no reader reads that name oncology or hematology."""
    onc_or_hem, oncologist = consultation_facts(record.pool, start, plausible, prescriber)
    swept = _records_not_read(record)
    return (
        swept.consultation(onc_or_hem, start, oncologist=False),
        swept.consultation(oncologist, start, oncologist=True),
    )


def _measures_not_read(record: RecordIndex) -> list[tuple[str, date | None]]:
    """Body measures not read, another patient's sent as this patient's among them."""
    return record.once(
        ("measures not read",),
        lambda: sorted(
            [*measures_not_read(record.pool), *_other_patients(record, date.max).measures],
            key=lambda item: item[0],
        ),
    )


def _other_patients(record: RecordIndex, cutoff: date) -> OtherPatients:
    return record.once(("other patients", cutoff), lambda: other_patients(record.pool, cutoff=cutoff))


class _Diagnosed(NamedTuple):
    """The diagnosis facts of one order date (and age): the same for every order signed together."""

    metastatic_breast_cancer: Fact[bool]
    acute_lymphoblastic_leukemia: Fact[bool]
    ph_positive: Fact[bool]  # before _ph_status weighs a TKI in
    relapsed_or_refractory: Fact[bool]
    aggressive_mature_b_cell_lymphoma: Fact[bool]
    hodgkin_lymphoma: Fact[bool]
    wilms_tumor: Fact[bool]
    neuroblastoma: Fact[bool]
    soft_tissue_sarcoma: Fact[bool]


def _diagnosed(
    pool: ResourcePool,
    order: Resource,
    start: date,
    age: int | None,
    elsewhere: list[dx.Diagnosis],
    plausible: Plausibility,
) -> _Diagnosed:
    diagnoses = dx.recorded_diagnoses(pool, order, start, age, plausible) + elsewhere
    past = dx.past_diagnoses(pool, start)

    def indication(read: Callable[[list[dx.Diagnosis]], Fact[bool]], name: str) -> Fact[bool]:
        # An indication not met says so of a past diagnosis of it the record holds (resolved, abated).
        return dx.naming_the_past(read(diagnoses), past, read, name)

    return _Diagnosed(
        indication(dx.metastatic_breast_cancer, "metastatic breast cancer"),
        indication(dx.acute_lymphoblastic_leukemia, "ALL"),
        ph_status.ph_positive(diagnoses, pool.of_type("Observation"), start, plausible),
        dx.relapsed_or_refractory(diagnoses),
        indication(dx.aggressive_mature_b_cell_lymphoma, "aggressive mature B-cell lymphoma"),
        indication(dx.hodgkin_lymphoma, "Hodgkin lymphoma"),
        indication(lambda found: dx.wilms_tumor(found, age), "Wilms tumor"),
        indication(lambda found: dx.neuroblastoma(found, age), "neuroblastoma"),
        indication(lambda found: dx.soft_tissue_sarcoma(found, age), "soft tissue sarcoma"),
    )


def extract_facts(
    pool: ResourcePool,
    order: Resource,
    *,
    today: date,
    line_of_business_map: Mapping[str, str],
    record: RecordIndex | None = None,
) -> ClinicalFacts:
    """The facts of one dexrazoxane ``order``. ``record``: the request's readings shared by all its
    orders (``RecordIndex``); a fresh one when not given."""
    record = record if record is not None else RecordIndex(pool)
    # (today: nothing measured or recorded after it is a fact, docs/facts.md "Plausibility")
    plausible = record.once(("plausibility", today), lambda: Plausibility.of(pool, today))
    # The order's date is read once, here, and every date fact rests on ``start``: one written after today
    # is set aside like one that cannot be read (docs/facts.md "An order written after today").
    dated, date_set_aside = plausible.order_written(order)
    start = dated or today
    written = order.get("authoredOn") or order.get("dateWritten")
    # A date that is written but cannot be read ("+99:99") is taken as absent: the approval starts today,
    # as for an order with no date (docs/facts.md "Dates"), and the determination says so.
    unreadable_date: tuple[str, ...] = (date_set_aside,) if date_set_aside else ()
    if written is not None and dated is None and not date_set_aside:
        unreadable_date = (
            f"{reference_of(order)}: its date {str(written)[:40]!r} cannot be read: read as of today",
        )
    # Its schedule is read on the same date: a dose its Timing does not date falls on the order's date,
    # today when that was set aside (the order itself is kept, for the links and lists it is found in).
    scheduled = {**order, "authoredOn": today.isoformat()} if date_set_aside else order
    age = patient_age(pool, start, plausible)
    adult = (age.value or 0) >= ADULT_HEIGHT_AGE
    body = record.once(
        ("body", adult, today),
        lambda: BodySurfaceArea(pool.of_type("Observation"), adult=adult, plausibility=plausible),
    )
    current_bsa = body.on(start)
    measures = _measures_not_read(record)
    bsa_not_read = nearer_not_read(current_bsa, start, pool, measures, body.height_window(start))
    if bsa_not_read:
        current_bsa = None
    current_weight = body.weight_on(start)  # for doses ordered in mg/kg (docs/facts.md "Administrations")

    # What depends only on the order's date and clock is read once per date and clock.
    clock = order_day_clock(order.get("authoredOn"))
    context = (start, today, clock, adult)
    every, unidentified, status_unread = record.once(("administrations",), lambda: _administrations(pool))
    conflicting = record.once(("administration conflicts",), lambda: conflicts(every, pool))
    by_then = record.once(
        ("given", context),
        lambda: _Given(every, clock, start, today, body, unidentified, plausible, conflicting, pool),
    )
    doses = record.once(("doses", context), lambda: _doses(record, by_then, body, start, today))
    administrations, read, orders = doses.administrations, doses.read, doses.read.in_play
    given, to_come, summed = doses.given, doses.to_come, doses.summed

    dexrazoxane_read = record.once(
        ("dexrazoxane orders",), lambda: read_orders(pool, frozenset({Agent.DEXRAZOXANE}))
    )
    # Orders linked to this one (it replaces, fulfils or belongs with them) are this therapy, not more of
    # it: never added to its dose or its course (docs/facts.md "One dose, every link").
    linked = dexrazoxane_read.graph.linked(reference_of(order))
    dexrazoxane_in_play = [o for o in dexrazoxane_read.in_play if not (o.references & linked)]
    dexrazoxane_mg_m2, dexrazoxane_mg = dexrazoxane_dose(order, current_bsa, current_weight)
    accompanies = accompanied_orders(order)
    doxorubicin = record.once(
        ("concurrent doxorubicin", context, accompanies),
        lambda: concurrent_doxorubicin(
            doses.anthracycline_orders,
            doses.ordered_to_come,
            current_bsa,
            start=start,
            accompanies=accompanies,
            weight=current_weight,
            set_aside=tuple(note for agent, note in read.set_aside if agent is Agent.DOXORUBICIN),
            unsettled=tuple((u.reference, u.why) for u in read.unsettled if u.agent is Agent.DOXORUBICIN),
            planned_only=_planned_in_care_plans(doses.to_come),
            requests_not_read=tuple(_records_not_read(record).orders()),
        ),
    )
    doxorubicin = apart_from_doxorubicin(doxorubicin, doses.to_come, order, dose_days(scheduled))
    past_ceiling = summed.planned_doxorubicin.past_ceiling
    last = doxorubicin.last_planned
    if past_ceiling and last.value is not None and set(last.evidence) & set(past_ceiling):
        # Not plausible is not a fact: a plan past the lifetime ceiling (a count typed wrong) dates no last
        # dose either, so it ends no approval ("duration of doxorubicin therapy", I.A, II.A)
        doxorubicin = doxorubicin._replace(
            last_planned=Fact(
                None,
                last.evidence,
                f"{', '.join(past_ceiling)} plans doxorubicin past the lifetime ceiling: its last dose is "
                "not known",
            )
        )
    unknown_drug_orders = _unknown_drug_orders(record)
    if doxorubicin.concurrent.value is False and unknown_drug_orders:
        concurrent = doxorubicin.concurrent
        doxorubicin = doxorubicin._replace(
            concurrent=Fact(
                False,
                concurrent.evidence,
                concurrent.reason + "".join(f"; {ref}: {why}" for ref, why in unknown_drug_orders),
                tuple(dict.fromkeys((*concurrent.unread, *(ref for ref, _why in unknown_drug_orders)))),
            )
        )

    def days_of(resource: Resource) -> frozenset[date] | None:
        return record.once(("dose days", id(resource)), lambda: dose_days(resource))

    def largest_dose(resource: Resource) -> Fact[float]:
        return record.once(
            ("dexrazoxane dose", id(resource), current_bsa, current_weight),
            lambda: dexrazoxane_dose(resource, current_bsa, current_weight)[0],
        )

    signed_together = [
        (days_of(o.resource), largest_dose(o.resource))
        for o in dexrazoxane_in_play
        if o.draft and not o.on_hold and o.resource is not order
    ]
    # (amounts written for one dose that disagree are no dose: not compared on any basis either)
    written = () if amounts_disagree(order, current_bsa, current_weight) else order_amounts(order)
    ratio = dose_ratio(
        written,
        combined_dexrazoxane(dexrazoxane_mg_m2, days_of(scheduled), signed_together),
        doxorubicin,
    )
    if (ranges := ranges_written(order)) and ratio.value is not None:
        # A dose range is read at its top, the most the order allows (docs/facts.md "Concurrent
        # doxorubicin and the dose ratio"): said, so the reader sees which dose the ratio is of.
        ratio = replace(
            ratio,
            reason=f"{ratio.reason}; the dose range {', '.join(ranges)} read at its top, the most allowed",
        )

    # The reasons of every order being signed are diagnoses of each (diagnoses.recorded_diagnoses): the
    # same for every order of the request, so read once per order date, not once per order.
    signed = record.once(("signed orders",), lambda: frozenset(id(o) for o in dx.signed_orders(pool)))
    # Records no reader reads that name a qualifying cancer, Ph status or an extravasation
    elsewhere = _records_not_read(record).diagnoses(age.value)
    diagnosed = record.once(
        ("diagnoses", start, age.value, None if id(order) in signed else id(order)),
        lambda: _diagnosed(pool, order, start, age.value, elsewhere, plausible),
    )
    extravasation = dx.anthracycline_extravasation(pool, order, start, elsewhere, plausible)
    purpose = order_purpose(order, pool)
    course_order = extravasation_course_order(
        order, pool, record.once(("doxorubicin signed",), lambda: signed_doxorubicin(pool))
    )
    if purpose.value is None and course_order.value is None and extravasation_recorded(extravasation):
        # Not read is not absent: with no reason on the order and an extravasation recorded, its shape
        # decides the pathway; a shape that cannot be read (a schedule beyond the caps) leaves the purpose
        # unknown, so the order is neither judged nor denied as plain cardioprotection.
        purpose = Fact(
            None,
            purpose.evidence,
            f"an extravasation is recorded and {course_order.reason}: whether the order treats it or "
            "protects the heart cannot be read",
            course_order.evidence,
        )
    # The course's daily doses are read whenever the order is judged on I.B, whatever I.B.1 says (every
    # child is evaluated: I.B.4 is read even when the extravasation is another drug's or not read).
    on_extravasation_pathway = judged_as_extravasation(purpose, extravasation, course_order)
    # The latest onset among the Conditions the fact rests on (or could not read), not the first listed:
    # the course treats the current extravasation, whatever order the Conditions came in.
    onsets = [
        dx.extravasation_onset(pool, (reference,))
        for reference in (*extravasation.evidence, *extravasation.unread)
    ]
    # an onset dated before birth or after the order is no date (Plausibility.dated_conflict)
    known_onsets = [
        found for found in onsets if found is not None and not plausible.dated_conflict(found, start)
    ]
    onset = max(known_onsets) if on_extravasation_pathway and known_onsets else None
    onc_or_hem, oncologist = prescriber_facts(order, pool, on=start)
    prescriber = prescriber_of(order, pool)
    consult_onc_or_hem, consult_oncologist = record.once(
        ("consultation", start, reference_of(prescriber) if prescriber is not None else ""),
        lambda: _consultation(record, start, plausible, prescriber),
    )
    dfci, cog = record.once(("protocols", start), lambda: protocol_facts(pool, start, plausible))
    lob, coverage = line_of_business(pool, order, line_of_business_map, start)
    first_course_day = course_first_day(scheduled, start)

    statements = record.once(
        ("statements",), lambda: [(s, agent_of(s, pool)) for s in pool.of_type("MedicationStatement")]
    )
    tki = record.once(
        ("tki", context),
        lambda: tyrosine_kinase_inhibitor(administrations, orders, start=start, statements=statements),
    )
    problems = unreadable_date + tuple(
        f"{d.reference}: {d.note}" for d in given + to_come if d.mg_m2 is None and d.note
    )
    # Orders set aside (cancelled drafts, replaced orders, releases counted in their plans) are named on
    # the planned totals, and measurements set aside as implausible on every total sized through a BSA
    # (docs/facts.md "Record integrity", "Plausibility").
    doxorubicin_aside = tuple(note for agent, note in read.set_aside if agent in DOXORUBICINS)
    anthracycline_aside = tuple(note for agent, note in read.set_aside if agent in ANTHRACYCLINES)

    def measured_aside(doses: list[Dose], agents: frozenset[Agent]) -> tuple[str, ...]:
        # (and doses set aside as no systemic dose: a local instillation, clinical.routes)
        local = tuple(note for agent, note in by_then.local_notes if agent in agents)
        if not body.set_aside:  # nothing set aside: no dose to look through (hundreds, four times)
            return local
        return local + (body.set_aside if any(d.agent in agents and _body_sized(d) for d in doses) else ())

    every_dose = given + to_come
    # An undated dose that counts could be the prior dexrazoxane, as one whose status is not read could
    undated = [(a, _undated_note(a.resource).removesuffix(": not counted")) for a in by_then.unreadable]
    prior_dexrazoxane = record.once(
        ("prior dexrazoxane", context),
        lambda: prior_dexrazoxane_cardioprotection(pool, administrations, start, [*status_unread, *undated]),
    )
    # (a dose whose status cannot be read that could be the prior dexrazoxane could be when therapy began)
    responding, documented = _responding_as_recorded(
        record,
        order,
        start,
        prior_dexrazoxane,
        [*administrations, *(a for a, _why in status_unread)],
        plausible,
    )
    before_birth = tuple(
        f"{a.reference} set aside: dated {a.when.isoformat() if a.when else '?'}, before the birth date"
        for a in by_then.before_birth
    )
    return ClinicalFacts(
        order=reference_of(order),
        approval_start=start,
        date_set_aside=date_set_aside,
        age_years=age,
        line_of_business=lob,
        coverage=coverage,
        prescriber_onc_or_hem=onc_or_hem,
        prescriber_oncologist=oncologist,
        consult_onc_or_hem=consult_onc_or_hem,
        consult_oncologist=consult_oncologist,
        bsa_m2=Fact(
            current_bsa.m2,
            current_bsa.evidence,
            "; ".join([f"BSA ({current_bsa.source}) nearest {start.isoformat()}", *body.set_aside]),
        )
        if current_bsa
        else Fact(
            None,
            (),
            "; ".join(
                dict.fromkeys(
                    [*([bsa_not_read] if bsa_not_read else []), body.missing_reason(start), *body.set_aside]
                )
            ),
        ),
        cumulative_doxorubicin=replace(
            summed.cumulative_doxorubicin, set_aside=measured_aside(given, DOXORUBICINS)
        ),
        cumulative_anthracycline=replace(
            summed.cumulative_anthracycline, set_aside=measured_aside(given, ANTHRACYCLINES)
        ),
        planned_doxorubicin=replace(
            summed.planned_doxorubicin,
            set_aside=doxorubicin_aside + measured_aside(every_dose, DOXORUBICINS),
        ),
        planned_anthracycline=replace(
            summed.planned_anthracycline,
            set_aside=anthracycline_aside + measured_aside(every_dose, ANTHRACYCLINES),
        ),
        dose_lines=summed.lines,
        last_planned_doxorubicin_date=doxorubicin.last_planned,
        concurrent_doxorubicin=doxorubicin.concurrent,
        doxorubicin_dose_mg_m2=doxorubicin.per_dose_mg_m2,
        dexrazoxane_dose_mg_m2=dexrazoxane_mg_m2,
        dexrazoxane_dose_mg=dexrazoxane_mg,
        dose_ratio=ratio,
        extravasation_course=extravasation_course(
            order,
            administrations,
            body,
            start=start,
            onset=onset,
            uncertain=[*by_then.unreadable, *(a for a, _why in status_unread)],
            other_orders=[o for o in dexrazoxane_in_play if o.resource is not order],
        )
        if on_extravasation_pathway
        else (),
        order_purpose=purpose,
        extravasation_course_order=course_order,
        course_first_day=first_course_day,
        age_on_course_start=(
            patient_age(pool, first_course_day.value, plausible)
            if first_course_day.value is not None and first_course_day.value != start
            else Fact(None)
        ),
        prior_dexrazoxane_cardioprotection=prior_dexrazoxane,
        metastatic_breast_cancer=diagnosed.metastatic_breast_cancer,
        acute_lymphoblastic_leukemia=diagnosed.acute_lymphoblastic_leukemia,
        ph_positive=_ph_status(diagnosed.ph_positive, tki),
        relapsed_or_refractory=diagnosed.relapsed_or_refractory,
        aggressive_mature_b_cell_lymphoma=diagnosed.aggressive_mature_b_cell_lymphoma,
        hodgkin_lymphoma=diagnosed.hodgkin_lymphoma,
        wilms_tumor=diagnosed.wilms_tumor,
        neuroblastoma=diagnosed.neuroblastoma,
        soft_tissue_sarcoma=diagnosed.soft_tissue_sarcoma,
        anthracycline_extravasation=extravasation,
        dasatinib_or_imatinib=tki,
        dfci_all_protocol=dfci,
        cog_aall1331=cog,
        heart_radiation=record.once(("heart radiation",), lambda: heart_radiation(pool)),
        responding_to_therapy=responding,
        documented=documented,
        submitted_evidence=submitted_evidence(pool, reference_of(order), start),
        problems=problems,
        deceased=vital_status(patient_copies(pool), start),
        set_aside=body.set_aside
        + before_birth
        + tuple(note for _, note in by_then.local_notes)
        + _other_patients(record, min(start, today)).notes,
        patient_mismatch=patient_mismatch(pool, order),
    )


def _responding_as_recorded(
    record: RecordIndex,
    order: Resource,
    start: date,
    prior_dexrazoxane: Fact[bool],
    administrations: list[Administration],
    plausible: Plausibility,
) -> tuple[Fact[bool], dict[str, Fact[bool]]]:
    """II.A.3 "responding positively to therapy" as the record states it (the cancer disease status, the
    clinician's answers about this order), a "yes" the record contradicts settling nothing (docs/facts.md
    "Documented answers against the record"): an answer authored before the dexrazoxane it attests to
    began, or either beside cardiac dysfunction recorded since then."""
    pool = record.pool
    status = responding_to_therapy(pool, start, plausible)
    answers = documented_answers(pool, reference_of(order), start, plausible)
    answer = answers.get(RESPONDING_POSITIVELY)
    said_yes = status.value is True or (answer is not None and answer.value is True)
    # Prior dexrazoxane not known for a dose whose status cannot be read: what II.A would be judged on if
    # it was given (docs/facts.md "A status not read"), the therapy begun with it
    prior = (*prior_dexrazoxane.evidence, *prior_dexrazoxane.unread)
    if not said_yes or not (prior_dexrazoxane.value or prior_dexrazoxane.unread):
        return status, answers
    dated = {a.reference for a in administrations if a.reference in prior and a.when is not None}
    began = min(
        (a.when for a in administrations if a.reference in dated and a.when is not None),
        default=None,
    )
    if any(reference not in dated for reference in prior):
        # A prior dose with no date (none written, or one not read) could have begun the therapy any day
        # of the months it is looked for in (docs/facts.md "An administration with no date")
        earliest = add_months(start, -PRIOR_DEXRAZOXANE_MONTHS)
        began = earliest if began is None else min(began, earliest)
    if began is None:
        return status, answers
    during = record.once(
        ("cardiac dysfunction", began, start), lambda: dysfunction_during(pool, began, start)
    )
    if status.value is True and during.settled is not False:
        status = Fact(
            None,
            status.evidence + during.evidence + during.unread,
            f"{status.reason}, but the record {'contradicts' if during.value else 'may contradict'} it: "
            f"{during.reason}",
        )
    return status, unsettled(answers, RESPONDING_POSITIVELY, pool, therapy_began=began, contradicting=during)


def _body_sized(dose: Dose) -> bool:
    """Whether a dose was converted through a BSA or a weight, or could not be for want of one."""
    return (
        dose.bsa is not None
        or dose.weight is not None
        or (dose.mg_m2 is None and dose.note.startswith(("mg dose", "mg/kg dose")))
    )
