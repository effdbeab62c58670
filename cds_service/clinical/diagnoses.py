"""Diagnoses the policy names, from Condition and the order's reason (docs/facts.md "Diagnoses").

A Condition counts when its clinicalStatus is active, recurrence, relapse or remission (a Condition
sent without any clinicalStatus counts too: DSTU2 and many EHR exports leave it out) and its
verificationStatus is
not entered-in-error or refuted. The order's ``reasonCode`` and ``reasonReference`` (DSTU2
``reasonCodeableConcept``) count as diagnoses as well. Diagnoses are routinely structured, so the
absence of a qualifying code is ``False`` (docs/decisions.md), except where a code alone cannot tell (a
cancer coded by site only, below) or where docs/facts.md makes absence unknown (Ph status, relapse).

A diagnosis whose verificationStatus is unconfirmed, provisional or differential is a working
hypothesis: no pharmacist approves on it, and nor is it absent. Every fact below reads it the same way
(``_found``): a confirmed match (or one with no verificationStatus) settles the fact; tentative matches
alone make it unknown (``None``) with those Conditions as evidence, so the criterion pends until the
diagnosis is confirmed.

Site codes are not histology (docs/facts.md "Record integrity"; the CMS ICD-10-CM tabular): ICD-10-CM has no
Wilms, neuroblastoma or soft tissue sarcoma code, so a cancer coded only by a site where one of them occurs
(kidney, adrenal, soft tissue, the orbit...) leaves that indication unknown at any age, unless the
record names the histology; only recorded cancers that rule it out make it ``False``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from cds_service.clinical import codes, icd10, vesicants
from cds_service.clinical.code_systems import canonical
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import (
    codings,
    concept_text,
    dicts,
    obj,
    parse_date,
    read_period,
    status_missing,
    status_of,
)
from cds_service.clinical.plausibility import Plausibility
from cds_service.fhir.patient_scope import belongs_to_other_patient
from cds_service.fhir.pool import Resource, ResourcePool, reference_of, relative_part
from cds_service.thresholds import PEDIATRIC_AGE_BELOW

EXTRAVASATION_WINDOW = timedelta(days=7)  # docs/decisions.md "Pathways": onset in the 7 days before the order

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
# docs/facts.md drops only entered-in-error and refuted; these are recorded but not yet established
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
    text: str = ""  # lower-cased code text and displays, and a histology extension's (site codes)
    # Not read is not absent: what about the record could not be read by code ("" when every code was),
    # and the facts (ClinicalFacts names) it could bear on (``_reading``).
    unread: str = ""
    bears_on: frozenset[str] = frozenset()
    # Elements of the Condition holding words the service does not read for a histology (its stage
    # summary, a note): named where an indication is left open, as what could settle it
    words_not_read: tuple[str, ...] = ()
    # The date is only the day the Condition was recorded (no onset given): a day after the order is then
    # no conflict (``_dated_plausibly``)
    recorded_only: bool = False

    @property
    def tentative(self) -> bool:
        """Recorded as unconfirmed, provisional or differential: not yet a diagnosis to approve on."""
        return self.verification in _TENTATIVE

    def icd_starts(self, prefixes: Iterable[str]) -> bool:
        return any(code.startswith(prefix) for code in self.icd for prefix in prefixes)


# FHIR R4 condition-clinical and condition-ver-status codes (STU3's, and DSTU2's verificationStatus, are
# among them): a status written with none of these says nothing the service can read.
_CLINICAL_STATUSES = frozenset({"active", "recurrence", "relapse", "inactive", "remission", "resolved"})
_VERIFICATION_STATUSES = frozenset(
    {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
)


def status_not_read(condition: Resource) -> str:
    """Why a Condition's clinical or verification status cannot be read, or "": written but with no code
    of FHIR's (text only, a local code), or absent with a data-absent-reason in its place
    (``_clinicalStatus``).
    An absent status with no such reason is read as FHIR allows it (R4 con-3 asks a clinical status only of
    problem-list entries): as before. Not read is not absent: such a Condition is neither current nor past,
    only read beside the indications it would meet (``_only_beside``)."""
    for key, name, known in (
        ("clinicalStatus", "clinical status", _CLINICAL_STATUSES),
        ("verificationStatus", "verification status", _VERIFICATION_STATUSES),
    ):
        written = condition.get(key)
        if written is None:
            missing = status_missing({"_status": condition.get(f"_{key}")})
            if missing.startswith("its status is not recorded"):
                return missing.replace("status", name, 1)
            continue
        code = _status_code(written)
        if code not in known:
            said = f"{code[:40]!r}" if code else "no code"
            return f"its {name} is written with {said}, not a code of FHIR's"
    return ""


def _status_code(value: Any) -> str:
    """R4 CodeableConcept status, or STU3/DSTU2 plain code."""
    if isinstance(value, str):
        return value.strip().lower()
    for concept in dicts(value):
        for coding in dicts(concept.get("coding")):
            if isinstance(coding.get("code"), str):
                return str(coding["code"]).strip().lower()
    return ""


def diagnosis_of(
    concepts: Any,
    reference: str,
    status: str = "",
    onset: date | None = None,
    verification: str = "",
    histology: Any = None,
) -> Diagnosis:
    icd: set[str] = set()
    snomed: set[str] = set()
    found = [*codings([*dicts(concepts), *dicts(histology)])]
    for system, code in found:
        if system in _ICD_SYSTEMS:
            # WHO ICD-10 shares ICD-10-CM's categories for every code the policy names (C50, C91.0, C81...)
            icd.add(code.upper().replace(".", ""))
        elif system == codes.SNOMED:
            snomed.add(code)
    text = " ".join(part for part in (concept_text(concepts), concept_text(histology)) if part)
    unread, bears_on = _reading(found, text)
    conflict = _code_against_text(found, icd, snomed, concepts, histology)
    if conflict is not None:
        unread, bears_on = conflict
        icd, snomed = set(), set()
    return Diagnosis(
        frozenset(icd), frozenset(snomed), reference, status, onset, verification, text, unread, bears_on
    )


# The kind of cancer a code names by itself (its histology, not a site where one occurs): what its own
# text is held to. Site codes are read against their text by ``_by_site``.
_CODE_KINDS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "metastatic_breast_cancer": (codes.ICD_BREAST, codes.SCT_BREAST),
    "acute_lymphoblastic_leukemia": (codes.ICD_ALL, codes.SCT_ALL),
    "aggressive_mature_b_cell_lymphoma": (codes.ICD_AGGRESSIVE_B_CELL, codes.SCT_AGGRESSIVE_B_CELL),
    "hodgkin_lymphoma": (codes.ICD_HODGKIN, codes.SCT_HODGKIN),
    "wilms_tumor": ((), codes.SCT_WILMS),
    "neuroblastoma": ((), codes.SCT_NEUROBLASTOMA),
    "soft_tissue_sarcoma": (codes.ICD_SOFT_TISSUE_SARCOMA, codes.SCT_SOFT_TISSUE_SARCOMA),
}


def _own_text(concepts: Any, histology: Any) -> str:
    """What a diagnosis says of itself in words, beside its codes: the concept's ``text``, the displays of
    codings in systems the service does not read (another name of the same record), and a histology
    extension's words; never the display of a code read (a code's own title restates the code)."""
    parts: list[str] = []
    for concept in dicts(concepts):
        if isinstance(concept.get("text"), str):
            parts.append(concept["text"])
        for coding in dicts(concept.get("coding")):
            system = coding.get("system")
            read = isinstance(system, str) and canonical(system) in (*_ICD_SYSTEMS, codes.SNOMED)
            if not read and isinstance(coding.get("display"), str):
                parts.append(coding["display"])
    parts.append(concept_text(histology))
    return " ".join(part for part in parts if part).lower()


def _code_against_text(
    found: list[tuple[str, str]], icd: set[str], snomed: set[str], concepts: Any, histology: Any
) -> tuple[str, frozenset[str]] | None:
    """Not plausible is not a fact: a code naming a kind of cancer (C49.22 a soft tissue sarcoma) whose own
    text names another (``"Osteosarcoma of left distal femur"``, a bone sarcoma; an indication of another
    kind, or ``codes.OTHER_CANCER_KINDS``, ``codes.NOT_THE_KIND``) and not the code's: the record
    contradicts itself, so it meets nothing and is read only beside what either could be (unknown, named).
    Text that names the code's own kind, or adds only a site, a stage or metastases, is no conflict.
    ``None`` when there is none."""
    kinds = frozenset(
        name
        for name, (prefixes, concepts_listed) in _CODE_KINDS.items()
        if any(code.startswith(prefixes) for code in icd) or snomed & concepts_listed
    )
    if not kinds:
        return None
    own = _own_text(concepts, histology)
    if not own.strip():
        return None
    named = names_histology(own) & codes.CANCER_INDICATIONS
    if named & kinds or any(_names(own, codes.SAME_KIND.get(kind, ())) for kind in kinds):
        return None
    other_words = (
        *codes.OTHER_CANCER_KINDS,
        *(w for kind in kinds for w in codes.NOT_THE_KIND.get(kind, ())),
    )
    if not named and not _names(own, other_words):
        return None
    said = ", ".join(
        icd10.lookup(system, code).said() if system in _ICD_SYSTEMS else f"SNOMED CT {code}"
        for system, code in found
        if system in _ICD_SYSTEMS or system == codes.SNOMED
    )
    return (
        f"{said} and its own text {own[:80]!r} name different cancers: the code and its text conflict, so "
        "neither is a diagnosis to decide on",
        kinds | named,
    )


_ICD_SYSTEMS = (codes.ICD10CM, codes.ICD10)
_SNOMED_READ = (
    codes.SCT_BREAST
    | codes.SCT_METASTATIC
    | codes.SCT_ALL
    | codes.SCT_AGGRESSIVE_B_CELL
    | codes.SCT_HODGKIN
    | codes.SCT_WILMS
    | codes.SCT_NEUROBLASTOMA
    | codes.SCT_SOFT_TISSUE_SARCOMA
)
_SNOMED_SITES = (
    codes.SCT_SITE_WILMS
    | codes.SCT_SITE_NEUROBLASTOMA
    | codes.SCT_SITE_SOFT_TISSUE
    | codes.SCT_PEDIATRIC_SITE_SOFT_TISSUE
)


# "ALL", the abbreviation charted on its own ("ALL", "Ph-positive ALL", "ALL in relapse"): a short text
# holding the word "all" names acute lymphoblastic leukemia (a longer one may use the English word).
_ALL_ABBREVIATION = re.compile(r"(?:^|[\s(/+-])all(?:$|[\s)/,])")
_SHORT_TEXT_WORDS = 5


# Any word of ``codes.HISTOLOGY_WORDS`` at all: one search tells most texts (a visit type, a lab's name)
# name none, before each fact's words are looked for.
_ANY_HISTOLOGY_WORD = re.compile(
    "|".join(re.escape(word) for words in codes.HISTOLOGY_WORDS.values() for word in words)
)


def names_histology(text: str) -> frozenset[str]:
    """The facts whose histology (or Ph status, or extravasation) ``text`` names. A pure function of the
    text, asked of every diagnosis of every hook: kept for the texts charts repeat ("Malignant neoplasm of
    breast"), a short text only (a long one is read, not kept in the cache)."""
    if len(text) > _CACHED_TEXT_CHARS:
        return _histology_named.__wrapped__(text)
    return _histology_named(text)


# Diagnosis texts are a few words; a longer one (a caller's note) is read each time, never pinned in a cache.
_CACHED_TEXT_CHARS = 200


@lru_cache(maxsize=4096)
def _histology_named(text: str) -> frozenset[str]:
    found = set()
    if len(text.split()) <= _SHORT_TEXT_WORDS and _ALL_ABBREVIATION.search(text):
        found.add("acute_lymphoblastic_leukemia")
    if not _ANY_HISTOLOGY_WORD.search(text):
        return frozenset(found)
    for fact, words in codes.HISTOLOGY_WORDS.items():
        cleaned = text
        for other in codes.NOT_THE_HISTOLOGY.get(fact, ()):
            cleaned = cleaned.replace(other, " ")
        if _names(cleaned, words):
            found.add(fact)
    return frozenset(found)


def could_be(text: str) -> frozenset[str]:
    """What a record the service cannot read by code could be, from its text: the indications it names;
    else none when it names another cancer or no cancer at all; else (a cancer of no named kind, or no text
    to read) any of them."""
    if not text.strip():
        return codes.CANCER_INDICATIONS
    named = names_histology(text)
    if named:
        return named
    if _names(text, codes.OTHER_CANCER_WORDS) or not _names(text, codes.CANCER_WORDS):
        return frozenset()
    return codes.CANCER_INDICATIONS


def _reading(found: list[tuple[str, str]], text: str) -> tuple[str, frozenset[str]]:
    """What about a diagnosis could not be read by code, and what it could then bear on.

    Read: an ICD-10-CM or WHO ICD-10 code of the classification (clinical.icd10), a SNOMED CT concept of
    the policy's lists. A code that says a cancer is there but not its histology (a site, C80.1, C96.9,
    C85.90; SNOMED "malignant tumor"), or a complication of an infusion but not the extravasated drug (WHO
    T80.8, ICD-10-CM T80.8- other than T80.810), is read, but leaves open what its text names. A record
    with no code read at all (a system not read, a code not in its classification, a SNOMED CT concept not
    listed, no code) could be whatever its text says, or anything when it has none."""
    unspecific: list[str] = []
    not_read: list[str] = []
    read = False
    for system, code in found:
        if system in _ICD_SYSTEMS:
            entry = icd10.lookup(system, code)
            if not entry.valid:
                not_read.append(f"{entry.said()}, not a code of that classification")
            elif (entry.neoplasm and not entry.names_histology) or _unspecific_extravasation(code):
                unspecific.append(entry.said())
            else:
                read = True
        elif system == codes.SNOMED:
            if code in codes.SCT_UNSPECIFIC_CANCER or code in _SNOMED_SITES:
                unspecific.append(f"SNOMED CT {code}")
            elif code in _SNOMED_READ:
                read = True
            else:
                not_read.append(f"SNOMED CT {code}, a concept the service does not list")
        else:
            not_read.append(f"code {code!r} in {system}, a code system the service does not read")
    if read or unspecific:
        named = names_histology(text) if unspecific else frozenset()
        if not named:
            return "", frozenset()
        return (
            f"{', '.join(unspecific)} does not name a histology or a drug, and its text {text[:80]!r} names "
            "what it could be",
            named,
        )
    possible = could_be(text)
    if not possible:
        return "", frozenset()
    what = "; ".join(not_read) if not_read else "no code"
    said = f"text {text[:80]!r}" if text.strip() else "no text"
    return f"{what} ({said})", possible


def _unspecific_extravasation(code: str) -> bool:
    """A complication of an infusion that could be an anthracycline extravasation but does not say so
    (WHO T80.8, ICD-10-CM T80.8- other than T80.810, T80.9-): ``codes.ICD_EXTRAVASATION_UNSPECIFIC``."""
    plain = code.upper().replace(".", "")
    return plain.startswith(codes.ICD_EXTRAVASATION_UNSPECIFIC) and not plain.startswith(
        codes.ICD_CHEMOTHERAPY_EXTRAVASATION
    )


def _histology(condition: Resource) -> list[dict[str, Any]]:
    """The morphology a Condition records beside its site code: an extension whose url names histology or
    morphology (mCODE ``mcode-histology-morphology-behavior``), as CodeableConcepts."""
    return [
        extension["valueCodeableConcept"]
        for extension in dicts(condition.get("extension"))
        if isinstance(extension.get("url"), str)
        and ("histology" in extension["url"].lower() or "morphology" in extension["url"].lower())
        and isinstance(extension.get("valueCodeableConcept"), dict)
    ]


def _onset(condition: Resource) -> date | None:
    """``onset[x]``, else when it was recorded; none when its onsetPeriod ends before it starts (a period
    that contradicts itself dates nothing, and the day it was recorded is no onset either)."""
    if read_period(condition.get("onsetPeriod")).contradiction:
        return None
    return (
        parse_date(condition.get("onsetDateTime"))
        or read_period(condition.get("onsetPeriod")).begins
        or parse_date(
            condition.get("recordedDate") or condition.get("assertedDate") or condition.get("dateRecorded")
        )
    )


def _abated_before(condition: Resource, on: date | None) -> bool:
    """An ``abatement[x]`` date before ``on``: the disease ended (R4 con-4 allows remission + abatement)."""
    if on is None:
        return False
    # (an abatementPeriod that ends before it starts dates no abatement: the clinical status decides)
    abated = parse_date(condition.get("abatementDateTime"))
    abated = abated or read_period(condition.get("abatementPeriod")).ends
    return abated is not None and abated < on


def past_diagnoses(pool: ResourcePool, on: date | None = None) -> list[Diagnosis]:
    """Conditions recorded but not current on ``on`` (resolved or inactive, or abated before then; not
    entered in error or refuted): a past disease, set aside, and named where it is set aside."""
    return [
        _condition_diagnosis(condition)
        for condition in pool.of_type("Condition")
        if not condition_counts(condition, on)
        and _status_code(condition.get("verificationStatus")) not in _NOT_TRUE
        and not _contradicts_itself(condition)
    ]


def naming_the_past(
    found: Fact[bool], past: list[Diagnosis], read: Callable[[list[Diagnosis]], Fact[bool]], name: str
) -> Fact[bool]:
    """``found`` (an indication not met), its reason naming the past diagnoses of that indication set
    aside ("no Wilms tumor recorded" of a record holding a resolved one would say what is not so)."""
    if found.value is not False:
        return found
    earlier = [d for d in past if read([d]).value]
    if not earlier:
        return found
    said = ", ".join(f"{d.reference} ({_past_status(d)})" for d in earlier)
    base = found.reason or f"no {name} recorded"
    base = f"no current {base[3:]}" if base.startswith("no ") else base
    return Fact(
        False,
        tuple(dict.fromkeys((*found.evidence, *_references(earlier)))),
        f"{base}; {said} set aside: a past {name}, not the current indication",
        found.unread,
    )


def _past_status(diagnosis: Diagnosis) -> str:
    return diagnosis.clinical_status or "abated"


def condition_counts(condition: Resource, on: date | None = None) -> bool:
    status = _status_code(condition.get("clinicalStatus"))
    verification = _status_code(condition.get("verificationStatus"))
    return (
        (status in _CURRENT_DISEASE or status == "")
        and verification not in _NOT_TRUE
        and not _abated_before(condition, on)
    )


def _condition_diagnosis(condition: Resource) -> Diagnosis:
    found = diagnosis_of(
        condition.get("code"),
        reference_of(condition),
        _status_code(condition.get("clinicalStatus")),
        _onset(condition),
        _status_code(condition.get("verificationStatus")),
        _histology(condition),
    )
    words = _words_not_read(condition)
    recorded_only = found.onset is not None and not _onset_written(condition)
    if words or recorded_only:
        return replace(found, words_not_read=words, recorded_only=recorded_only)
    return found


def _words_not_read(condition: Resource) -> tuple[str, ...]:
    """The elements of a Condition whose words are not read for a histology: ``stage`` (its summary or
    assessment, where a staging system may name the tumour: "Wilms tumor, favorable histology - COG stage
    III") and ``note`` (a pathology result written by hand)."""
    found = []
    if any(obj(stage.get("summary")) or stage.get("assessment") for stage in dicts(condition.get("stage"))):
        found.append("stage summary")
    if any(
        isinstance(note.get("text"), str) and note["text"].strip() for note in dicts(condition.get("note"))
    ):
        found.append("note")
    return tuple(found)


def order_reasons(order: Resource, pool: ResourcePool) -> list[Diagnosis]:
    """The order's own reasons: coded reasons, and the Conditions its reasonReference points to."""
    found: list[Diagnosis] = []
    reference = reference_of(order)
    # R4/STU3 reasonCode, DSTU2 reasonCodeableConcept (a generator is always truthy: read both)
    for concept in [*dicts(order.get("reasonCode")), *dicts(order.get("reasonCodeableConcept"))]:
        found.append(diagnosis_of(concept, reference))
    for target in dicts(order.get("reasonReference")):
        condition = pool.resolve(target, within=order)
        if (
            condition is not None
            and condition.get("resourceType") == "Condition"
            and _status_code(condition.get("verificationStatus")) not in _NOT_TRUE
        ):
            found.append(_condition_diagnosis(condition))
        elif (
            condition is None
            and not another_patients_record(pool, target)
            and (missing := missing_condition(target)) is not None
        ):
            found.append(missing)
    return found


def another_patients_record(pool: ResourcePool, target: dict[str, Any]) -> bool:
    """Whether a reference names a record the prefetch sent and the service set aside as another patient's
    (``ResourcePool.other_patients``): received, so no sign of a read left incomplete, and read as another
    patient's where it is read (``billed_diagnoses``: beside what it would meet, never as this patient's)."""
    if not pool.other_patients:
        return False
    written = target.get("reference")
    relative = relative_part(written) if isinstance(written, str) and not written.startswith("#") else None
    return relative is not None and any(reference_of(kept) == relative for _key, kept in pool.other_patients)


def missing_condition(target: dict[str, Any]) -> Diagnosis | None:
    """A reference to a Condition the record sent does not hold, as an unread diagnosis: the Condition
    search reads every Condition of the patient, so one named but not received is a sign the read is
    incomplete (not read is not absent). It could be what the reference's display names, or, with no
    display, any cancer indication. ``None`` when the reference is not to a Condition."""
    written = target.get("reference")
    relative = relative_part(written) if isinstance(written, str) and not written.startswith("#") else None
    if relative is None or not relative.startswith("Condition/"):
        return None
    display = target.get("display")
    text = display.strip().lower()[:200] if isinstance(display, str) else ""
    bears_on = could_be(text)
    if not bears_on:
        return None
    said = f"display {text[:80]!r}" if text else "no display"
    return Diagnosis(
        frozenset(),
        frozenset(),
        relative,
        "",
        None,
        text=text,
        unread=f"{said}, not among the Conditions read: the Condition search was not read whole",
        bears_on=bears_on,
    )


# A draft order whose status says it is not going ahead is not part of the request ("Orders in play",
# docs/facts.md "Record integrity").
_NOT_SIGNED = frozenset({"cancelled", "stopped", "completed", "entered-in-error"})


def signed_orders(pool: ResourcePool) -> list[Resource]:
    """The draft orders being signed (in play, not do-not-perform), in the request's order: the same list
    for every dexrazoxane order of one request, so the diagnoses they carry can be read once per request."""
    return [
        other
        for other in pool.draft_orders
        if status_of(other) not in _NOT_SIGNED and other.get("doNotPerform") is not True
    ]


def recorded_diagnoses(
    pool: ResourcePool,
    order: Resource,
    on: date | None = None,
    age: int | None = None,
    plausible: Plausibility | None = None,
) -> list[Diagnosis]:
    """Every diagnosis that counts on ``on``: current Conditions (remission included, not abated before
    then), and the reasons of every order being signed: the draft orders are one request, so the cancer a
    doxorubicin order signed with the dexrazoxane order names is a diagnosis of this one too. Beside
    them, the diagnoses found only on claims, unread (``billed_diagnoses``). A Condition whose date cannot
    be (``plausible``: before the birth date, after the order) is read only beside what it would meet."""
    current: list[Diagnosis] = []
    for condition in pool.of_type("Condition"):
        if unread := status_not_read(condition):
            # whether it is current, or established, is not read: beside what it would meet, never meeting it
            current += _only_beside(condition.get("code"), reference_of(condition), f"({unread})", age)
        elif why := _contradicts_itself(condition) or _not_the_patients(condition, plausible):
            if (aside := _read_beside(_condition_diagnosis(condition), why, age)) is not None:
                current.append(aside)
        elif condition_counts(condition, on):
            current.append(_condition_diagnosis(condition))
    found = _dated_plausibly(current, on, age, plausible)
    signed = signed_orders(pool)
    if not any(each is order for each in signed):
        signed = [order, *signed]  # an order read from the record, not among the drafts (order-dispatch)
    found += billed_diagnoses(pool, age)
    seen: set[str] = set()
    for each in signed:
        if each is not order and pool.patient_id and belongs_to_other_patient(each, pool.patient_id):
            # Signed in this hook but naming another patient: its reasons are neither this patient's
            # diagnoses nor nothing (not plausible is not a fact): read only beside what they would meet.
            found += _reasons_of_another_patients_order(each, pool, age)
            continue
        for reason in _dated_plausibly(order_reasons(each, pool), on, age, plausible):
            key = f"{reason.reference}|{sorted(reason.icd)}|{sorted(reason.snomed)}|{reason.text}"
            if key not in seen:
                seen.add(key)
                found.append(reason)
    return found


def _dated_plausibly(
    diagnoses: list[Diagnosis], on: date | None, age: int | None, plausible: Plausibility | None
) -> list[Diagnosis]:
    """``diagnoses`` with each whose date cannot be (dated before the birth date, or after the order that
    rests on it: ``Plausibility.dated_conflict``) read only beside the indications it would meet or leave
    open, its date named: not plausible is not a fact, so such a record meets nothing, and is not nothing
    either. The birth date stands (docs/decisions.md "A record dated before the birth")."""
    if plausible is None or on is None:
        return diagnoses
    kept: list[Diagnosis] = []
    for diagnosis in diagnoses:
        why = plausible.dated_conflict(diagnosis.onset, on, after=not diagnosis.recorded_only)
        if not why:
            kept.append(diagnosis)
        elif (aside := _read_beside(diagnosis, f"{why}: a date that cannot be", age)) is not None:
            kept.append(aside)
    return kept


def _read_beside(diagnosis: Diagnosis, why: str, age: int | None) -> Diagnosis | None:
    """``diagnosis`` read only beside the indications it would meet or leave open (``why`` it cannot be
    decided on), or ``None`` when it bears on none."""
    bears_on = diagnosis.bears_on | left_open(diagnosis, age) | names_histology(diagnosis.text)
    if not bears_on:
        return None
    codes_said = ", ".join(sorted(diagnosis.icd | diagnosis.snomed)) or "a code not read"
    return replace(
        diagnosis,
        icd=frozenset(),
        snomed=frozenset(),
        unread=f"{codes_said} {why}, so not a diagnosis to decide on",
        bears_on=bears_on,
    )


def _contradicts_itself(condition: Resource) -> str:
    """Why a Condition's own dates contradict each other (``""`` when they do not): an onset period that
    ends before it starts, an abatement before the onset, or a record made before the onset it states
    (days compared: a problem-list entry reused for a later event, or an onset typed wrong). Which date is
    wrong cannot be told, so neither its being current nor its being past is a fact (not plausible is not
    a fact): a year typed wrong in an abatement must not make a current cancer a past one, nor the
    converse; and an extravasation's onset, which ties the drug and the course to the event, is not known.
    """
    if _status_code(condition.get("verificationStatus")) in _NOT_TRUE:
        return ""
    period = obj(condition.get("onsetPeriod"))
    start = parse_date(condition.get("onsetDateTime")) or parse_date(period.get("start"))
    end = parse_date(period.get("end"))
    if start is not None and end is not None and end < start:
        return f"has an onset period ending {end.isoformat()}, before it starts {start.isoformat()}"
    abated = parse_date(condition.get("abatementDateTime")) or parse_date(
        obj(condition.get("abatementPeriod")).get("start")
    )
    if start is not None and abated is not None and abated < start:
        return f"is abated {abated.isoformat()}, before its onset {start.isoformat()}"
    recorded = parse_date(condition.get("recordedDate"))
    if start is not None and recorded is not None and recorded < start:
        return f"is recorded {recorded.isoformat()}, before its onset {start.isoformat()}"
    return ""


def _not_the_patients(condition: Resource, plausible: Plausibility | None) -> str:
    """Why a Condition's onset cannot be this patient's (``Plausibility.onset_not_the_patients``: an age at
    onset older than the patient), "" when it can or nothing is known to hold it to. A refuted or
    entered-in-error Condition is no diagnosis to set aside."""
    if plausible is None or _status_code(condition.get("verificationStatus")) in _NOT_TRUE:
        return ""
    return plausible.onset_not_the_patients(condition)


_CLAIM_TYPES = ("ExplanationOfBenefit", "Claim")
_NOT_A_CLAIM = frozenset({"cancelled", "entered-in-error"})


def billed_diagnoses(pool: ResourcePool, age: int | None = None) -> list[Diagnosis]:
    """Diagnoses found only on claims (ExplanationOfBenefit / Claim ``diagnosis``), each as unread beside
    the indications it would meet or leave open. A claim's diagnosis is a billing record, not a Condition
    the clinician keeps: never one to meet an indication on, but not nothing either (not read is not
    absent). One that points to a Condition (``diagnosisReference``) is that Condition, read as such.

    Likewise a Condition the prefetch sent as this patient's that names another patient (not plausible is
    not a fact: ``clinical.other_patients``): never met on, never denied beside."""
    found: list[Diagnosis] = []
    for _source, condition in sorted(pool.other_patients, key=lambda kept: reference_of(kept[1])):
        if condition.get("resourceType") != "Condition":
            continue
        if _status_code(condition.get("verificationStatus")) in _NOT_TRUE:
            continue
        found += _only_beside(
            condition.get("code"), reference_of(condition), "recorded for another patient", age
        )
    for claim in pool.of_type(*_CLAIM_TYPES):
        if status_of(claim) in _NOT_A_CLAIM:
            continue
        for entry in dicts(claim.get("diagnosis")):
            concept = entry.get("diagnosisCodeableConcept")
            if isinstance(concept, dict):
                found += _only_beside(
                    concept, reference_of(claim), "billed on a claim, not recorded as a Condition", age
                )
    return found


def _reasons_of_another_patients_order(
    order: Resource, pool: ResourcePool, age: int | None
) -> list[Diagnosis]:
    why = "the reason of an order signed here that names another patient"
    concepts = [*dicts(order.get("reasonCode")), *dicts(order.get("reasonCodeableConcept"))]
    for target in dicts(order.get("reasonReference")):
        condition = pool.resolve(target, within=order)
        if condition is not None and condition.get("resourceType") == "Condition":
            concepts.append(obj(condition.get("code")))
    return [found for concept in concepts for found in _only_beside(concept, reference_of(order), why, age)]


def _only_beside(concept: Any, reference: str, why: str, age: int | None) -> list[Diagnosis]:
    """A diagnosis read only beside the indications it would meet or leave open, never as one (``why``:
    where it was found)."""
    if not isinstance(concept, dict):
        return []
    billed = diagnosis_of(concept, reference)
    bears_on = billed.bears_on | left_open(billed, age)
    if not bears_on:
        return []
    codes_said = ", ".join(sorted(billed.icd | billed.snomed)) or "a code not read"
    return [
        replace(
            billed,
            icd=frozenset(),
            snomed=frozenset(),
            unread=f"{codes_said} {why}",
            bears_on=bears_on,
        )
    ]


# ICD-10 chapter II (neoplasms) is C00-D49: no other code names a cancer an indication could be.
_NEOPLASM_CHAPTER = ("C", "D")
_SNOMED_CANCERS = _SNOMED_READ | _SNOMED_SITES | codes.SCT_UNSPECIFIC_CANCER


# The codes each indication reads (its own, its sites, what rules it out): a diagnosis holding none of them
# leaves it as the records read show it.
_INDICATION_CODES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "metastatic_breast_cancer": (
        codes.ICD_BREAST + codes.ICD_METASTASIS,
        codes.SCT_BREAST | codes.SCT_METASTATIC,
    ),
    "acute_lymphoblastic_leukemia": (codes.ICD_ALL, codes.SCT_ALL),
    "aggressive_mature_b_cell_lymphoma": (codes.ICD_AGGRESSIVE_B_CELL, codes.SCT_AGGRESSIVE_B_CELL),
    "hodgkin_lymphoma": (codes.ICD_HODGKIN, codes.SCT_HODGKIN),
    "wilms_tumor": (codes.ICD_SITE_WILMS, codes.SCT_WILMS | codes.SCT_SITE_WILMS),
    "neuroblastoma": (codes.ICD_SITE_NEUROBLASTOMA, codes.SCT_NEUROBLASTOMA | codes.SCT_SITE_NEUROBLASTOMA),
    "soft_tissue_sarcoma": (
        codes.ICD_SOFT_TISSUE_SARCOMA
        + codes.ICD_SITE_SOFT_TISSUE
        + codes.ICD_PEDIATRIC_SITE_SOFT_TISSUE
        + codes.ICD_GIST,
        codes.SCT_SOFT_TISSUE_SARCOMA | codes.SCT_SITE_SOFT_TISSUE | codes.SCT_PEDIATRIC_SITE_SOFT_TISSUE,
    ),
}


