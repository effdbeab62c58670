"""Diagnoses the policy names, from Condition and the order's reason (CONTRACT §3 "Diagnoses").

A Condition counts when its clinicalStatus is active, recurrence, relapse or remission (a Condition
sent without any clinicalStatus counts too: DSTU2 and many EHR exports leave it out) and its
verificationStatus is
not entered-in-error or refuted. The order's ``reasonCode`` and ``reasonReference`` (DSTU2
``reasonCodeableConcept``) count as diagnoses as well. Diagnoses are routinely structured, so the
absence of a qualifying code is ``False`` (CONTRACT §2), except where a code alone cannot tell (Wilms
or neuroblastoma by ICD site when the age is unknown) or where CONTRACT §3 makes absence unknown
(Ph status, relapse).

A diagnosis whose verificationStatus is unconfirmed, provisional or differential is a working
hypothesis: no pharmacist approves on it, and nor is it absent. Every fact below reads it the same way
(``_found``): a confirmed match (or one with no verificationStatus) settles the fact; tentative matches
alone make it unknown (``None``) with those Conditions as evidence, so the criterion pends until the
diagnosis is confirmed.

Disambiguation where ICD-10-CM has no specific code (clinical-codes §4.1):

* Wilms tumour: SNOMED CT nephroblastoma, or ICD-10-CM C64 (kidney) in a patient under 18, where
  nephroblastoma is by far the most common renal malignancy and renal cell carcinoma is rare.
* Neuroblastoma: SNOMED CT neuroblastoma, or ICD-10-CM C74.1 (adrenal medulla) in a patient under 18.
  The other typical primary sites (C47, C38, C48.0, C74.9) are not read: in a child they are as often
  sarcomas or adrenocortical tumours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cds_service.clinical import codes
from cds_service.clinical.administrations import administered_on
from cds_service.clinical.codes import ANTHRACYCLINES
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import codings, dicts, obj, parse_date, plain_codes, status_of
from cds_service.clinical.orders import MEDICATION_ORDER_TYPES, prohibits
from cds_service.clinical.schedule import order_date
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

PEDIATRIC_AGE = 18  # CONTRACT §3: "pediatric means under 18"
EXTRAVASATION_WINDOW = timedelta(days=7)  # CONTRACT §2 pathways: onset in the 7 days before the order
# I.B.1 asks for an ANTHRACYCLINE extravasation, but T80.810 codes any vesicant antineoplastic. An
# anthracycline extravasates during its infusion and is recognised then or within hours to days
# (dexrazoxane has to start within 6 hours of it, Totect label), so an anthracycline given or ordered in
# the week up to the onset ties the extravasation to it; a week also covers an onset charted late, yet
# stays short of the previous 21-day cycle, whose drug could not have caused today's extravasation.
ANTHRACYCLINE_EXPOSURE_WINDOW = timedelta(days=7)

# Every diagnosis the policy lists is a cancer treated in courses that go on in remission: pediatric ALL
# protocols give doxorubicin in delayed intensification, after remission (C91.01), and Hodgkin, B-cell
# lymphoma, Wilms and sarcoma regimens continue their anthracycline after a complete response.
# ICD-10-CM's own "in remission" codes (C91.01, C81.-A, C83.-A, C85.2A) already count by their prefix, so
# clinicalStatus remission counts too: the doxorubicin criteria, not the diagnosis, say whether the
# anthracycline goes on. resolved and inactive (the cancer is over) do not.
_CURRENT_DISEASE = frozenset({"active", "recurrence", "relapse", "remission"})
_RELAPSE = frozenset({"recurrence", "relapse"})
# An extravasation is an event, not a disease in remission: only a current record of it (active,
# recurrence, relapse, or no clinicalStatus at all) is one dexrazoxane could be ordered for. A resolved,
# inactive or remission record is a past extravasation and must not divert a cardioprotection order to I.B.
_CURRENT_EVENT = frozenset({"", "active", "recurrence", "relapse"})
_NOT_TRUE = frozenset({"entered-in-error", "refuted"})
# CONTRACT §3 drops only entered-in-error and refuted; these are recorded but not yet established
# (R4 unconfirmed / provisional / differential; STU3 and DSTU2 provisional / differential).
_TENTATIVE = frozenset({"unconfirmed", "provisional", "differential"})
_NOT_GIVEN = frozenset({"not-done", "entered-in-error"})
_NOT_ORDERED = frozenset({"cancelled", "entered-in-error", "draft"})


@dataclass(frozen=True)
class Diagnosis:
    """One coded diagnosis: a Condition, or the order's own reason."""

    icd: frozenset[str]  # ICD-10-CM codes, upper case, without the dot
    snomed: frozenset[str]
    reference: str
    clinical_status: str
    onset: date | None
    verification: str = ""  # the Condition's verificationStatus code ("" for the order's reasonCode)

    @property
    def tentative(self) -> bool:
        """Recorded as unconfirmed, provisional or differential: not yet a diagnosis to approve on."""
        return self.verification in _TENTATIVE

    def icd_starts(self, prefixes: Iterable[str]) -> bool:
        return any(code.startswith(prefix) for code in self.icd for prefix in prefixes)


