"""Another patient's records sent as this patient's (docs/facts.md "Another patient's records").

The prefetch is the client's word that its resources are this patient's; one whose ``subject`` (or
``patient``, ``beneficiary``, ``individual``) names another patient contradicts it. It is either another
patient's record (not this patient's dose or diagnosis) or this patient's filed under another record (a
merged or duplicate chart): which cannot be told. Not plausible is not a fact, so it is never used to meet
a criterion, and not read is not absent, so it is never taken for nothing either:

* an anthracycline administration (or one whose drug cannot be identified), given on or before the order
  date: an unknown part of the cumulative totals;
* an anthracycline order in play: an unknown part of the planned totals;
* a Condition: unread beside the indications it would meet or leave open (``diagnoses.unvouched``);
* a height, weight or BSA: a body measure not read (a dose sized through one measured further away is
  unknown, ``body_measures_not_read``);
* a Patient whose id is not the one the hook names, with none of this patient's, or a dexrazoxane order
  being signed whose subject is another patient: the record is not the order's patient's, so the order
  pends asking for this patient's own record (``patient_mismatch``);
* anything else (a Coverage whose beneficiary is another, a procedure, a referral): named beside the
  facts, never read as this patient's.

Every one is named (its own reference; never the other patient's identifier) in the determination's
``set_aside``. Pure: it reads what ``fhir.gather`` kept aside in ``ResourcePool.other_patients``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cds_service.clinical.administrations import administered_on, one_record_per_dose
from cds_service.clinical.codes import ANTHRACYCLINES, BSA_LOINC, HEIGHT_LOINC, LOINC, WEIGHT_LOINC, Agent
from cds_service.clinical.doses import Dose
from cds_service.clinical.drugs import agent_of, unidentified
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import codings, obj, parse_date, status_of
from cds_service.clinical.orders import MEDICATION_ORDER_TYPES
from cds_service.fhir.patient_scope import belongs_to_other_patient
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_NOT_GIVEN = frozenset({"not-done", "entered-in-error"})
_ORDERS_IN_PLAY = frozenset({"draft", "active", "on-hold", "unknown", ""})
_BODY_LOINC = HEIGHT_LOINC | WEIGHT_LOINC | BSA_LOINC
WHY = "names another patient, though sent as this patient's"


@dataclass(frozen=True)
class OtherPatients:
    """What another patient's records sent as this patient's bear on."""

    given: tuple[Dose, ...] = ()  # unknown parts of the cumulative totals
    to_come: tuple[Dose, ...] = ()  # unknown parts of the planned totals
    conditions: tuple[Resource, ...] = ()
    measures: tuple[tuple[str, date | None], ...] = ()
    notes: tuple[str, ...] = ()  # every resource, named with where it came

    def __bool__(self) -> bool:
        return bool(self.notes)


def _note(source: str, resource: Resource) -> str:
    if resource.get("resourceType") == "Patient":
        # A Patient's id identifies that other patient: it is not written on this patient's determination.
        return (
            f"the Patient sent under {source} set aside: it is another patient than the one the order is for"
        )
    return f"{reference_of(resource)} set aside: it {WHY} (under {source})"


def other_patients(pool: ResourcePool, *, cutoff: date) -> OtherPatients:
    """Another patient's resources the prefetch sent, and what each bears on (module doc); anthracycline
    administrations dated after ``cutoff`` (the order date, or today) are no dose by then anyway."""
    given: list[Dose] = []
    to_come: list[Dose] = []
    conditions: list[Resource] = []
    measures: list[tuple[str, date | None]] = []
    notes: list[str] = []
    kept = sorted(pool.other_patients, key=lambda item: reference_of(item[1]))
    sources = {id(resource): source for source, resource in kept}
    administrations = [r for _, r in kept if r.get("resourceType") == "MedicationAdministration"]
    # One dose charted twice at one minute is one record of it, as for this patient's own doses
    for resource, records in one_record_per_dose(administrations, lambda r: _anthracycline(r, pool)):
        notes.append(_note(sources[id(resource)], resource))
        if status_of(resource) in _NOT_GIVEN:
            continue
        on = administered_on(resource)
        agent = _anthracycline(resource, pool)
        if agent is not None and (on is None or on <= cutoff):
            note = f"it {WHY}: not counted"
            if len(records) > 1:
                note += f" ({len(records)} records of one dose: {', '.join(records)})"
            given.append(Dose(reference_of(resource), agent, on, None, note=note, merged=records))
    for source, resource in kept:
        reference, rtype = reference_of(resource), resource.get("resourceType")
        if rtype == "MedicationAdministration":
            continue
        notes.append(_note(source, resource))
        if rtype in MEDICATION_ORDER_TYPES and status_of(resource) in _ORDERS_IN_PLAY:
            agent = _anthracycline(resource, pool)
            if agent is not None:
                note = f"it {WHY}: its doses are unknown"
                to_come.append(Dose(reference, agent, None, None, planned=True, note=note))
        elif rtype == "Condition":
            conditions.append(resource)
        elif rtype == "Observation" and any(
            system == LOINC and code in _BODY_LOINC for system, code in codings(resource.get("code"))
        ):
            when = parse_date(resource.get("effectiveDateTime")) or parse_date(
                obj(resource.get("effectivePeriod")).get("start")
            )
            measures.append((reference, when))
    return OtherPatients(
        tuple(given), tuple(to_come), tuple(conditions), tuple(measures), tuple(sorted(notes))
    )


def _anthracycline(resource: Resource, pool: ResourcePool) -> Agent | None:
    """The anthracycline a medication resource names, or doxorubicin for one whose drug cannot be
    identified but could be an anthracycline (the total it would join is unknown either way)."""
    agent = agent_of(resource, pool)
    if agent in ANTHRACYCLINES:
        return agent
    if agent is None and unidentified(resource, pool):
        return Agent.DOXORUBICIN
    return None


def patient_mismatch(pool: ResourcePool, order: Resource | None = None) -> Fact[bool]:
    """Whether the record is not this patient's: the dexrazoxane ``order`` names another patient as its
    subject than the one the hook names, or the Patient sent is another patient (an id other than
    ``context.patientId``) with none of this patient's in the data: its birth date and vital status are not
    this patient's, and the order is not decided on a record that is not this patient's."""
    if order is not None and pool.patient_id and belongs_to_other_patient(order, pool.patient_id):
        return Fact(
            True,
            (reference_of(order),),
            f"{reference_of(order)} names another patient than the one the hook is for (context.patientId): "
            "the record read is not its patient's",
        )
    if pool.patient_id and pool.get("Patient", pool.patient_id) is not None:
        return Fact(False)
    sent = [
        (source, resource)
        for source, resource in pool.other_patients
        if resource.get("resourceType") == "Patient"
    ]
    if not sent:
        return Fact(False)
    where = ", ".join(sorted({source for source, _ in sent}))
    return Fact(
        True,
        (),
        f"the Patient sent ({where}) is another patient than the one the order is for (its id is not "
        "context.patientId): the record cannot be read as this patient's",
    )