def left_open(diagnosis: Diagnosis, age: int | None = None) -> frozenset[str]:
    """The cancer indications one diagnosis would meet, or leave open, on its own (those it does not rule
    out): what it bears on when it is found where diagnoses are not read (a claim, an Encounter...)."""
    if (
        not any(code[:1] in _NEOPLASM_CHAPTER for code in diagnosis.icd)
        and not diagnosis.snomed & _SNOMED_CANCERS
    ):
        return frozenset()  # no code of a cancer: none of them could be met or left open by it
    indications: dict[str, Callable[[list[Diagnosis]], Fact[bool]]] = {
        "metastatic_breast_cancer": metastatic_breast_cancer,
        "acute_lymphoblastic_leukemia": acute_lymphoblastic_leukemia,
        "aggressive_mature_b_cell_lymphoma": aggressive_mature_b_cell_lymphoma,
        "hodgkin_lymphoma": hodgkin_lymphoma,
        "wilms_tumor": wilms_tumor,
        "neuroblastoma": neuroblastoma,
        "soft_tissue_sarcoma": lambda found: soft_tissue_sarcoma(found, age),
    }
    # Only the indications whose codes (or histology words) the diagnosis holds can be other than False:
    # the others are not asked (an oncology visit's reason C50.911 asks breast cancer alone).
    asked = names_histology(diagnosis.text) | {
        name
        for name, (icd, snomed) in _INDICATION_CODES.items()
        if diagnosis.icd_starts(icd) or diagnosis.snomed & snomed
    }
    return frozenset(
        name for name, fact in indications.items() if name in asked and fact([diagnosis]).value is not False
    )


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