def _status_code(value: Any) -> str:
    """R4 CodeableConcept status, or STU3/DSTU2 plain code."""
    if isinstance(value, str):
        return value.strip().lower()
    for concept in dicts(value):
        for coding in dicts(concept.get("coding")):
            if isinstance(coding.get("code"), str):
                return str(coding["code"]).strip().lower()
    return ""


def _diagnosis(
    concepts: Any, reference: str, status: str = "", onset: date | None = None, verification: str = ""
) -> Diagnosis:
    icd: set[str] = set()
    snomed: set[str] = set()
    for system, code in codings(concepts):
        if system == codes.ICD10CM:
            icd.add(code.upper().replace(".", ""))
        elif system == codes.SNOMED:
            snomed.add(code)
    return Diagnosis(frozenset(icd), frozenset(snomed), reference, status, onset, verification)


def _onset(condition: Resource) -> date | None:
    return (
        parse_date(condition.get("onsetDateTime"))
        or parse_date(obj(condition.get("onsetPeriod")).get("start"))
        or parse_date(
            condition.get("recordedDate") or condition.get("assertedDate") or condition.get("dateRecorded")
        )
    )


def _abated_before(condition: Resource, on: date | None) -> bool:
    """An ``abatement[x]`` date before ``on``: the disease ended (R4 con-4 allows remission + abatement)."""
    if on is None:
        return False
    abated = parse_date(condition.get("abatementDateTime")) or parse_date(
        obj(condition.get("abatementPeriod")).get("end")
    )
    return abated is not None and abated < on


def condition_counts(condition: Resource, on: date | None = None) -> bool:
    status = _status_code(condition.get("clinicalStatus"))
    verification = _status_code(condition.get("verificationStatus"))
    return (
        (status in _CURRENT_DISEASE or status == "")
        and verification not in _NOT_TRUE
        and not _abated_before(condition, on)
    )


def _condition_diagnosis(condition: Resource) -> Diagnosis:
    return _diagnosis(
        condition.get("code"),
        reference_of(condition),
        _status_code(condition.get("clinicalStatus")),
        _onset(condition),
        _status_code(condition.get("verificationStatus")),
    )


def order_reasons(order: Resource, pool: ResourcePool) -> list[Diagnosis]:
    """The order's own reasons: coded reasons, and the Conditions its reasonReference points to."""
    found: list[Diagnosis] = []
    reference = reference_of(order)
    for concept in dicts(order.get("reasonCode")) or dicts(order.get("reasonCodeableConcept")):
        found.append(_diagnosis(concept, reference))
    for target in dicts(order.get("reasonReference")):
        condition = pool.resolve(target, within=order)
        if (
            condition is not None
            and condition.get("resourceType") == "Condition"
            and _status_code(condition.get("verificationStatus")) not in _NOT_TRUE
        ):
            found.append(_condition_diagnosis(condition))
    return found


