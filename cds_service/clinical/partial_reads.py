"""Facts fed by a partial read are unknown ("A partial read is not a record", docs/prefetch.md "Partial
reads").

A search whose paging could not be completed, or a prefetch Bundle short of its ``total``, holds some of
the patient's resources of that kind, not all: a Coverage not read can be the primary payer, a BSA not
read can be the one nearest a dose, a QuestionnaireResponse not read can be the latest answer. So
everything such a read feeds is made unknown, with a reason naming the query, and the decision pends:
never a deny or an approve on what was read. The fhir layer notes the read in ``ResourcePool.incomplete``
under its prefetch key (when it is one we advertise or read) and its resource types; this module maps
each to the facts it feeds, and describes each read for the people who must act on it
(``ClinicalFacts.unread``): what it left unknown and what would let it be read whole, so a card and the
coverage-information reason can say why a pend happened, not only what to document.

The required keys (Patient, Condition, MedicationAdministration, MedicationRequest) are not here: a
partial read of them is a 412 before any fact is read (``fhir.required_keys``). Medications read by id
only resolve references; one not found already leaves its drug unknown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from cds_service.clinical.facts import ClinicalFacts, DoseTotal, ExtravasationDay, Fact, UnreadData
from cds_service.fhir.prefetch_templates import PREFETCH_TEMPLATES
from cds_service.fhir.supplementary_queries import SUPPLEMENTARY_QUERIES

# Every fact sized in mg/m² or mg through a BSA, height or weight (clinical.bsa reads every Observation).
_BODY_MEASURE_FACTS = (
    "bsa_m2",
    "cumulative_doxorubicin",
    "cumulative_anthracycline",
    "planned_doxorubicin",
    "planned_anthracycline",
    "doxorubicin_dose_mg_m2",
    "dexrazoxane_dose_mg_m2",
    "dexrazoxane_dose_mg",
    "dose_ratio",
    "extravasation_course",
)
_PRESCRIBER_FACTS = ("prescriber_onc_or_hem", "prescriber_oncologist")
_CONSULT_FACTS = ("consult_onc_or_hem", "consult_oncologist")
_PROTOCOL_FACTS = ("dfci_all_protocol", "cog_aall1331")
_TOTALS = (
    "cumulative_doxorubicin",
    "cumulative_anthracycline",
    "planned_doxorubicin",
    "planned_anthracycline",
)
_PLANNED_FACTS = ("planned_doxorubicin", "planned_anthracycline", "last_planned_doxorubicin_date")
# Reads that can hold anthracycline given elsewhere (clinical.outside_doses: statements, dispenses,
# chemotherapy procedures): a partial read of one adds an unknown part to every total, its known part
# kept (those doses were read where doses are read; what the read missed could only add to them).
ADD_AN_UNKNOWN_PART: dict[str, tuple[str, ...]] = {
    key: _TOTALS
    for key in (
        "medicationStatements",
        "MedicationStatement",
        "MedicationDispense",
        "procedures",
        "Procedure",
    )
}

# What each read feeds: prefetch keys (fhir.prefetch_templates, fhir.supplementary_queries) and, for a
# read under a key we do not know, its resource types.
FEEDS: dict[str, tuple[str, ...]] = {
    "coverage": ("line_of_business", "coverage"),
    "Coverage": ("line_of_business", "coverage"),
    "practitioner": _PRESCRIBER_FACTS,
    "practitionerRoles": _PRESCRIBER_FACTS,
    "Practitioner": _PRESCRIBER_FACTS,
    "PractitionerRole": _PRESCRIBER_FACTS,
    "observations": _BODY_MEASURE_FACTS,
    "bcrAbl1Observations": ("ph_positive",),
    "diseaseStatusObservations": ("responding_to_therapy",),
    "Observation": (*_BODY_MEASURE_FACTS, "ph_positive", "responding_to_therapy"),
    "procedures": ("heart_radiation",),
    "Procedure": ("heart_radiation",),
    # referrals (I.A.2, I.B.2) and planned radiation
    "serviceRequests": (*_CONSULT_FACTS, "heart_radiation"),
    "ServiceRequest": (*_CONSULT_FACTS, "heart_radiation"),
    "ReferralRequest": _CONSULT_FACTS,
    "researchSubjects": _PROTOCOL_FACTS,
    "ResearchSubject": _PROTOCOL_FACTS,
    "ResearchStudy": _PROTOCOL_FACTS,
    # a CarePlan names a protocol, and (docs/facts.md "Record integrity") its activities plan doxorubicin
    "carePlans": (*_PROTOCOL_FACTS, *_PLANNED_FACTS),
    "CarePlan": (*_PROTOCOL_FACTS, *_PLANNED_FACTS),
    # a TKI not read also makes a negative BCR-ABL1 result unreadable (a response, not Ph-negative)
    "medicationStatements": ("dasatinib_or_imatinib", "ph_positive"),
    "MedicationStatement": ("dasatinib_or_imatinib", "ph_positive"),
    # the latest answer wins, so an answer not read can overturn one read
    "questionnaireResponses": ("documented",),
    "QuestionnaireResponse": ("documented",),
}


# Each fact FEEDS names, as a reader of a card says it (what a read not made whole left unknown).
FACT_WORDS: dict[str, str] = {
    "line_of_business": "the line of business",
    "coverage": "the Coverage used",
    "prescriber_onc_or_hem": "the prescriber's specialty",
    "prescriber_oncologist": "the prescriber's specialty",
    "consult_onc_or_hem": "an oncology or hematology consultation",
    "consult_oncologist": "an oncology or hematology consultation",
    "bsa_m2": "the BSA",
    "cumulative_doxorubicin": "the cumulative doxorubicin dose",
    "cumulative_anthracycline": "the cumulative anthracycline dose",
    "planned_doxorubicin": "the planned doxorubicin dose",
    "planned_anthracycline": "the planned anthracycline dose",
    "doxorubicin_dose_mg_m2": "the per-dose amounts and their ratio",
    "dexrazoxane_dose_mg_m2": "the per-dose amounts and their ratio",
    "dexrazoxane_dose_mg": "the per-dose amounts and their ratio",
    "dose_ratio": "the per-dose amounts and their ratio",
    "extravasation_course": "the extravasation course's daily doses",
    "last_planned_doxorubicin_date": "the last planned doxorubicin dose (the end of the approval)",
    "ph_positive": "the Ph status",
    "responding_to_therapy": "the response to therapy",
    "heart_radiation": "radiation with potential impact to the heart",
    "dfci_all_protocol": "protocol enrollment",
    "cog_aall1331": "protocol enrollment",
    "dasatinib_or_imatinib": "current dasatinib or imatinib",
    "documented": "the clinician's documented answers",
}
# What a partial read of outside records leaves open (ADD_AN_UNKNOWN_PART): every total keeps what was read.
OUTSIDE_DOSES_WORDS = "doses given elsewhere (one more unknown part of every dose total)"
# The queries a prefetch key stands for (the advertised templates and the searches read beside them).
_QUERIES = {**PREFETCH_TEMPLATES, **SUPPLEMENTARY_QUERIES}


def to_read_it(read: str) -> str:
    """What would let the service read ``read`` (a prefetch key, else a resource type) whole."""
    query = _QUERIES.get(read)
    if query is not None:
        return (
            f"send it whole in the prefetch under {read} ({query}), or a fhirServer that answers that "
            "search in full"
        )
    return (
        f"send every {read} of the patient in the prefetch, or a fhirServer that answers their search in full"
    )


def _unknown(value: Any, reason: str) -> Any:
    if isinstance(value, Fact):
        return Fact(None, value.evidence, reason)
    if isinstance(value, DoseTotal):
        # The known part may rest on a BSA or a plan not read: none of it is counted as known.
        return DoseTotal(
            0.0,
            max(1, value.unknown_parts),
            (),
            value.evidence + value.unknown_evidence,
            reason,
        )
    if isinstance(value, tuple):  # the extravasation course: the days stay, their mg are unknown
        return tuple(ExtravasationDay(d.day, None, d.evidence) for d in value)
    if isinstance(value, dict):  # documented answers: none is taken
        return {}
    raise TypeError(f"no unknown form for {type(value).__name__}")


def unknown_where_partial(facts: ClinicalFacts, incomplete: Mapping[str, str]) -> ClinicalFacts:
    """``facts`` with every fact a partial read feeds made unknown, its reason naming the read."""
    changes: dict[str, Any] = {}
    unread: list[UnreadData] = []
    for read, reason in incomplete.items():
        for name in FEEDS.get(read, ()):
            if name not in changes:  # the first read not made whole names it
                changes[name] = _unknown(getattr(facts, name), reason)
    for read, reason in incomplete.items():
        for name in ADD_AN_UNKNOWN_PART.get(read, ()):
            total = changes.get(name, getattr(facts, name))
            if isinstance(total, DoseTotal) and name not in changes:
                changes[name] = dataclasses.replace(
                    total,
                    unknown_parts=total.unknown_parts + 1,
                    unknown_reasons=(*total.unknown_reasons, f"{reason}: doses given elsewhere may be in it"),
                )
        # Every such read is named, even when an earlier one already left its facts unknown.
        words = [FACT_WORDS.get(name, name.replace("_", " ")) for name in FEEDS.get(read, ())]
        if read in ADD_AN_UNKNOWN_PART:
            words.append(OUTSIDE_DOSES_WORDS)
        if words:
            unread.append(UnreadData(read, reason, tuple(dict.fromkeys(words)), to_read_it(read)))
    if not changes:
        return facts
    if "line_of_business" in changes:
        # Not a criterion but whether the policy applies at all (Medicare is outside it): only a pend.
        changes["undecidable"] = changes["line_of_business"].reason
    return dataclasses.replace(facts, **changes, unread=facts.unread + tuple(unread))