def found_among(matches: list[Diagnosis], what: str) -> Fact[bool]:
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


def not_read(fact: Fact[bool], diagnoses: Iterable[Diagnosis], name: str, what: str) -> Fact[bool]:
    """Not read is not absent: beside a fact the records read do not make ``True``, the records that could
    be ``what`` but could not be read by code (``Diagnosis.bears_on``), with what could not be read."""
    if fact.value:
        return fact
    records = [d for d in diagnoses if name in d.bears_on]
    if not records:
        return fact
    said = "; ".join(dict.fromkeys(f"{d.reference}: {d.unread}" for d in records))
    return replace(
        fact,
        reason=f"{fact.reason}; {said}: it could be {what}",
        unread=tuple(dict.fromkeys((*fact.unread, *_references(records)))),
    )


def matching(
    diagnoses: Iterable[Diagnosis], icd: Iterable[str] = (), snomed: frozenset[str] = frozenset()
) -> list[Diagnosis]:
    icd = tuple(icd)
    return [d for d in diagnoses if d.icd_starts(icd) or d.snomed & snomed]


def metastatic_breast_cancer(diagnoses: list[Diagnosis]) -> Fact[bool]:
    """Breast cancer (C50 / SNOMED) plus a metastasis (C77-C79 / SNOMED metastatic neoplasm)."""
    return not_read(
        _metastatic_breast_cancer(diagnoses),
        diagnoses,
        "metastatic_breast_cancer",
        "breast cancer or its metastasis",
    )