def recorded_diagnoses(pool: ResourcePool, order: Resource, on: date | None = None) -> list[Diagnosis]:
    """Every diagnosis that counts on ``on``: current Conditions (remission included, not abated before
    then) and the order's reasons."""
    found = [_condition_diagnosis(c) for c in pool.of_type("Condition") if condition_counts(c, on)]
    return found + order_reasons(order, pool)


def _references(matches: Iterable[Diagnosis]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.reference for m in matches))


def _tentative(matches: list[Diagnosis], what: str) -> Fact[bool]:
    """Unknown: ``what`` is recorded, but only as unconfirmed / provisional / differential."""
    statuses = "/".join(sorted({m.verification for m in matches}))
    return Fact(
        None,
        _references(matches),
        f"{what} recorded only as a {statuses} diagnosis: it pends until the diagnosis is confirmed",
    )


def _found(matches: list[Diagnosis], what: str) -> Fact[bool]:
    """``True`` on a confirmed match; unknown on tentative matches only; ``False`` on none."""
    confirmed = [m for m in matches if not m.tentative]
    if confirmed:
        return Fact(True, _references(confirmed), f"{what} recorded")
    if matches:
        return _tentative(matches, what)
    return Fact(False, (), f"no {what} diagnosis recorded")


def _any_of(*facts: Fact[bool]) -> Fact[bool]:
    """Three-valued "or" of diagnosis facts: the first ``True``, else every unknown one, else ``False``."""
    for fact in facts:
        if fact.value:
            return fact
    unknown = [fact for fact in facts if fact.value is None]
    if unknown:
        evidence = tuple(dict.fromkeys(ref for fact in unknown for ref in fact.evidence))
        return Fact(None, evidence, "; ".join(fact.reason for fact in unknown))
    return next((fact for fact in facts if fact.evidence), facts[-1])


def _matching(
    diagnoses: Iterable[Diagnosis], icd: Iterable[str] = (), snomed: frozenset[str] = frozenset()
) -> list[Diagnosis]:
    icd = tuple(icd)
    return [d for d in diagnoses if d.icd_starts(icd) or d.snomed & snomed]


def metastatic_breast_cancer(diagnoses: list[Diagnosis]) -> Fact[bool]:
    """Breast cancer (C50 / SNOMED) plus a metastasis (C77-C79 / SNOMED metastatic neoplasm)."""
    breast = _found(_matching(diagnoses, codes.ICD_BREAST, codes.SCT_BREAST), "breast cancer")
    metastasis = _found(_matching(diagnoses, codes.ICD_METASTASIS, codes.SCT_METASTATIC), "metastasis")
    if breast.value is False:
        return breast
    if metastasis.value is False:
        return Fact(False, breast.evidence, "breast cancer recorded with no metastasis")
    evidence = breast.evidence + metastasis.evidence
    if breast.value and metastasis.value:
        return Fact(True, evidence, "metastatic breast cancer recorded")
    reasons = [fact.reason for fact in (breast, metastasis) if fact.value is None]
    return Fact(None, evidence, "; ".join(reasons))


def acute_lymphoblastic_leukemia(diagnoses: list[Diagnosis]) -> Fact[bool]:
    return _found(_matching(diagnoses, codes.ICD_ALL, codes.SCT_ALL), "acute lymphoblastic leukemia")


def relapsed_or_refractory(diagnoses: list[Diagnosis]) -> Fact[bool]:
    """C91.02, or an ALL Condition whose clinicalStatus is relapse/recurrence; else unknown (seldom coded)."""
    all_diagnoses = _matching(diagnoses, codes.ICD_ALL, codes.SCT_ALL)
    relapsed = [
        d for d in all_diagnoses if d.icd_starts(codes.ICD_ALL_RELAPSE) or d.clinical_status in _RELAPSE
    ]
    if relapsed:
        return _found(relapsed, "ALL in relapse")  # True, or unknown when only tentative
    return Fact(None, (), "relapsed/refractory status is not recorded as structured data")


