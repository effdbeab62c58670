"""The clinical facts of one dexrazoxane order, from the FHIR resources of a request (CONTRACT §2, §3).

Pure: no I/O and no clock; "today" is passed in and only stands in for a missing order date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cds_service.clinical import diagnoses as dx
from cds_service.clinical.administrations import counted_administrations
from cds_service.clinical.bsa import BodySurfaceArea
from cds_service.clinical.codes import ANTHRACYCLINES, TYROSINE_KINASE_INHIBITORS, Agent
from cds_service.clinical.coverage import line_of_business
from cds_service.clinical.dates import age_on
from cds_service.clinical.documentation import documented_answers, submitted_evidence
from cds_service.clinical.doses import dose_on, totals
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.facts import ClinicalFacts, Fact
from cds_service.clinical.order_purpose import course_first_day, extravasation_course_order, order_purpose
from cds_service.clinical.prescriber import consultation_facts, prescriber_facts
from cds_service.clinical.protocols import protocol_facts
from cds_service.clinical.radiation import heart_radiation
from cds_service.clinical.regimen import doses_to_come, orders_in_play
from cds_service.clinical.schedule import order_date
from cds_service.clinical.therapy import (
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

# From this age height is taken as stable (bsa.MAX_HEIGHT_DISTANCE applies below it); our choice, the
# policy's own adult age (I.A.3.a).
ADULT_HEIGHT_AGE = 18

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


def extract_facts(
    pool: ResourcePool, order: Resource, *, today: date, line_of_business_map: Mapping[str, str]
) -> ClinicalFacts:
    start = order_date(order) or today
    age = patient_age(pool, start)
    body = BodySurfaceArea(pool.of_type("Observation"), adult=(age.value or 0) >= ADULT_HEIGHT_AGE)
    current_bsa = body.on(start)

    administrations = counted_administrations(pool, _AGENTS_READ)
    anthracycline_given = [a for a in administrations if a.agent in ANTHRACYCLINES]
    given = [
        dose_on(a.reference, a.agent, a.when, a.amount, body, fallback=start) for a in anthracycline_given
    ]
    orders = orders_in_play(pool, ANTHRACYCLINES | TYROSINE_KINASE_INHIBITORS)
    anthracycline_orders = [o for o in orders if o.agent in ANTHRACYCLINES]
    to_come = doses_to_come(anthracycline_orders, anthracycline_given, body, start=start)
    given.sort(key=lambda d: (d.when is None, d.when or date.min, d.reference))

    dexrazoxane_in_play = orders_in_play(pool, frozenset({Agent.DEXRAZOXANE}))
    dexrazoxane_mg_m2, dexrazoxane_mg = dexrazoxane_dose(order, current_bsa)
    doxorubicin = concurrent_doxorubicin(anthracycline_orders, to_come, current_bsa, start=start)
    signed_together = [o for o in dexrazoxane_in_play if o.draft and o.resource is not order]
    ratio = dose_ratio(
        order_amounts(order),
        combined_dexrazoxane(dexrazoxane_mg_m2, order, [o.resource for o in signed_together], current_bsa),
        doxorubicin,
    )

    diagnoses = dx.recorded_diagnoses(pool, order, start)
    extravasation = dx.anthracycline_extravasation(pool, order, start)
    # The order goes to I.B also when extravasation is unknown but recorded (policy/pathway.py): its
    # course is then read too, so I.B.4 is decided from the doses rather than left unknown.
    on_extravasation_pathway = extravasation.value is True or (
        extravasation.value is None and bool(extravasation.evidence)
    )
    onset = dx.extravasation_onset(pool, extravasation.evidence) if on_extravasation_pathway else None
    observations = pool.of_type("Observation")
    onc_or_hem, oncologist = prescriber_facts(order, pool, on=start)
    consult_onc_or_hem, consult_oncologist = consultation_facts(pool, start)
    dfci, cog = protocol_facts(pool, start)
    lob, coverage = line_of_business(pool, order, line_of_business_map, start)

    tki = tyrosine_kinase_inhibitor(
        administrations,
        orders,
        start=start,
        statements=[(s, agent_of(s, pool)) for s in pool.of_type("MedicationStatement")],
    )
    problems = tuple(f"{d.reference}: {d.note}" for d in given + to_come if d.mg_m2 is None and d.note)
    summed = totals(given, to_come)
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
        planned_doxorubicin=summed.planned_doxorubicin,
        planned_anthracycline=summed.planned_anthracycline,
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
        order_purpose=order_purpose(order, pool),
        extravasation_course_order=extravasation_course_order(order, pool),
        course_first_day=course_first_day(order, start),
        prior_dexrazoxane_cardioprotection=prior_dexrazoxane_cardioprotection(pool, administrations, start),
        metastatic_breast_cancer=dx.metastatic_breast_cancer(diagnoses),
        acute_lymphoblastic_leukemia=dx.acute_lymphoblastic_leukemia(diagnoses),
        ph_positive=_ph_status(dx.ph_positive(diagnoses, observations), tki),
        relapsed_or_refractory=dx.relapsed_or_refractory(diagnoses),
        aggressive_mature_b_cell_lymphoma=dx.aggressive_mature_b_cell_lymphoma(diagnoses),
        hodgkin_lymphoma=dx.hodgkin_lymphoma(diagnoses),
        wilms_tumor=dx.wilms_tumor(diagnoses, age.value),
        neuroblastoma=dx.neuroblastoma(diagnoses, age.value),
        soft_tissue_sarcoma=dx.soft_tissue_sarcoma(diagnoses),
        anthracycline_extravasation=extravasation,
        dasatinib_or_imatinib=tki,
        dfci_all_protocol=dfci,
        cog_aall1331=cog,
        heart_radiation=heart_radiation(pool),
        documented=documented_answers(pool, reference_of(order), start),
        submitted_evidence=submitted_evidence(pool, reference_of(order), start),
        problems=problems,
    )