def _metastatic_breast_cancer(diagnoses: list[Diagnosis]) -> Fact[bool]:
    breast = found_among(matching(diagnoses, codes.ICD_BREAST, codes.SCT_BREAST), "breast cancer")
    metastasis = found_among(matching(diagnoses, codes.ICD_METASTASIS, codes.SCT_METASTATIC), "metastasis")
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
    found = found_among(matching(diagnoses, codes.ICD_ALL, codes.SCT_ALL), "acute lymphoblastic leukemia")
    return not_read(found, diagnoses, "acute_lymphoblastic_leukemia", "acute lymphoblastic leukemia")


def relapsed_or_refractory(diagnoses: list[Diagnosis]) -> Fact[bool]:
    """C91.02, or an ALL Condition whose clinicalStatus is relapse/recurrence; else unknown (seldom coded)."""
    all_diagnoses = matching(diagnoses, codes.ICD_ALL, codes.SCT_ALL)
    relapsed = [
        d for d in all_diagnoses if d.icd_starts(codes.ICD_ALL_RELAPSE) or d.clinical_status in _RELAPSE
    ]
    if relapsed:
        return found_among(relapsed, "ALL in relapse")  # True, or unknown when only tentative
    return Fact(None, (), "relapsed/refractory status is not recorded as structured data")