def aggressive_mature_b_cell_lymphoma(diagnoses: list[Diagnosis]) -> Fact[bool]:
    return _found(
        _matching(diagnoses, codes.ICD_AGGRESSIVE_B_CELL, codes.SCT_AGGRESSIVE_B_CELL),
        "aggressive mature B-cell lymphoma (Burkitt, DLBCL, PMBCL)",
    )


def hodgkin_lymphoma(diagnoses: list[Diagnosis]) -> Fact[bool]:
    return _found(_matching(diagnoses, codes.ICD_HODGKIN, codes.SCT_HODGKIN), "Hodgkin lymphoma")


def _by_site_in_child(
    diagnoses: list[Diagnosis], snomed: frozenset[str], icd_site: tuple[str, ...], age: int | None, what: str
) -> Fact[bool]:
    specific = _found(_matching(diagnoses, snomed=snomed), what)
    if specific.value:
        return specific
    return _any_of(specific, _by_site(_matching(diagnoses, icd_site), age, what))


def _by_site(by_site: list[Diagnosis], age: int | None, what: str) -> Fact[bool]:
    if not by_site:
        return Fact(False, (), f"no {what} diagnosis recorded")
    refs = _references(by_site)
    if age is not None and age >= PEDIATRIC_AGE:
        return Fact(False, refs, f"ICD-10-CM site code in an adult does not indicate {what}")
    if all(d.tentative for d in by_site):
        return _tentative(by_site, f"{what} (ICD-10-CM site code)")
    if age is None:
        return Fact(
            None, refs, f"{what}: ICD-10-CM site code only, and no age to tell it from an adult tumour"
        )
    confirmed = _references(d for d in by_site if not d.tentative)
    return Fact(True, confirmed, f"{what}: ICD-10-CM site code in a patient under {PEDIATRIC_AGE}")


def wilms_tumor(diagnoses: list[Diagnosis], age: int | None) -> Fact[bool]:
    return _by_site_in_child(diagnoses, codes.SCT_WILMS, codes.ICD_KIDNEY, age, "Wilms tumor")


def neuroblastoma(diagnoses: list[Diagnosis], age: int | None) -> Fact[bool]:
    return _by_site_in_child(
        diagnoses, codes.SCT_NEUROBLASTOMA, codes.ICD_ADRENAL_MEDULLA, age, "neuroblastoma"
    )


def _soft_tissue_sarcoma_code(code: str) -> bool:
    return code.startswith(codes.ICD_SOFT_TISSUE) and not code.startswith(codes.ICD_GIST)


def soft_tissue_sarcoma(diagnoses: list[Diagnosis]) -> Fact[bool]:
    """C49 (not GIST, C49.A) or C48.0 (retroperitoneum); not C48.1-C48.8 (peritoneum: mostly carcinoma)."""
    matches = [d for d in diagnoses if any(_soft_tissue_sarcoma_code(code) for code in d.icd)]
    return _found(matches, "soft tissue sarcoma")


def _extravasation_event(code: str) -> bool:
    """ICD-10-CM T80.810 at its initial or subsequent encounter (or without its 7th character), never
    the sequela T80.810S."""
    return code.startswith(codes.ICD_CHEMOTHERAPY_EXTRAVASATION) and not code.startswith(
        codes.ICD_EXTRAVASATION_SEQUELA
    )


def _is_extravasation(diagnosis: Diagnosis) -> bool:
    return any(_extravasation_event(code) for code in diagnosis.icd)


def anthracycline_exposure(pool: ResourcePool, on: date) -> tuple[str, ...]:
    """Anthracycline administrations and orders dated in the ``ANTHRACYCLINE_EXPOSURE_WINDOW`` up to
    ``on`` (the extravasation's onset, else the order date).

    An administration counts whatever its status but not-done / entered-in-error: an infusion that
    extravasated is often charted as stopped, with no dose. An order counts by its ``authoredOn``
    unless it is cancelled, entered-in-error or a draft (a draft being signed now was not yet given).
    """
    since = on - ANTHRACYCLINE_EXPOSURE_WINDOW
    found: list[str] = []
    for administration in pool.of_type("MedicationAdministration"):
        if administration.get("wasNotGiven") is True or administration.get("notGiven") is True:
            continue
        if status_of(administration) in _NOT_GIVEN:
            continue
        when = administered_on(administration)
        if when is not None and since <= when <= on and agent_of(administration, pool) in ANTHRACYCLINES:
            found.append(reference_of(administration))
    drafts = {id(order) for order in pool.draft_orders}
    for order in pool.of_type(*MEDICATION_ORDER_TYPES):
        if id(order) in drafts or prohibits(order) or status_of(order) in _NOT_ORDERED:
            continue
        when = order_date(order)
        if when is not None and since <= when <= on and agent_of(order, pool) in ANTHRACYCLINES:
            found.append(reference_of(order))
    return tuple(dict.fromkeys(found))


