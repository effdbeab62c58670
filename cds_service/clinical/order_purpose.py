"""What a dexrazoxane order is for, as the order itself shows it (docs/decisions.md "Pathways").

* Its reason: an extravasation (ICD-10-CM T80.810, not the sequela) says extravasation; a cancer (any
  ICD-10-CM C code or a SNOMED CT cancer the policy names), drug-induced cardiomyopathy (I42.7) or words
  of cardioprotection say cardioprotection. Both: extravasation (the cancer is the context of the event).
* Its shape, read only when it gives no reason: an extravasation course is one run of at most 3
  consecutive days, not repeating, and not signed together with a doxorubicin order.
* The first day of that course: the order's first scheduled day, else its date (the I.B approval start).

Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date

from cds_service.clinical import codes
from cds_service.clinical.diagnoses import Diagnosis, is_extravasation_diagnosis, order_reasons
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import concept_text, dicts
from cds_service.clinical.orders import prohibits
from cds_service.clinical.schedule import planned_schedule
from cds_service.fhir.pool import Resource, ResourcePool, reference_of
from cds_service.thresholds import EXTRAVASATION_COURSE_DAYS

EXTRAVASATION = "extravasation"
CARDIOPROTECTION = "cardioprotection"
# "one run of at most 3 consecutive days" (docs/decisions.md; Totect: once daily for 3 days)
COURSE_DAYS = EXTRAVASATION_COURSE_DAYS
_CARDIOPROTECTION_WORDS = ("cardioprotect", "cardiomyopathy", "cardiotoxic")
_DRUG_INDUCED_CARDIOMYOPATHY = "I427"
_EXTRAVASATION_FACT = "anthracycline_extravasation"
_SNOMED_CANCERS = (
    codes.SCT_BREAST
    | codes.SCT_ALL
    | codes.SCT_AGGRESSIVE_B_CELL
    | codes.SCT_HODGKIN
    | codes.SCT_WILMS
    | codes.SCT_NEUROBLASTOMA
    | codes.SCT_SITE_WILMS
    | codes.SCT_SITE_NEUROBLASTOMA
    | codes.SCT_SITE_SOFT_TISSUE
    | codes.SCT_SOFT_TISSUE_SARCOMA
    | codes.SCT_PEDIATRIC_SITE_SOFT_TISSUE
)


def _stated_in_text(order: Resource, reasons: list[Diagnosis]) -> list[str]:
    """Where the order says "extravasation" in words the service does not read as a code: a reason (a
    reasonCode's text or display, a Condition named as the reason) whose codes say nothing of it, a note,
    a dosage instruction's text."""
    found = [
        f"{r.reference} (reason {r.text[:80]!r})"
        if r.reference != reference_of(order)
        else f"its reason {r.text[:80]!r}"
        for r in reasons
        if _EXTRAVASATION_FACT in r.bears_on or (not r.icd and not r.snomed and _names_extravasation(r.text))
    ]
    notes = [note.get("text") for note in dicts(order.get("note"))]
    for dosage in dicts(order.get("dosageInstruction")):
        notes += [
            dosage.get("text"),
            dosage.get("patientInstruction"),
            concept_text(dosage.get("additionalInstruction")),
        ]
    found += [
        f"its note or instruction {text[:80]!r}"
        for text in notes
        if isinstance(text, str) and _names_extravasation(text.lower())
    ]
    return found


def _names_extravasation(text: str) -> bool:
    return any(word in text for word in codes.HISTOLOGY_WORDS[_EXTRAVASATION_FACT])


def order_purpose(order: Resource, pool: ResourcePool) -> Fact[str]:
    """``extravasation`` / ``cardioprotection`` from the order's reason; unknown when it gives none, and
    unknown with the order as unread when it says "extravasation" only in words (not read is not absent:
    it must not be judged as plain cardioprotection)."""
    reasons = order_reasons(order, pool)
    extravasation = [r for r in reasons if is_extravasation_diagnosis(r)]
    if extravasation:
        refs = tuple(dict.fromkeys(r.reference for r in extravasation))
        return Fact(EXTRAVASATION, refs, "the order's reason is an extravasation (T80.810)")
    in_words = _stated_in_text(order, reasons)
    if in_words:
        reference = reference_of(order)
        return Fact(
            None,
            (),
            f"{reference} names an extravasation only in words ({'; '.join(in_words)}), with no code the "
            "service reads (ICD-10-CM T80.810): whether it is for an extravasation or for cardioprotection "
            "is unknown",
            (reference,),
        )
    cardioprotection = [
        r
        for r in reasons
        if any(code.startswith("C") or code.startswith(_DRUG_INDUCED_CARDIOMYOPATHY) for code in r.icd)
        or r.snomed & _SNOMED_CANCERS
        or any(word in r.text for word in _CARDIOPROTECTION_WORDS)
    ]
    if cardioprotection:
        refs = tuple(dict.fromkeys(r.reference for r in cardioprotection))
        return Fact(CARDIOPROTECTION, refs, "the order's reason is the cancer or cardioprotection")
    return Fact(None, (), "the order gives no reason the pathway can be read from")


def extravasation_recorded(extravasation: Fact[bool]) -> bool:
    """Whether a record of an extravasation is there, whatever I.B.1 makes of it: met, or a record as its
    evidence (no onset date, no drug identified, another drug's), or one it could not read (a code that
    names no drug with words that name an extravasation, a text only)."""
    return extravasation.value is True or bool(extravasation.evidence or extravasation.unread)


def judged_as_extravasation(purpose: Fact[str], extravasation: Fact[bool], course_order: Fact[bool]) -> bool:
    """Whether the order is judged on I.B (docs/decisions.md "Pathways"): its reason is an extravasation;
    or it gives none (or one the service cannot read), an extravasation is recorded (even one the service
    cannot classify: not read is not absent), and the order is an extravasation course. The one rule the
    pathway and the facts of the course both read."""
    if purpose.value == EXTRAVASATION:
        return True
    return purpose.value is None and extravasation_recorded(extravasation) and bool(course_order.value)


def signed_doxorubicin(pool: ResourcePool) -> tuple[str, ...]:
    """The doxorubicin orders among the orders being signed (read once per request: it is the same for
    every dexrazoxane order of it)."""
    return tuple(
        reference_of(other)
        for other in pool.draft_orders
        if not prohibits(other) and agent_of(other, pool) in codes.DOXORUBICINS
    )


def extravasation_course_order(
    order: Resource, pool: ResourcePool, doxorubicin_signed: tuple[str, ...] | None = None
) -> Fact[bool]:
    """Whether the order is shaped as an extravasation course: one run of at most 3 consecutive days,
    not repeating, not signed together with a doxorubicin order (``doxorubicin_signed``, read from the
    pool when not given)."""
    reference = reference_of(order)
    doxorubicin = signed_doxorubicin(pool) if doxorubicin_signed is None else doxorubicin_signed
    doxorubicin = tuple(other for other in doxorubicin if other != reference)
    if doxorubicin:
        return Fact(False, (reference, *doxorubicin), "signed together with a doxorubicin order")
    schedule = planned_schedule(order)
    if schedule.unread:
        return Fact(None, (reference,), f"the order's schedule cannot be read ({schedule.unread})")
    if schedule.open_ended:
        return Fact(False, (reference,), "a repeating order with no end")
    # The order as written: the doses a range in its timing allows count toward its shape too.
    days = sorted({dose.when for dose in schedule.every_dose if dose.when is not None})
    undated = sum(1 for dose in schedule.every_dose if dose.when is None)
    span = (days[-1] - days[0]).days + 1 if days else 0
    consecutive = span == len(days)
    if consecutive and span + undated <= COURSE_DAYS:
        return Fact(True, (reference,), f"one run of {max(span, 1)} day(s), at most {COURSE_DAYS}")
    if not consecutive:
        return Fact(False, (reference,), "doses on days that are not consecutive (a repeating order)")
    return Fact(
        False, (reference,), f"{span + undated} days of doses, more than one {COURSE_DAYS}-day course"
    )


def course_first_day(order: Resource, start: date) -> Fact[date]:
    """The I.B approval start: the order's first scheduled day, else its date (``start``)."""
    days = [dose.when for dose in planned_schedule(order).every_dose if dose.when is not None]
    if days:
        return Fact(min(days), (reference_of(order),), "the order's first scheduled day")
    return Fact(start, (reference_of(order),), "the order's date")