def aggressive_mature_b_cell_lymphoma(diagnoses: list[Diagnosis]) -> Fact[bool]:
    what = "aggressive mature B-cell lymphoma (Burkitt, DLBCL, PMBCL)"
    found = found_among(matching(diagnoses, codes.ICD_AGGRESSIVE_B_CELL, codes.SCT_AGGRESSIVE_B_CELL), what)
    return not_read(found, diagnoses, "aggressive_mature_b_cell_lymphoma", what)


def hodgkin_lymphoma(diagnoses: list[Diagnosis]) -> Fact[bool]:
    found = found_among(matching(diagnoses, codes.ICD_HODGKIN, codes.SCT_HODGKIN), "Hodgkin lymphoma")
    return not_read(found, diagnoses, "hodgkin_lymphoma", "Hodgkin lymphoma")


def _names(text: str, words: Iterable[str]) -> bool:
    return any(word in text for word in words)


def _other_histology(text: str, own: tuple[str, ...], excluded: tuple[str, ...] = ()) -> bool:
    """Whether ``text`` names a histology other than the indication's own words (``excluded``: words
    that contain the indication's yet name another tumour, "osteosarcoma")."""
    if _names(text, excluded):
        return True
    for word in own:
        text = text.replace(word, " ")
    return _names(text, codes.OTHER_HISTOLOGY)