def anthracycline_extravasation(pool: ResourcePool, order: Resource, start: date) -> Fact[bool]:
    """I.B.1 "Diagnosis of anthracycline-induced extravasation".

    A T80.810 event (not its sequela) is the order's reason, or a Condition with its onset in the 7 days
    before the order; and an anthracycline was given or ordered in the 7 days up to that extravasation
    (its onset, else the order date). T80.810 with no anthracycline recorded is unknown: the vesicant
    may have been another drug (a vinca alkaloid, dactinomycin...), so the prescriber documents which.
    A T80.810 Condition with no onset date is unknown too (the order pends for the date). Only current
    Conditions count (clinicalStatus active, recurrence, relapse or none): a resolved or inactive one is
    a past extravasation, whether dated or not.
    """
    candidates: list[tuple[Diagnosis, date]] = []
    for reason in order_reasons(order, pool):
        if not _is_extravasation(reason):
            continue
        if reason.reference.startswith("Condition/") and (
            reason.clinical_status not in _CURRENT_EVENT
            or (reason.onset is not None and not start - EXTRAVASATION_WINDOW <= reason.onset <= start)
        ):
            continue  # a Condition named as the reason is held to the same current-event rules
        candidates.append((reason, reason.onset or start))
    undated: list[Diagnosis] = []
    for condition in pool.of_type("Condition"):
        if _status_code(condition.get("verificationStatus")) in _NOT_TRUE:
            continue
        diagnosis = _condition_diagnosis(condition)
        if diagnosis.clinical_status not in _CURRENT_EVENT or not _is_extravasation(diagnosis):
            continue
        if diagnosis.onset is None:
            undated.append(diagnosis)
        elif start - EXTRAVASATION_WINDOW <= diagnosis.onset <= start:
            candidates.append((diagnosis, diagnosis.onset))
    # The latest extravasation first (ties by reference), never the first listed: the fact's evidence and
    # the course's onset must not depend on resource order (CONTRACT §2.1).
    candidates.sort(key=lambda found: (found[1], found[0].reference), reverse=True)
    without_anthracycline: list[str] = []
    tentative: list[Diagnosis] = [d for d, _on in candidates if d.tentative]
    for diagnosis, on in candidates:
        if diagnosis.tentative:
            continue
        exposure = anthracycline_exposure(pool, on)
        if exposure:
            return Fact(
                True,
                (diagnosis.reference, *exposure),
                f"extravasation (T80.810) on {on.isoformat()} with an anthracycline given or ordered in "
                f"the {ANTHRACYCLINE_EXPOSURE_WINDOW.days} days before",
            )
        without_anthracycline.append(diagnosis.reference)
    reasons: list[str] = []
    if without_anthracycline:
        reasons.append(
            "extravasation of a vesicant antineoplastic (T80.810) recorded, but no anthracycline given or "
            f"ordered in the {ANTHRACYCLINE_EXPOSURE_WINDOW.days} days before it: the vesicant may be "
            "another drug"
        )
    if undated:
        reasons.append("extravasation (T80.810) recorded without an onset date")
    if tentative:
        reasons.append(_tentative(tentative, "extravasation (T80.810)").reason)
    if reasons:
        evidence = without_anthracycline + [d.reference for d in undated + tentative]
        return Fact(None, tuple(dict.fromkeys(evidence)), "; ".join(reasons))
    return Fact(False, (), "no anthracycline extravasation in the 7 days before the order")


