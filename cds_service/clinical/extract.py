"""The clinical facts of one dexrazoxane order, from the FHIR resources of a request (CONTRACT §2, §3).

Pure: no I/O and no clock; "today" is passed in and only stands in for a missing order date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta

from cds_service.clinical import diagnoses as dx
from cds_service.clinical.administrations import (
    Administration,
    counted_administrations,
    given_by,
    merge_duplicates,
    order_day_clock,
    same_day_undated,
)
from cds_service.clinical.body_measures_not_read import measures_not_read, nearer_not_read
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.care_plans import care_plan_doses, planned_activities, regimen_stated
from cds_service.clinical.codes import ANTHRACYCLINES, DOXORUBICINS, TYROSINE_KINASE_INHIBITORS, Agent
from cds_service.clinical.coverage import line_of_business
from cds_service.clinical.dates import age_on
from cds_service.clinical.documentation import documented_answers, submitted_evidence
from cds_service.clinical.doses import Dose, dose_on, merged_note, totals
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.facts import ClinicalFacts, Fact
from cds_service.clinical.order_purpose import (
    course_first_day,
    extravasation_course_order,
    judged_as_extravasation,
    order_purpose,
)
from cds_service.clinical.outside_doses import outside_doses, unidentified_orders
from cds_service.clinical.prescriber import consultation_facts, prescriber_facts
from cds_service.clinical.protocols import protocol_facts
from cds_service.clinical.radiation import heart_radiation
from cds_service.clinical.regimen import (
    THERAPY_STATUSES,
    UNSETTLED_STATUSES,
    doses_to_come,
    extent_not_stated,
    orders_in_play,
    read_orders,
)
from cds_service.clinical.schedule import order_date
from cds_service.clinical.therapy import (
    accompanied_orders,
    combined_dexrazoxane,
    concurrent_doxorubicin,
    dexrazoxane_dose,
    dose_ratio,
    extravasation_course,
    order_amounts,
    prior_dexrazoxane_cardioprotection,
    tyrosine_kinase_inhibitor,
)
from cds_service.fhir.pool import Resource, ResourcePool, reference_of
from cds_service.thresholds import ADULT_AGE

# From this age height is taken as stable (bsa.MAX_HEIGHT_DISTANCE applies below it); our choice, the
# policy's own adult age (I.A.3.a).
ADULT_HEIGHT_AGE = int(ADULT_AGE.value)

_AGENTS_READ = ANTHRACYCLINES | TYROSINE_KINASE_INHIBITORS | {Agent.DEXRAZOXANE}


def patient_age(pool: ResourcePool, start: date) -> Fact[int]:
    patient = pool.get("Patient", pool.patient_id) if pool.patient_id else None
    patients = [patient] if patient is not None else pool.of_type("Patient")[:1]
    if not patients:
        return Fact(None, (), "no Patient in the data")
    age, reason = age_on(patients[0].get("birthDate"), start)
    return Fact(age, (reference_of(patients[0]),), reason)


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
    """The administrations that count by the order date (CONTRACT §2.1), and the anthracycline doses
    they and the ones that do not count make: a dose dated after the order, or one charted again on the
    same day with no time, is an unknown part of a total, never a dose and never zero."""

    def __init__(
        self, pool: ResourcePool, order: Resource, start: date, today: date, body: BodySurfaceArea
    ) -> None:
        cutoff = min(start, today)
        clock = order_day_clock(order.get("authoredOn"))

        # Duplicate merging asks for one record's mg/m² once per record it is compared with: worked out
        # once for each set of what it depends on (the day may move to the order's clock below).
        converted: dict[tuple[object, ...], float | None] = {}

        def per_m2(a: Administration) -> float | None:
            key = (a.reference, a.agent, a.when, a.amount)
            if key not in converted:
                converted[key] = dose_on(a.reference, a.agent, a.when, a.amount, body, fallback=start).mg_m2
            return converted[key]

        # administrations that count but whose drug cannot be identified (clinical.outside_doses)
        self.unidentified: list[Resource] = []
        every = merge_duplicates(counted_administrations(pool, _AGENTS_READ, self.unidentified), per_m2)
        self.counted: list[Administration] = []
        self.after: list[Administration] = []
        self.on_the_day: set[str] = set()  # given on the order date itself: counted, and said so
        day_before, two_days_before = cutoff - timedelta(days=1), cutoff - timedelta(days=2)
        for administration in every:
            if clock is not None and administration.moment is not None:
                # Days on the order's clock: the evening dose charted in UTC is a dose of that day.
                administration = administration._replace(when=administration.moment.astimezone(clock).date())
            by_then = given_by(administration, cutoff, clock)
            (self.after if by_then is False else self.counted).append(administration)
            # (a dose charted two days or more before the cut-off is not on the order date, whatever clock)
            recent = administration.when is None or administration.when >= two_days_before
            if by_then and recent and not given_by(administration, day_before, clock):
                self.on_the_day.add(administration.reference)
        self.repeats = same_day_undated(self.counted, per_m2)

    def anthracycline_doses(self, body: BodySurfaceArea, start: date) -> list[Dose]:
        doses: list[Dose] = []
        for a in self.counted:
            if a.agent not in ANTHRACYCLINES:
                continue
            if a.reference in self.repeats:
                note = f"charted again on the same day with no time (may repeat {self.repeats[a.reference]})"
                doses.append(Dose(a.reference, a.agent, a.when, None, note=note + ": not counted"))
                continue
            dose = dose_on(a.reference, a.agent, a.when, a.amount, body, fallback=start)
            if a.merged:
                note = merged_note(a.merged) + (f"; {dose.note}" if dose.note else "")
                dose = dose._replace(merged=a.merged, note=note)
            if a.reference in self.on_the_day:
                remark = "; ".join(r for r in ("given on the order date: counted", dose.remark) if r)
                dose = dose._replace(remark=remark)
            doses.append(dose)
        doses += [
            Dose(a.reference, a.agent, a.when, None, note="dated after the order: not counted")
            for a in self.after
            if a.agent in ANTHRACYCLINES
        ]
        return doses


def _unsized(
    doses: list[Dose], pool: ResourcePool, measures: list[tuple[str, date | None]], start: date
) -> list[Dose]:
    unsized = []
    for dose in doses:
        why = nearer_not_read(dose.bsa, start if dose.planned else (dose.when or start), pool, measures)
        unsized.append(dose._replace(mg_m2=None, note=f"{why}: not counted") if why else dose)
    return unsized


def extract_facts(
    pool: ResourcePool, order: Resource, *, today: date, line_of_business_map: Mapping[str, str]
) -> ClinicalFacts:
    start = order_date(order) or today
    age = patient_age(pool, start)
    body = BodySurfaceArea(pool.of_type("Observation"), adult=(age.value or 0) >= ADULT_HEIGHT_AGE)
    current_bsa = body.on(start)
    current_weight = body.weight_on(start)  # for doses ordered in mg/kg (CONTRACT §2.1)

    by_then = _Given(pool, order, start, today, body)
    administrations = by_then.counted
    anthracycline_given = [
        a for a in administrations if a.agent in ANTHRACYCLINES and a.reference not in by_then.repeats
    ]
    given = by_then.anthracycline_doses(body, start)
    # Not read is not absent: anthracycline recorded where doses are not read is an unknown part
    given += outside_doses(pool, by_then.counted, cutoff=min(start, today), unidentified=by_then.unidentified)
    read = read_orders(pool, ANTHRACYCLINES | TYROSINE_KINASE_INHIBITORS)
    orders = read.in_play
    anthracycline_orders = [o for o in orders if o.agent in ANTHRACYCLINES]
    activities = planned_activities(pool, ANTHRACYCLINES)
    stated = regimen_stated(activities)
    ordered_to_come = doses_to_come(
        anthracycline_orders, anthracycline_given, body, start=start, regimen_stated=stated
    )
    # Not read is not absent: an order in play whose drug cannot be identified could be doxorubicin to come
    unknown_drug_orders = unidentified_orders(pool, THERAPY_STATUSES | UNSETTLED_STATUSES)
    to_come = (
        ordered_to_come
        + care_plan_doses(activities, ordered_to_come, anthracycline_given, body, start=start)
        + extent_not_stated(anthracycline_orders, stated)
        + [
            Dose(reference, Agent.DOXORUBICIN, None, None, planned=True, note=f"{why}: its doses are unknown")
            for reference, why in unknown_drug_orders
        ]
    )
    # Not read is not absent: a dose sized through a BSA measured further from it than a body measure
    # the service cannot read is an unknown part (clinical.body_measures_not_read)
    measures = measures_not_read(pool)
    if measures:
        given, to_come = _unsized(given, pool, measures, start), _unsized(to_come, pool, measures, start)
        if nearer_not_read(current_bsa, start, pool, measures):
            current_bsa = None
    given.sort(key=lambda d: (d.when is None, d.when or date.min, d.reference))
    to_come.sort(key=lambda d: (d.when is None, d.when or date.min, d.reference, d.note))

    dexrazoxane_in_play = orders_in_play(pool, frozenset({Agent.DEXRAZOXANE}))
    dexrazoxane_mg_m2, dexrazoxane_mg = dexrazoxane_dose(order, current_bsa, current_weight)
    doxorubicin = concurrent_doxorubicin(
        anthracycline_orders,
        ordered_to_come,
        current_bsa,
        start=start,
        accompanies=accompanied_orders(order),
        weight=current_weight,
        set_aside=tuple(note for agent, note in read.set_aside if agent is Agent.DOXORUBICIN),
    )
    if doxorubicin.concurrent.value is False and unknown_drug_orders:
        concurrent = doxorubicin.concurrent
        doxorubicin = doxorubicin._replace(
            concurrent=Fact(
                False,
                concurrent.evidence,
                concurrent.reason + "".join(f"; {ref}: {why}" for ref, why in unknown_drug_orders),
                tuple(ref for ref, _why in unknown_drug_orders),
            )
        )
    signed_together = [
        o for o in dexrazoxane_in_play if o.draft and not o.on_hold and o.resource is not order
    ]
    ratio = dose_ratio(
        order_amounts(order),
        combined_dexrazoxane(
            dexrazoxane_mg_m2, order, [o.resource for o in signed_together], current_bsa, current_weight
        ),
        doxorubicin,
    )

    diagnoses = dx.recorded_diagnoses(pool, order, start, age.value)
    extravasation = dx.anthracycline_extravasation(pool, order, start)
    purpose = order_purpose(order, pool)
    course_order = extravasation_course_order(order, pool)
    # The course's daily doses are read whenever the order is judged on I.B, whatever I.B.1 says (every
    # child is evaluated: I.B.4 is read even when the extravasation is another drug's or not read).
    on_extravasation_pathway = judged_as_extravasation(purpose, extravasation, course_order)
    # The latest onset among the Conditions the fact rests on (or could not read), not the first listed:
    # the course treats the current extravasation, whatever order the Conditions came in.
    onsets = [
        dx.extravasation_onset(pool, (reference,))
        for reference in (*extravasation.evidence, *extravasation.unread)
    ]
    known_onsets = [found for found in onsets if found is not None]
    onset = max(known_onsets) if on_extravasation_pathway and known_onsets else None
    observations = pool.of_type("Observation")
    onc_or_hem, oncologist = prescriber_facts(order, pool, on=start)
    consult_onc_or_hem, consult_oncologist = consultation_facts(pool, start)
    dfci, cog = protocol_facts(pool, start)
    lob, coverage = line_of_business(pool, order, line_of_business_map, start)
    first_course_day = course_first_day(order, start)

    tki = tyrosine_kinase_inhibitor(
        administrations,
        orders,
        start=start,
        statements=[(s, agent_of(s, pool)) for s in pool.of_type("MedicationStatement")],
    )
    problems = tuple(f"{d.reference}: {d.note}" for d in given + to_come if d.mg_m2 is None and d.note)
    summed = totals(given, to_come)
    # Orders set aside (cancelled drafts, replaced orders) are named on the planned totals (§2.1).
    doxorubicin_aside = tuple(note for agent, note in read.set_aside if agent in DOXORUBICINS)
    anthracycline_aside = tuple(note for agent, note in read.set_aside if agent in ANTHRACYCLINES)
    return ClinicalFacts(
        order=reference_of(order),
        approval_start=start,
        age_years=age,
        line_of_business=lob,
        coverage=coverage,
        prescriber_onc_or_hem=onc_or_hem,
        prescriber_oncologist=oncologist,
        consult_onc_or_hem=consult_onc_or_hem,
        consult_oncologist=consult_oncologist,
        bsa_m2=Fact(
            current_bsa.m2, current_bsa.evidence, f"BSA ({current_bsa.source}) nearest {start.isoformat()}"
        )
        if current_bsa
        else Fact(None, (), body.missing_reason(start)),
        cumulative_doxorubicin=summed.cumulative_doxorubicin,
        cumulative_anthracycline=summed.cumulative_anthracycline,
        planned_doxorubicin=replace(summed.planned_doxorubicin, set_aside=doxorubicin_aside),
        planned_anthracycline=replace(summed.planned_anthracycline, set_aside=anthracycline_aside),
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
            other_orders=[o for o in dexrazoxane_in_play if o.resource is not order],
        )
        if on_extravasation_pathway
        else (),
        order_purpose=purpose,
        extravasation_course_order=course_order,
        course_first_day=first_course_day,
        age_on_course_start=(
            patient_age(pool, first_course_day.value)
            if first_course_day.value is not None and first_course_day.value != start
            else Fact(None)
        ),
        prior_dexrazoxane_cardioprotection=prior_dexrazoxane_cardioprotection(pool, administrations, start),
        metastatic_breast_cancer=dx.metastatic_breast_cancer(diagnoses),
        acute_lymphoblastic_leukemia=dx.acute_lymphoblastic_leukemia(diagnoses),
        ph_positive=_ph_status(dx.ph_positive(diagnoses, observations), tki),
        relapsed_or_refractory=dx.relapsed_or_refractory(diagnoses),
        aggressive_mature_b_cell_lymphoma=dx.aggressive_mature_b_cell_lymphoma(diagnoses),
        hodgkin_lymphoma=dx.hodgkin_lymphoma(diagnoses),
        wilms_tumor=dx.wilms_tumor(diagnoses, age.value),
        neuroblastoma=dx.neuroblastoma(diagnoses, age.value),
        soft_tissue_sarcoma=dx.soft_tissue_sarcoma(diagnoses, age.value),
        anthracycline_extravasation=extravasation,
        dasatinib_or_imatinib=tki,
        dfci_all_protocol=dfci,
        cog_aall1331=cog,
        heart_radiation=heart_radiation(pool),
        documented=documented_answers(pool, reference_of(order), start),
        submitted_evidence=submitted_evidence(pool, reference_of(order), start),
        problems=problems,
    )