def _by_site(
    diagnoses: list[Diagnosis],
    specific: Fact[bool],
    site_icd: tuple[str, ...],
    site_snomed: frozenset[str],
    histology: tuple[str, ...],
    what: str,
    excluded_icd: tuple[str, ...] = (),
    excluded_words: tuple[str, ...] = (),
) -> Fact[bool]:
    """Site codes are not histology (docs/facts.md "Record integrity"). A specific code settles the
    indication; a cancer coded only by a site where it occurs leaves it unknown, unless the record names the
    histology: the indication's own words (code text, display, a histology extension) settle it, another
    histology ("renal cell carcinoma") rules that record out. ``False`` needs recorded cancers that rule it
    out."""
    if specific.value:
        return specific
    site_coded = [
        d
        for d in matching(diagnoses, site_icd, site_snomed)
        if not (d.icd and all(code.startswith(excluded_icd) for code in d.icd) and excluded_icd)
    ]

    def other(d: Diagnosis) -> bool:
        return _other_histology(d.text, histology, excluded_words)

    def uncertain(d: Diagnosis) -> bool:
        return _names(d.text, codes.UNCERTAIN_HISTOLOGY)

    named = [d for d in site_coded if _names(d.text, histology) and not other(d) and not uncertain(d)]
    if named:
        found = found_among(named, what)
        if found.value:
            return Fact(True, found.evidence, f"{what} named in the site-coded diagnosis")
        return _any_of(specific, found)
    # a histology charted as a question neither settles nor rules out
    open_records = [d for d in site_coded if d not in named and (uncertain(d) or not other(d))]
    ruled_out = [d for d in site_coded if d not in open_records]
    # A record whose code is none of these but whose text names the indication ("Rhabdomyosarcoma"
    # under an unrecognised code) does not rule it out either.
    in_text = [d for d in diagnoses if d not in site_coded and _names(d.text, histology) and not other(d)]
    if open_records or in_text:
        reasons = []
        if open_records:
            reasons.append(_left_open_by_code(open_records, what))
        if in_text:
            reasons.append(f"{what} named in a diagnosis's text under a code that does not say it")
        site: Fact[bool] = Fact(None, _references(open_records + in_text), "; ".join(reasons))
        return _any_of(specific, site)
    if specific.value is None:
        return specific
    if ruled_out:
        charted = "; ".join(dict.fromkeys(repr(d.text[:60]) for d in ruled_out))
        return Fact(
            False,
            _references(ruled_out),
            f"the cancer coded at that site is charted as another histology ({charted}), not {what}",
        )
    return specific


def _left_open_by_code(records: list[Diagnosis], what: str) -> str:
    """Why records whose code names no histology leave ``what`` open: coded by a site where it occurs, or
    as a cancer of no stated site or kind (C80.1, SNOMED CT "malignant neoplastic disease"); and the words
    on them the service does not read for a histology (their stage summary, a note), named as what could
    settle it."""
    no_site = [d for d in records if _no_site(d)]
    how = (
        "coded as a cancer of no stated site or kind"
        if len(no_site) == len(records)
        else "coded by site only"
        if not no_site
        else "coded by site only or as a cancer of no stated site or kind"
    )
    unread = "; ".join(
        dict.fromkeys(
            f"{d.reference}: its {' and '.join(d.words_not_read)} "
            f"{'are' if len(d.words_not_read) > 1 else 'is'} not read for a histology"
            for d in records
            if d.words_not_read
        )
    )
    return f"{how}: {what} cannot be ruled out (a code that names no histology; send the pathology)" + (
        f"; {unread}" if unread else ""
    )


def _no_site(diagnosis: Diagnosis) -> bool:
    """A cancer code naming neither a site nor a kind: ICD-10 C80 or SNOMED CT malignant neoplastic
    disease / malignant tumour of unknown origin (``codes.SCT_NO_SITE``)."""
    return bool(diagnosis.icd_starts(("C80",)) or diagnosis.snomed & codes.SCT_NO_SITE) and not any(
        not code.startswith("C80") for code in diagnosis.icd
    )


def wilms_tumor(diagnoses: list[Diagnosis], age: int | None = None) -> Fact[bool]:
    """Wilms: SNOMED nephroblastoma; a kidney site code (C64, or its SNOMED equivalent) at any age is
    unknown unless the record names the histology. ``age`` no longer decides (docs/facts.md "Record
    integrity")."""
    specific = found_among(matching(diagnoses, snomed=codes.SCT_WILMS), "Wilms tumor")
    found = _by_site(
        diagnoses, specific, codes.ICD_SITE_WILMS, codes.SCT_SITE_WILMS, codes.HISTOLOGY_WILMS, "Wilms tumor"
    )
    return not_read(found, diagnoses, "wilms_tumor", "Wilms tumor")


def neuroblastoma(diagnoses: list[Diagnosis], age: int | None = None) -> Fact[bool]:
    """Neuroblastoma: SNOMED neuroblastoma; adrenal (C74.*), peripheral and autonomic nerve (C47.*),
    retroperitoneal (C48.0) and mediastinal (C38.1-C38.3) site codes are unknown at any age unless the
    record names the histology."""
    specific = found_among(matching(diagnoses, snomed=codes.SCT_NEUROBLASTOMA), "neuroblastoma")
    found = _by_site(
        diagnoses,
        specific,
        codes.ICD_SITE_NEUROBLASTOMA,
        codes.SCT_SITE_NEUROBLASTOMA,
        codes.HISTOLOGY_NEUROBLASTOMA,
        "neuroblastoma",
    )
    return not_read(found, diagnoses, "neuroblastoma", "neuroblastoma")


def soft_tissue_sarcoma(diagnoses: list[Diagnosis], age: int | None = None) -> Fact[bool]:
    """Soft tissue sarcoma is coded by its tissue: ICD-10-CM C49.0-C49.9 (malignant neoplasm of other
    connective and soft tissue) or its SNOMED CT equivalents meet it; GIST (C49.A) is another tumour and
    rules it out. A site where sarcomas arise (C48.*, C47.*, the orbit C69.6, C38.0-C38.3, C76.*; in a
    child, or when the age is unknown, also the classic rhabdomyosarcoma sites: bladder, prostate,
    parameningeal head and neck, paratesticular, female genital and biliary tract) leaves it unknown unless
    the record names a sarcoma or another histology."""
    gist = matching(diagnoses, codes.ICD_GIST)
    coded = matching(diagnoses, codes.ICD_SOFT_TISSUE_SARCOMA, codes.SCT_SOFT_TISSUE_SARCOMA)
    specific = found_among(coded, "soft tissue sarcoma")
    if specific.value:
        specific = Fact(
            True,
            specific.evidence,
            "soft tissue sarcoma recorded (malignant neoplasm of connective and soft tissue)",
        )
    elif specific.value is False and gist:
        specific = Fact(
            False, _references(gist), "gastrointestinal stromal tumour (C49.A) is not a soft tissue sarcoma"
        )
    child_or_unknown = age is None or age < PEDIATRIC_AGE_BELOW.value
    found = _by_site(
        diagnoses,
        specific,
        codes.ICD_SITE_SOFT_TISSUE + (codes.ICD_PEDIATRIC_SITE_SOFT_TISSUE if child_or_unknown else ()),
        codes.SCT_SITE_SOFT_TISSUE
        | (codes.SCT_PEDIATRIC_SITE_SOFT_TISSUE if child_or_unknown else frozenset()),
        codes.HISTOLOGY_SOFT_TISSUE_SARCOMA,
        "soft tissue sarcoma",
        excluded_icd=codes.ICD_GIST,
        excluded_words=codes.NOT_SOFT_TISSUE_SARCOMA,
    )
    return not_read(found, diagnoses, "soft_tissue_sarcoma", "soft tissue sarcoma")


def _extravasation_event(code: str) -> bool:
    """ICD-10-CM T80.810 at its initial or subsequent encounter (or without its 7th character), never
    the sequela T80.810S."""
    return code.startswith(codes.ICD_CHEMOTHERAPY_EXTRAVASATION) and not code.startswith(
        codes.ICD_EXTRAVASATION_SEQUELA
    )


def is_extravasation_diagnosis(diagnosis: Diagnosis) -> bool:
    return any(_extravasation_event(code) for code in diagnosis.icd)