def extravasation_onsets(pool: ResourcePool) -> list[date]:
    """Onset dates of every chemotherapy extravasation Condition (T80.810 event, not its sequela; not
    entered-in-error or refuted), whatever the drug: a dexrazoxane dose around one was not given for
    cardioprotection."""
    onsets: list[date] = []
    for condition in pool.of_type("Condition"):
        if _status_code(condition.get("verificationStatus")) in _NOT_TRUE:
            continue
        diagnosis = _condition_diagnosis(condition)
        if diagnosis.onset is not None and _is_extravasation(diagnosis):
            onsets.append(diagnosis.onset)
    return onsets


def is_extravasation_reason(concepts: Any) -> bool:
    """Whether CodeableConcept(s) carry an ICD-10-CM T80.810 event code (not the sequela)."""
    return any(
        system == codes.ICD10CM and _extravasation_event(code.upper().replace(".", ""))
        for system, code in codings(concepts)
    )


def extravasation_onset(pool: ResourcePool, evidence: tuple[str, ...]) -> date | None:
    """The onset of the extravasation a Fact rests on, when a Condition gives it."""
    for reference in evidence:
        condition = pool.resolve(reference)
        if condition is not None and condition.get("resourceType") == "Condition":
            return _onset(condition)
    return None


def _is_bcr_abl1(observation: Resource) -> bool:
    return any(s == codes.LOINC and c in codes.LOINC_BCR_ABL1 for s, c in codings(observation.get("code")))


def _bcr_abl1_result(observation: Resource) -> bool | None:
    """Positive / negative / unreadable: a coded answer first, then the lab's interpretation, then the
    value (a ratio below the detection limit, ``comparator`` "<", is not detected), then its text."""
    answer = {
        code.upper() if code.isalpha() else code
        for _s, code in codings(observation.get("valueCodeableConcept"))
    }
    if answer & codes.POSITIVE_ANSWERS:
        return True
    if answer & codes.NEGATIVE_ANSWERS:
        return False
    interpretation = {code.upper() for code in plain_codes(observation.get("interpretation"))}
    if interpretation & codes.POSITIVE_ANSWERS:
        return True
    if interpretation & codes.NEGATIVE_ANSWERS:
        return False
    quantity = obj(observation.get("valueQuantity"))
    value = quantity.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if quantity.get("comparator") in ("<", "<="):
            return False
        return value > 0
    text = observation.get("valueString")
    if isinstance(text, str):
        lowered = text.strip().lower()
        if lowered.startswith(("not detected", "negative", "absent", "undetected")):
            return False
        if lowered.startswith(("detected", "positive", "present")):
            return True
    return None


def ph_positive(diagnoses: list[Diagnosis], observations: Iterable[Resource]) -> Fact[bool]:
    """Ph+: SNOMED Ph+ ALL or any positive BCR-ABL1 result (a later negative one is a treated leukemia,
    not a Ph-negative one); Ph-: negative BCR-ABL1 results only; neither recorded: unknown."""
    coded = _found(_matching(diagnoses, snomed=codes.SCT_PH_POSITIVE_ALL), "Ph-positive ALL")
    if coded.value:
        return Fact(True, coded.evidence, "Philadelphia chromosome-positive ALL recorded")
    positive: list[str] = []
    negative: list[str] = []
    for observation in observations:
        if status_of(observation) in {"entered-in-error", "cancelled"} or not _is_bcr_abl1(observation):
            continue
        result = _bcr_abl1_result(observation)
        if result is True:
            positive.append(reference_of(observation))
        elif result is False:
            negative.append(reference_of(observation))
    if positive:
        return Fact(True, tuple(positive), "BCR-ABL1 fusion detected")
    if negative:
        return Fact(False, tuple(negative), "BCR-ABL1 fusion not detected")
    if coded.value is None:
        return coded  # a tentative Ph+ ALL diagnosis and no result: unknown, with that Condition
    return Fact(None, (), "no Ph status recorded (no Ph+ diagnosis, no BCR-ABL1 result)")