def _drug_verdict(diagnosis: Diagnosis, on: date, pool: ResourcePool) -> Fact[bool]:
    """I.B.1 for one extravasation record: the drug it names decides, else the drugs given at the onset
    (the onset day or the day before): an anthracycline only → ``True``; only other vesicants → ``False``;
    both, or neither identified → unknown (docs/facts.md "Anthracycline-induced means an anthracycline
    extravasated").

    Not plausible is not a fact: the record decides when the administrations at the onset say nothing
    against it (none recorded, or the drug it names among them), or when it names the administration that
    extravasated itself (its ``evidence``); when they record only the other kind of drug (the record names
    an anthracycline and only another vesicant was given then, or the converse), the two conflict and
    I.B.1 is unknown, naming both."""
    record = pool.resolve(diagnosis.reference) if diagnosis.reference.startswith("Condition/") else None
    named = vesicants.named_by_record(record, diagnosis.text, diagnosis.reference, pool)
    window = f"({(on - vesicants.ONSET_WINDOW).isoformat()} or {on.isoformat()})"
    source = "named in the extravasation record"
    at = vesicants.onset_moment(record)
    if not named.found:
        named = vesicants.given_at_onset(pool, on, at)
        source = f"given at the onset {window}"
        if at is not None and not named.anthracyclines and named.started_after:
            return _started_after_onset(diagnosis, at, named)
        # A dose of the other kind with no date could have been given then too: both, not known which
        if unsettling := _undated_of_the_other_kind(named, named):
            return _undated_at_onset(diagnosis, named, unsettling, window)
    elif not vesicants.names_an_administration(record, pool):
        given = vesicants.given_at_onset(pool, on, at)
        if at is not None and named.anthracyclines and not given.anthracyclines and given.started_after:
            return _started_after_onset(diagnosis, at, given)
        # Only a dose of the other kind with no date beside what the record names: it could have been the
        # one given at the onset, and then the two conflict (below)
        unsettling = _undated_of_the_other_kind(named, given)
        if unsettling and not (given.others if named.others else given.anthracyclines):
            return _undated_at_onset(diagnosis, named, unsettling, window)
        contradicted = (
            named.anthracyclines and not named.others and given.others and not given.anthracyclines
        ) or (named.others and not named.anthracyclines and given.anthracyclines and not given.others)
        if contradicted:
            said_named = ", ".join([*named.anthracyclines, *named.others])
            said_given = ", ".join([*given.anthracyclines, *given.others])
            evidence = tuple(
                dict.fromkeys(
                    (
                        diagnosis.reference,
                        *given.anthracyclines.values(),
                        *given.others.values(),
                    )
                )
            )
            return Fact(
                None,
                evidence,
                f"the extravasation record names {said_named}, but only {said_given} is recorded as given at "
                f"the onset {window}: the record and the administrations conflict, so which drug "
                "extravasated is not known",
            )
    evidence = tuple(
        dict.fromkeys((diagnosis.reference, *named.anthracyclines.values(), *named.others.values()))
    )
    anthracyclines, others = ", ".join(named.anthracyclines), ", ".join(named.others)
    if named.anthracyclines and not named.others:
        return Fact(True, evidence, f"extravasation (T80.810) on {on.isoformat()}: {anthracyclines} {source}")
    if named.others and not named.anthracyclines:
        return Fact(
            False,
            evidence,
            f"{others}, not an anthracycline, {source}: the extravasation on {on.isoformat()} is not "
            "anthracycline-induced",
        )
    if named.found:
        return Fact(
            None,
            evidence,
            f"both an anthracycline ({anthracyclines}) and another vesicant ({others}) {source}: which "
            "extravasated is not recorded",
        )
    return Fact(
        None,
        evidence,
        f"extravasation of a vesicant antineoplastic (T80.810) on {on.isoformat()}, but no drug is named and "
        "no anthracycline or other vesicant is recorded as given on the onset day or the day before",
    )


def _undated_of_the_other_kind(said: vesicants.Named, given: vesicants.Named) -> dict[str, str]:
    """The doses with no date that can be read (``given.undated_*``) of the kind ``said`` does not name,
    when it names one kind only: each could have been given at the onset (docs/facts.md "An administration
    with no date")."""
    if said.anthracyclines and not said.others:
        return given.undated_others
    if said.others and not said.anthracyclines:
        return given.undated_anthracyclines
    return {}


def _undated_at_onset(
    diagnosis: Diagnosis, said: vesicants.Named, undated: dict[str, str], window: str
) -> Fact[bool]:
    """I.B.1 unknown: a dose with no date could have been the drug given at the onset, against what the
    rest of the record names (``_undated_of_the_other_kind``)."""
    named = ", ".join([*said.anthracyclines, *said.others])
    doses = ", ".join(f"{name} ({reference})" for name, reference in sorted(undated.items()))
    evidence = tuple(
        dict.fromkeys(
            (diagnosis.reference, *said.anthracyclines.values(), *said.others.values(), *undated.values())
        )
    )
    return Fact(
        None,
        evidence,
        f"{named} named for the extravasation, but {doses} is charted with no date that can be read: it "
        f"could have been given at the onset {window}, so which drug extravasated is not known",
    )


def _started_after_onset(diagnosis: Diagnosis, at: datetime, given: vesicants.Named) -> Fact[bool]:
    """I.B.1 when every anthracycline dose of the onset's day window started after the onset: none could
    have been running when the extravasation is charted, so the record contradicts itself (the onset's time
    or the doses' is wrong, or a drug not recorded extravasated): unknown, the onset and the doses named."""
    doses = ", ".join(
        f"{reference} started {when}" for reference, when in sorted(given.started_after.items())
    )
    others = ", ".join(given.others)
    beside = f" ({others} given before it)" if others else ""
    return Fact(
        None,
        tuple(dict.fromkeys((diagnosis.reference, *sorted(given.started_after), *given.others.values()))),
        f"extravasation (T80.810) with its onset at {at.isoformat()}, but every anthracycline dose of that "
        f"day or the day before started after it ({doses}){beside}: the record contradicts itself, so which "
        "drug extravasated is not known",
    )


def anthracycline_extravasation(
    pool: ResourcePool,
    order: Resource,
    start: date,
    elsewhere: Iterable[Diagnosis] = (),
    plausible: Plausibility | None = None,
) -> Fact[bool]:
    """I.B.1, with the extravasations recorded only in words beside it (not read is not absent): a current
    Condition in the 7 days before the order (or undated) that names an extravasation under no code the
    service reads as one (WHO ICD-10 T80.8, a SNOMED CT concept not listed, text only); and, from
    ``elsewhere`` (records no reader reads: clinical.records_not_read), one dated in those 7 days (or
    undated) whose codes or words name an extravasation."""
    in_words = []
    for condition in pool.of_type("Condition"):
        if _status_code(condition.get("verificationStatus")) in _NOT_TRUE:
            continue
        diagnosis = _condition_diagnosis(condition)
        if (
            diagnosis.clinical_status in _CURRENT_EVENT
            and not is_extravasation_diagnosis(diagnosis)
            and "anthracycline_extravasation" in diagnosis.bears_on
            and _may_be_recent(diagnosis.onset, start, plausible)
        ):
            in_words.append(diagnosis)
    found = _anthracycline_extravasation(pool, order, start, plausible)
    if found.value and in_words and not any(ref.startswith("Condition/") for ref in found.evidence):
        # Met on the order's bare reason and the drugs given at onset, while the event's own record (which
        # would decide, naming the drug) is not read: unknown, not met.
        said = "; ".join(f"{d.reference}: {d.unread}" for d in in_words)
        return Fact(
            None,
            found.evidence,
            f"{found.reason}; but the extravasation is recorded only in words ({said}): the drug it names is "
            "what I.B.1 reads",
            _references(in_words),
        )
    recent_elsewhere = [
        d
        for d in elsewhere
        if "anthracycline_extravasation" in d.bears_on and _may_be_recent(d.onset, start, plausible)
    ]
    return not_read(
        found, [*in_words, *recent_elsewhere], "anthracycline_extravasation", "an anthracycline extravasation"
    )


def _may_be_recent(onset: date | None, start: date, plausible: Plausibility | None) -> bool:
    """Whether an extravasation in words could be the one the order treats: undated, dated in the 7 days
    before the order, or dated where no date can be (before the birth, after the order: its onset is not
    known, so it could be)."""
    if onset is None or start - EXTRAVASATION_WINDOW <= onset <= start:
        return True
    return plausible is not None and bool(plausible.dated_conflict(onset, start))


def _anthracycline_extravasation(
    pool: ResourcePool, order: Resource, start: date, plausible: Plausibility | None = None
) -> Fact[bool]:
    """I.B.1 "Diagnosis of anthracycline-induced extravasation".

    A T80.810 event (not its sequela) is the order's reason, or a Condition with its onset in the 7 days
    before the order; and the anthracycline extravasated (``_drug_verdict``). A T80.810 Condition with no
    onset date is unknown (the order pends for the date), and so is one whose onset cannot be (before the
    birth date, after the order: ``Plausibility.dated_conflict``), never absent. Only current Conditions
    count (clinicalStatus active, recurrence, relapse or none): a resolved or inactive one is a past
    extravasation, whether dated or not. Any anthracycline-induced record settles it; else any unknown one
    leaves it unknown; else those recorded as another drug's make it ``False`` with their evidence.
    """
    candidates: list[tuple[Diagnosis, date]] = []
    # Not plausible is not a fact: an extravasation dated before the birth date or after the order that
    # rests on it (Plausibility.dated_conflict) has no onset the record can vouch for; the event is not
    # absent for it, its onset is unknown (docs/facts.md "Plausibility", dates that cannot be).
    misdated: dict[str, str] = {}

    def conflict(diagnosis: Diagnosis) -> str:
        if not diagnosis.reference.startswith("Condition/"):
            return ""
        # a Condition whose own dates contradict each other dates nothing either (``_contradicts_itself``)
        condition = pool.resolve(diagnosis.reference)
        if condition is not None and (
            why := _contradicts_itself(condition) or _not_the_patients(condition, plausible)
        ):
            return why
        return "" if plausible is None else plausible.dated_conflict(diagnosis.onset, start)

    for reason in order_reasons(order, pool):
        if not is_extravasation_diagnosis(reason):
            continue
        if reason.clinical_status in _CURRENT_EVENT and (why := conflict(reason)):
            misdated[reason.reference] = why
            continue
        if reason.reference.startswith("Condition/") and (
            reason.clinical_status not in _CURRENT_EVENT
            or (reason.onset is not None and not start - EXTRAVASATION_WINDOW <= reason.onset <= start)
        ):
            continue  # a Condition named as the reason is held to the same current-event rules
        if reason.onset is None and _onset_written(pool.resolve(reason.reference)):
            continue  # its onset is written in a form not read: not dated by the order (undated, below)
        candidates.append((reason, reason.onset or start))
    undated: dict[str, str] = {}
    for condition in pool.of_type("Condition"):
        if _status_code(condition.get("verificationStatus")) in _NOT_TRUE:
            continue
        diagnosis = _condition_diagnosis(condition)
        if diagnosis.clinical_status not in _CURRENT_EVENT or not is_extravasation_diagnosis(diagnosis):
            continue
        if diagnosis.onset is None:
            undated[diagnosis.reference] = _without_onset_date(condition)
        elif why := conflict(diagnosis):
            misdated[diagnosis.reference] = why
        elif start - EXTRAVASATION_WINDOW <= diagnosis.onset <= start:
            candidates.append((diagnosis, diagnosis.onset))
    # A bare reasonCode is the order's word that an extravasation happened, dated by the order: when a
    # Condition records the event, that record (its date, the drug it names) is what I.B.1 reads.
    recorded = [(d, on) for d, on in candidates if d.reference.startswith("Condition/")]
    if recorded or undated or misdated:
        candidates = recorded
    # The latest extravasation first (ties by reference), never the first listed: the fact's evidence and
    # the course's onset must not depend on resource order (docs/facts.md "Record integrity").
    candidates.sort(key=lambda c: (c[1], c[0].reference), reverse=True)
    tentative: list[Diagnosis] = [d for d, _on in candidates if d.tentative]
    verdicts = [_drug_verdict(d, on, pool) for d, on in candidates if not d.tentative]
    for verdict in verdicts:
        if verdict.value:
            return verdict
    reasons = [verdict.reason for verdict in verdicts if verdict.value is None]
    evidence = [ref for verdict in verdicts if verdict.value is None for ref in verdict.evidence]
    reasons += [
        f"{reference}: extravasation (T80.810) {why}: a date that cannot be, so its onset is not known"
        for reference, why in sorted(misdated.items())
    ]
    reasons += [f"{reference}: extravasation (T80.810) {why}" for reference, why in sorted(undated.items())]
    if tentative:
        reasons.append(_tentative(tentative, "extravasation (T80.810)").reason)
    if reasons:
        evidence += [*sorted(misdated), *sorted(undated), *(d.reference for d in tentative)]
        return Fact(None, tuple(dict.fromkeys(evidence)), "; ".join(dict.fromkeys(reasons)))
    if verdicts:
        return Fact(
            False,
            tuple(dict.fromkeys(ref for verdict in verdicts for ref in verdict.evidence)),
            "; ".join(dict.fromkeys(verdict.reason for verdict in verdicts)),
        )
    return Fact(False, (), "no anthracycline extravasation in the 7 days before the order")


_ONSET_FORMS = ("onsetString", "onsetAge", "onsetRange", "onsetPeriod", "onsetDateTime")


def _onset_written(condition: Resource | None) -> bool:
    """Whether a Condition gives its onset in some form (a text, an age, a range, a date not read): a
    Condition the order cites with no onset at all is dated by the order, one whose onset is written but
    not read is not (its words may give another day)."""
    return condition is not None and any(condition.get(key) is not None for key in _ONSET_FORMS)


def _without_onset_date(condition: Resource) -> str:
    """How an extravasation Condition with no onset date gives its onset, if at all: a text is not read
    for a date (a date in words, "12/06/2026 10:40 AM", is read one way in one country and another way in
    the next), nor an age or a range; said, so the reader sees what is there to settle it."""
    written = condition.get("onsetString")
    if isinstance(written, str) and written.strip():
        return f"with its onset given only as text ({written.strip()[:40]!r}), not read as a date"
    for key in _ONSET_FORMS[1:]:
        if condition.get(key) is not None:
            return f"with an onset ({key}) that gives no date the service reads"
    return "recorded without an onset date"


def extravasation_onsets(pool: ResourcePool) -> list[date]:
    """Onset dates of every chemotherapy extravasation Condition (T80.810 event, not its sequela; not
    entered-in-error or refuted), whatever the drug: a dexrazoxane dose around one was not given for
    cardioprotection."""
    onsets: list[date] = []
    for condition in pool.of_type("Condition"):
        if _status_code(condition.get("verificationStatus")) in _NOT_TRUE:
            continue
        diagnosis = _condition_diagnosis(condition)
        if diagnosis.onset is not None and is_extravasation_diagnosis(diagnosis):
            onsets.append(diagnosis.onset)
    return onsets


def is_extravasation_reason(concepts: Any) -> bool:
    """Whether CodeableConcept(s) carry an ICD-10-CM T80.810 event code (not the sequela)."""
    return any(
        system == codes.ICD10CM and _extravasation_event(code.upper().replace(".", ""))
        for system, code in codings(concepts)
    )


def extravasation_onset(pool: ResourcePool, evidence: tuple[str, ...]) -> date | None:
    """The onset of the extravasation a Fact rests on, when a Condition gives it (and its own dates do not
    contradict each other: ``_contradicts_itself``)."""
    for reference in evidence:
        condition = pool.resolve(reference)
        if condition is not None and condition.get("resourceType") == "Condition":
            return None if _contradicts_itself(condition) else _onset(condition)
    return None
