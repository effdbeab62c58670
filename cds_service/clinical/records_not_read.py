"""Records no reader reads (not read is not absent, docs/facts.md "Records no reader reads").

Each fact is read from the resource types its reader knows (``READERS``). A record of any other type (an
Encounter, a DiagnosticReport, a CareTeam, a DocumentReference, an Observation under a code no reader
reads...) can still name what a fact is about: a pathology report's conclusion "Wilms tumor", an
encounter's reason C81.12, a flowsheet row "cumulative doxorubicin 300 mg/m2", an oncologist on the care
team. Such a record is neither read nor nothing. The sweep reads its codes and words with the readers' own
recognisers (the diagnoses' code and text readings, the drug names, the specialty codes) and reports it
beside each fact it could bear on: a fact the readers found ``False`` is then unknown, its reason naming the
record (``Fact.unread``, ``policy.not_read``); a fact they found ``True`` stays so.

- A qualifying cancer (a code the indication would meet or leave open on its own, or words naming its
  histology), Ph status or an extravasation (dated in the 7 days before the order): an unread diagnosis
  beside that fact (``Sweep.diagnoses``). A service, a specialty or a procedure names none: in the
  elements saying what was asked or done (``_SERVICE_ELEMENTS``), a code not read names a cancer only by
  its own words (docs/facts.md "A service names no diagnosis").
- An anthracycline, by code or by name (or the word "anthracycline"): an unknown part of the cumulative
  totals, dated by the record; one dated after the order is not (``Sweep.doses``).
- Oncology or hematology, by a specialty code or in words, in a record of the 12 months before the order
  (or one whose period covers it): named beside the consultation, which is unknown already when no
  referral is read (``Sweep.consultation``).
- Doxorubicin (or the word "anthracycline") in a request still in force that no reader reads as a
  medication order (a ServiceRequest for an infusion plan, a RequestGroup, a Task): an order not read, so
  "no doxorubicin order" is unknown beside it (``Sweep.orders``; docs/facts.md "An order not read as one").

A record of a type a reader reads is read by it for its own fact only: it is swept for the others
(``PARTLY_READ``, docs/facts.md "Records read for other facts"): a Procedure for diagnoses (the biopsy
whose reason and outcome are the Hodgkin lymphoma), a ServiceRequest for diagnoses and as an order, a
Condition's ``evidence`` for diagnoses. An attachment's data is read as words when it is text (a
DocumentReference's treatment summary: docs/facts.md "A document's own words").

A reference to a Condition or a MedicationAdministration the record sent does not hold (from a swept record,
or the ``reasonReference`` / ``addresses`` of a record that is read) is a sign the read of that type is
incomplete (both are read for the patient whole): the Condition could be what its display names (any cancer
indication with no display), the administration a dose of what its display names (any anthracycline with
none).

Records about other people, or that define rather than record (a FamilyMemberHistory, a PlanDefinition, an
Organization...) are not swept (``NOT_THE_PATIENTS_RECORD``). The work is bounded (``clinical.limits``): at
most ``RECORDS_SWEPT`` records, in the order of their references, each walked for ``ELEMENTS_SWEPT`` values
and ``WORDS_SWEPT`` characters; a record a cap stops could bear on every fact the sweep reads, and is said so.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from cds_service.clinical import codes, diagnoses, disease_status, ph_status, stated_ages
from cds_service.clinical.codes import ANTHRACYCLINES, Agent
from cds_service.clinical.dates import add_months
from cds_service.clinical.diagnoses import Diagnosis
from cds_service.clinical.doses import Dose
from cds_service.clinical.drugs import agent_of_concept, named_in_words
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import codings, concept_text, dicts, parse_date, status_of
from cds_service.clinical.limits import ATTACHMENT_WORDS, ELEMENTS_SWEPT, RECORDS_SWEPT, WORDS_SWEPT
from cds_service.fhir.pool import Resource, ResourcePool, reference_of, relative_part

# Every resource type a reader reads, and the reader (the registry the sweep is the complement of). An
# Observation is read only under the codes of its readers (``_observation_read``); every other one is swept.
READERS: dict[str, str] = {
    "Patient": "age and vital status (clinical.plausibility)",
    "Coverage": "line of business (clinical.coverage)",
    "Practitioner": "prescriber specialty (clinical.prescriber)",
    "PractitionerRole": "prescriber specialty (clinical.prescriber)",
    "Medication": "drugs (clinical.drugs)",
    "MedicationAdministration": "doses given (clinical.administrations)",
    "MedicationRequest": "orders in play (clinical.regimen, clinical.order_graph), their reasons",
    "MedicationOrder": "orders in play (DSTU2)",
    "MedicationStatement": "doses given elsewhere, TKIs (clinical.outside_doses, clinical.therapy)",
    "MedicationDispense": "doses given elsewhere (clinical.outside_doses)",
    "Condition": "diagnoses, extravasations (clinical.diagnoses)",
    "Procedure": "radiation, chemotherapy given elsewhere (clinical.radiation, clinical.outside_doses)",
    "ServiceRequest": "referrals, planned radiation (clinical.prescriber, clinical.radiation)",
    "ReferralRequest": "referrals (STU3)",
    "ResearchSubject": "protocol enrollment (clinical.protocols)",
    "ResearchStudy": "protocol enrollment (clinical.protocols)",
    "CarePlan": "planned regimens, protocol enrollment (clinical.care_plans, clinical.protocols)",
    "QuestionnaireResponse": "documented answers (clinical.documentation)",
    "Claim": "doses and diagnoses billed (clinical.outside_doses, clinical.diagnoses)",
    "ExplanationOfBenefit": "doses and diagnoses billed (clinical.outside_doses, clinical.diagnoses)",
    "Observation": "body measures, Ph status, response to therapy, ages recorded, each under its codes",
}
# What the sweep reads a record for, each beside its facts: the diagnosis facts (a qualifying cancer, Ph
# status, an extravasation), the dose totals, the consultation, and the orders in play (concurrent
# doxorubicin). A record no reader reads is swept for all of them.
DIAGNOSES, DOSES, CONSULTATION, ORDERS = "diagnoses", "doses", "consultation", "orders"
_EVERY_BEARING = frozenset({DIAGNOSES, DOSES, CONSULTATION, ORDERS})
# A record of a type a reader reads, but not for every fact it can name: swept for the facts its readers do
# not read it for, over the elements they do not read (``None``: all of them). A Procedure is read for the
# radiation and the chemotherapy it records, never for what it was done for or found (its reasonCode,
# reasonReference, outcome: the biopsy that made the diagnosis); a ServiceRequest for a referral or planned
# radiation, never as an order of a drug (an infusion plan's orderDetail "doxorubicin") nor for its reasons;
# a Condition for its code, never for the evidence it cites (a placeholder C80.1 whose evidence is the
# tumour board's "neuroblastoma"). A CarePlan is read for the regimen it plans, never for the cancer it
# treats. A medication order is read for its reasons only when it is signed in the hook; a statement of a
# medication never: their reasons (the active doxorubicin order "for Hodgkin lymphoma") are swept. Only a
# record holding what is swept is (``_partly_swept``): a current Condition with evidence, an order or a
# statement with a reason, one not signed here.
_REASONS = ("reasonCode", "reasonCodeableConcept", "reasonReference")
PARTLY_READ: dict[str, tuple[frozenset[str], tuple[str, ...] | None]] = {
    "Procedure": (frozenset({DIAGNOSES}), None),
    "ServiceRequest": (frozenset({DIAGNOSES, ORDERS}), None),
    "ReferralRequest": (frozenset({DIAGNOSES}), None),
    "Condition": (frozenset({DIAGNOSES}), ("evidence",)),
    "CarePlan": (frozenset({DIAGNOSES}), None),
    "MedicationRequest": (frozenset({DIAGNOSES}), _REASONS),
    "MedicationOrder": (frozenset({DIAGNOSES}), _REASONS),
    "MedicationStatement": (frozenset({DIAGNOSES}), _REASONS),
}
# Records about someone else, or that define, describe or carry rather than record the patient's care.
NOT_THE_PATIENTS_RECORD = frozenset(
    {
        "FamilyMemberHistory",
        "RelatedPerson",
        "Person",
        "Group",
        "Organization",
        "Location",
        "HealthcareService",
        "Endpoint",
        "Device",
        "DeviceDefinition",
        "Substance",
        "MedicationKnowledge",
        "PlanDefinition",
        "ActivityDefinition",
        "Questionnaire",
        "ValueSet",
        "CodeSystem",
        "ConceptMap",
        "NamingSystem",
        "StructureDefinition",
        "CapabilityStatement",
        "OperationDefinition",
        "SearchParameter",
        "ImplementationGuide",
        "Library",
        "Measure",
        "Provenance",
        "AuditEvent",
        "Subscription",
        "Schedule",
        "Slot",
        "OperationOutcome",
        "Parameters",
        "Binary",
        "Bundle",
    }
)
_DIAGNOSIS_SYSTEMS = frozenset({codes.ICD10CM, codes.ICD10, codes.SNOMED})
_BODY_MEASURES = codes.HEIGHT_LOINC | codes.WEIGHT_LOINC | codes.BSA_LOINC
# Elements never walked: who the record is about (the patient's own name is not a fact), its ids and
# metadata, an attachment's data but as text (``_attached_words``), and the narrative (generated from the
# elements walked).
_NOT_WALKED = frozenset(
    {"meta", "identifier", "subject", "patient", "beneficiary", "individual", "data", "url"}
)
# An attachment's own data is read as words when it is text (a DocumentReference's treatment summary, a
# report's presentedForm as text/plain, a C-CDA document as XML), within ``ATTACHMENT_WORDS``: a scan, a
# PDF or a document by URL is not read as words.
_TEXT_CONTENT = re.compile(r"\s*(?:text/|application/(?:[\w.-]+\+)?(?:xml|json)\b|application/xhtml)", re.I)
# String elements read as words.
_WORDS = frozenset(
    {
        "text",
        "display",
        "conclusion",
        "valueString",
        "valueMarkdown",
        "description",
        "comment",
        "title",
        "summary",
    }
)
# Elements that name a service, a specialty, a procedure or the kind of record, never a diagnosis: the
# requested service of a request, the procedure done, a care plan's activity ("referral to medical oncology
# service", SNOMED CT 306241006), a category, a type, a performer's specialty. A code in them that the
# diagnoses do not read names a diagnosis only by its own words (as a CPT or LOINC code is read): with none,
# it names none; a code of a cancer the diagnoses read still names it (docs/facts.md "A service names no
# diagnosis").
_SERVICE_ELEMENTS = frozenset(
    {"category", "type", "class", "performerType", "specialty", "serviceType", "serviceCategory", "priority"}
)
# Requests (FHIR R4's request pattern, and its STU3 and R5 names) no reader reads as a medication order.
_REQUESTS = frozenset(
    {
        "ServiceRequest",
        "ProcedureRequest",
        "ReferralRequest",
        "DiagnosticOrder",
        "RequestGroup",
        "RequestOrchestration",
        "Task",
        "CommunicationRequest",
        "DeviceRequest",
    }
)
# ... and the records whose own code names the service asked for or done, a procedure, an appointment
_SERVICE_CODED = _REQUESTS | {"Procedure", "CarePlan", "Appointment"}
# The elements of a record that is read where it may name a Condition or an administration.
_REFERRING = ("reasonReference", "addresses")
_MISSING_TYPES = ("Condition", "MedicationAdministration")
# The statuses that say a request is no longer in force (R4 request-status, Task.status).
_NOT_IN_FORCE = frozenset(
    {"completed", "revoked", "cancelled", "entered-in-error", "stopped", "ended", "failed", "rejected"}
)
# A record that is not (or no longer) the care it describes is named beside no consultation.
_NOT_CURRENT = frozenset({"cancelled", "inactive", "revoked", "not-done", "noshow", "stopped"})
# A record whose period still runs (a care team, an episode of care) is about now whenever it began.
_ONGOING = frozenset({"active", "in-progress", "on-hold", "arrived", "triaged", "onleave"})
# Words denying an extravasation ("no extravasation", "without signs of extravasation", "negative for
# extravasation"), within a few words of it; and words saying a result is negative or positive.
_EXTRAVASATION_WORD = re.compile(r"extravasat")
_DENIAL_BEFORE = re.compile(r"\b(?:no|not|without|denies|negative for|free of|absence of)\b[^.;:,]*$")
_DENIAL_REACH = 40  # characters before the word a denial is looked for in
_NEGATIVE_WORDS = ("not detected", "undetected", "negative", "absent", "not found")
_POSITIVE_WORDS = ("detected", "positive", "present", "ph+")
# The concepts read once per request and age (``_diagnoses_named``): entries, and bytes of each key.
_SEEN_MAX = 4096
_SEEN_MAX_BYTES = 2048
_ONCOLOGY_WORDS = codes.ONCOLOGY_WORDS
_ANTHRACYCLINE_WORD = "anthracycline"
_CONSULTATION_MONTHS = 12  # as a referral counts (docs/facts.md "Prescriber specialty and consultation")
_NAMED_AT_MOST = 3  # records named in one reason; the rest are counted
_EVERY_FACT = codes.CANCER_INDICATIONS | {"ph_positive", "anthracycline_extravasation"}
# When a record says what day it is about, first to last.
_DATED = (
    "effectiveDateTime",
    "effectivePeriod",
    "occurrenceDateTime",
    "occurrencePeriod",
    "performedDateTime",
    "performedPeriod",
    "period",
    "onsetDateTime",
    "issued",
    "start",
    "authoredOn",
    "recordedDate",
    "created",
    "sent",
    "date",
)


@dataclass(frozen=True)
class _Record:
    """One record swept: what its codes, words and references say, as the recognisers read them."""

    reference: str
    kind: str
    status: str
    when: date | None
    until: date | None  # the end of its period (``date.max`` while open); ``None`` for a point in time
    concepts: tuple[dict[str, Any], ...] = ()
    words: tuple[str, ...] = ()  # lower case
    missing: tuple[tuple[str, str], ...] = ()  # (Type/id, display) of references to what was not sent
    cut_short: str = ""  # why the record was not read in full ("" when it was)
    swept_for: frozenset[str] = _EVERY_BEARING  # what it is read for here (``PARTLY_READ``)
    elements: tuple[str, ...] = ()  # the elements walked, when not the whole record
    services: frozenset[int] = (
        frozenset()
    )  # the concepts (by index) that name a service (``_SERVICE_ELEMENTS``)


def _a(kind: str) -> str:
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"


def _dates(resource: Resource) -> tuple[date | None, date | None]:
    """``(when, until)``: the day a record is about (a period's start), and a period's end (``date.max``
    while it is open; ``None`` for a point in time)."""
    for key in _DATED:
        value = resource.get(key)
        if isinstance(value, dict):
            start, end = parse_date(value.get("start")), parse_date(value.get("end"))
            if start is not None or end is not None:
                return start or end, end or date.max
        elif (found := parse_date(value)) is not None:
            return found, None
    return None, None


def _missing(reference: dict[str, Any], resource: Resource, pool: ResourcePool) -> tuple[str, str] | None:
    written = reference.get("reference")
    if not isinstance(written, str) or written.startswith("#"):
        return None
    relative = relative_part(written)
    if relative is None or relative.split("/")[0] not in _MISSING_TYPES:
        return None
    if pool.resolve(reference, within=resource) is not None:
        return None
    if diagnoses.another_patients_record(pool, reference):
        return None  # received, set aside as another patient's and read as such
    display = reference.get("display")
    return relative, display.strip().lower()[:200] if isinstance(display, str) else ""


def _attached_words(attachment: dict[str, Any], room: int) -> str:
    """The words of an attachment whose data is text (``contentType`` text/..., XML, JSON), at most ``room``
    characters of them and one more when there are more (decoded only so far); "" for any other (a PDF, a
    scan) or data that is not base64."""
    data, kind = attachment.get("data"), attachment.get("contentType")
    if not isinstance(data, str) or not isinstance(kind, str) or not _TEXT_CONTENT.match(kind) or room <= 0:
        return ""
    # the base64 of ``room`` + 1 characters: 4 characters for 3 bytes, a UTF-8 character 4 bytes at most
    # (line breaks, which base64 allows, dropped first)
    most = 4 * (4 * (room + 1) // 3 + 1)
    cut = "".join(data[: 2 * most].split())[:most]
    cut = cut[: len(cut) - len(cut) % 4]
    try:
        raw = base64.b64decode(cut, validate=False)
    except (binascii.Error, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")[: room + 1]


def _walk(
    resource: Resource,
    pool: ResourcePool,
    elements_walked: tuple[str, ...] | None = None,
    swept_for: frozenset[str] = _EVERY_BEARING,
) -> _Record:
    """Every code, word and unresolved reference of a record (or of ``elements_walked`` of it), within the
    caps."""
    concepts: list[dict[str, Any]] = []
    services: set[int] = set()
    words: list[str] = []
    missing: list[tuple[str, str]] = []
    coded_service = resource.get("resourceType") in _SERVICE_CODED
    elements, characters, attached_characters, cut_short = ELEMENTS_SWEPT.value, 0, 0, ""
    walked: Any = resource
    if elements_walked is not None:
        elements_walked = tuple(key for key in elements_walked if key in resource)
        walked = [resource[key] for key in elements_walked]
    stack: list[tuple[Any, bool]] = [(walked, False)]  # (node, whether it names a service)
    while stack:
        node, service = stack.pop()
        elements -= 1
        if elements < 0:
            cut_short = f"more than {ELEMENTS_SWEPT.value} elements: the rest is not read"
            break
        if isinstance(node, list):
            stack.extend((item, service) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        # What the node's own words belong to: a concept's text and displays are read with its codes; a
        # reference's display names what it points to, read as itself when it resolves.
        said_elsewhere: tuple[str, ...] = ()
        if isinstance(node.get("coding"), list) or (
            isinstance(node.get("system"), str) and isinstance(node.get("code"), str)
        ):
            concept = node if "coding" in node else {"coding": [node]}
            if service:
                services.add(len(concepts))
            concepts.append(concept)
            characters += len(concept_text(concept))
            said_elsewhere = ("text", "display")
        elif isinstance(node.get("reference"), str):
            if (found := _missing(node, resource, pool)) is not None:
                missing.append(found)
                said_elsewhere = ("display",)
            elif pool.resolve(node, within=resource) is not None:
                said_elsewhere = ("display",)
        room = ATTACHMENT_WORDS.value - attached_characters
        if (attached := _attached_words(node, room)).strip():
            words.append(attached[:room].lower())
            attached_characters += len(attached)
            if attached_characters > ATTACHMENT_WORDS.value:
                cut_short = (
                    f"attachments of more than {ATTACHMENT_WORDS.value} characters: the rest is not read"
                )
                break
        for key, value in node.items():
            if key in _NOT_WALKED or key == "coding" or key in said_elsewhere:
                continue
            if isinstance(value, str):
                if key in _WORDS:
                    words.append(value[: max(0, WORDS_SWEPT.value - characters)].lower())
                    characters += len(value)
            elif isinstance(value, dict | list) and not (key == "text" and isinstance(value, dict)):
                names_service = key in _SERVICE_ELEMENTS or (coded_service and key == "code")
                stack.append((value, service or names_service))
        if characters > WORDS_SWEPT.value:
            cut_short = f"more than {WORDS_SWEPT.value} characters of words: the rest is not read"
            break
    when, until = _dates(resource)
    return _Record(
        reference_of(resource),
        str(resource.get("resourceType")),
        status_of(resource),
        when,
        until,
        tuple(concepts),
        tuple(word for word in words if word.strip()),
        tuple(dict.fromkeys(missing)),
        cut_short,
        swept_for,
        elements_walked or (),
        frozenset(services),
    )


def _observation_read(observation: Resource) -> bool:
    return (
        any(s == codes.LOINC and c in _BODY_MEASURES for s, c in codings(observation.get("code")))
        or ph_status.is_read(observation)
        or disease_status.is_read(observation)
        or stated_ages.is_read(observation)
    )


def _references_not_sent(resource: Resource, pool: ResourcePool) -> _Record | None:
    """A record that is read, as far as the references it makes to Conditions or administrations the
    record sent does not hold (its reasons, what it addresses)."""
    missing = tuple(
        found
        for key in _REFERRING
        for target in dicts(resource.get(key))
        if (found := _missing(target, resource, pool)) is not None
    )
    if not missing:
        return None
    when, until = _dates(resource)
    return _Record(
        reference_of(resource), str(resource.get("resourceType")), "", when, until, missing=missing
    )


class Sweep:
    """The records no reader reads, read once per request, and what each could bear on."""

    def __init__(self, records: list[_Record], beyond: list[str]) -> None:
        self.records = records
        # records beyond ``RECORDS_SWEPT``: not swept, named (the first) and counted
        self.beyond = beyond
        self._diagnoses: dict[int | None, list[Diagnosis]] = {}

    def _for(self, bearing: str) -> list[_Record]:
        return [record for record in self.records if bearing in record.swept_for]

    def _cut(self, bearing: str) -> list[tuple[str, str, str]]:
        """``(reference, kind, why)`` of each record a cap stopped: it could bear on every fact it is swept
        for."""
        cut = [(r.reference, r.kind, r.cut_short) for r in self._for(bearing) if r.cut_short]
        if self.beyond:
            why = f"{len(self.beyond)} record(s) beyond the {RECORDS_SWEPT.value} swept, not read"
            cut.append((self.beyond[0], self.beyond[0].split("/")[0], why))
        return cut

    def diagnoses(self, age: int | None) -> list[Diagnosis]:
        """Beside the diagnosis facts (and Ph status, and an extravasation): one unread diagnosis per
        record that names a qualifying cancer, and one per Condition named but not sent."""
        if age not in self._diagnoses:
            seen: dict[bytes, frozenset[str]] = {}
            # (a Condition a record names but the record did not send is unread, whatever it is swept for)
            found = [
                d
                for record in self.records
                for d in _diagnoses_named(record, age, seen, named=DIAGNOSES in record.swept_for)
            ]
            found += [
                _unread(ref, None, f"{_a(kind)}, {why}", _EVERY_FACT)
                for ref, kind, why in self._cut(DIAGNOSES)
            ]
            self._diagnoses[age] = found
        return self._diagnoses[age]

    def doses(self, cutoff: date) -> list[Dose]:
        """An unknown part of the cumulative totals per anthracycline a record names (dated on or before
        ``cutoff``, or undated), and per administration named but not sent."""
        found: list[Dose] = []
        for record in self.records:
            if record.when is not None and record.when > cutoff:
                continue
            # (an administration a record names but the record did not send is unread, whatever it is
            # swept for)
            found += _doses_named(record, named=DOSES in record.swept_for)
        for ref, kind, why in self._cut(DOSES):
            note = f"{_a(kind)}, {why}: it could record doses given, an unknown part of the total"
            found.append(Dose(ref, Agent.DOXORUBICIN, None, None, note=note))
        return found

    def consultation(self, fact: Fact[bool], on: date, *, oncologist: bool) -> Fact[bool]:
        """``fact`` (a consultation, unknown or met) with each record of the 12 months before ``on`` that
        names oncology (or hematology, unless ``oncologist``) named beside it."""
        if fact.value:
            return fact
        named = [
            (record.reference, said)
            for record in self._for(CONSULTATION)
            if record.status not in _NOT_CURRENT
            and _about_now(record, on)
            and (said := _names_specialty(record, oncologist))
        ]
        named += [(ref, f"{_a(kind)}, {why}") for ref, kind, why in self._cut(CONSULTATION)]
        if not named:
            return fact
        shown = "; ".join(f"{ref}: {said}" for ref, said in named[:_NAMED_AT_MOST])
        more = f"; and {len(named) - _NAMED_AT_MOST} more" if len(named) > _NAMED_AT_MOST else ""
        what = "an oncology consultation" if oncologist else "an oncology or hematology consultation"
        return Fact(
            fact.value,
            fact.evidence,
            f"{fact.reason}; {shown}{more}: a record not read for consultations, it could be {what}",
            tuple(dict.fromkeys((*fact.unread, *(ref for ref, _said in named)))),
        )

    def orders(self) -> list[tuple[str, str]]:
        """``(reference, why)`` of each request still in force that names doxorubicin (by code or by name)
        and that no reader reads as a medication order (a ServiceRequest for an infusion plan, a
        RequestGroup, a Task): an order of it the service does not read, so whether doxorubicin goes on is
        unknown beside it, never "no order" (docs/facts.md "An order not read as one")."""
        found = [
            (record.reference, f"({record.status or 'no status'}) {said}")
            for record in self._for(ORDERS)
            if record.kind in _REQUESTS
            and record.status not in _NOT_IN_FORCE
            and (said := _names_doxorubicin(record))
        ]
        found += [
            (ref, f"({_a(kind)}, {why}) could order doxorubicin")
            for ref, kind, why in self._cut(ORDERS)
            if kind in _REQUESTS
        ]
        return found


def _names_doxorubicin(record: _Record) -> str:
    """What in a record names doxorubicin (or the word "anthracycline", which it could be), or ""."""
    for concept in record.concepts:
        text = concept_text(concept)
        if agent_of_concept(concept) is Agent.DOXORUBICIN or Agent.DOXORUBICIN in named_in_words(text):
            return f"names {_snippet(concept, 40)}"
    for words in record.words:
        if Agent.DOXORUBICIN in named_in_words(words):
            return f"names {_around(words, Agent.DOXORUBICIN.value, 40)!r}"
        if _ANTHRACYCLINE_WORD in words:
            return f"names {_around(words, _ANTHRACYCLINE_WORD, 40)!r}"
    return ""


def _around(words: str, name: str, width: int = 80) -> str:
    """The ``width`` characters of ``words`` that show ``name`` (their first when they show it, or do not
    hold it as written: a brand name), for a reason to quote."""
    at = words.find(name)
    if at < 0 or at + len(name) <= width:
        return words[:width]
    start = max(0, at - width // 3)
    return f"...{words[start : start + width - 3]}"


def _partly_swept(resource: Resource, signed: set[int]) -> bool:
    """Whether a record of a type ``PARTLY_READ`` holds anything the sweep reads it for: a Condition only
    when it counts (current, not refuted) and cites evidence; an order or a statement only when it gives a
    reason and is not signed in the hook (``signed``: its reasons are read)."""
    kind = resource.get("resourceType")
    if kind == "Condition":
        return bool(resource.get("evidence")) and diagnoses.condition_counts(resource)
    _swept_for, elements = PARTLY_READ[str(kind)]
    if elements is None:
        return True
    return id(resource) not in signed and any(resource.get(key) for key in elements)


def sweep(pool: ResourcePool) -> Sweep:
    """The records of ``pool`` no reader reads, walked once (``RecordIndex`` keeps it for the request)."""
    candidates: list[Resource] = []
    referring: list[_Record] = []
    signed = {id(order) for order in diagnoses.signed_orders(pool)}
    for kind in pool.types():
        if kind in NOT_THE_PATIENTS_RECORD:
            continue
        swept_kind = kind not in READERS
        for resource in pool.of_type(kind):
            if swept_kind or (kind == "Observation" and not _observation_read(resource)):
                if status_of(resource) != "entered-in-error":
                    candidates.append(resource)
            elif (
                kind in PARTLY_READ
                and status_of(resource) != "entered-in-error"
                and _partly_swept(resource, signed)
            ):
                candidates.append(resource)
            elif ("reasonReference" in resource or "addresses" in resource) and (
                refers := _references_not_sent(resource, pool)
            ) is not None:
                referring.append(refers)
    candidates.sort(key=reference_of)
    cap = RECORDS_SWEPT.value
    records = [_walked(resource, pool) for resource in candidates[:cap]]
    referring.sort(key=lambda record: record.reference)
    return Sweep(records + referring, [reference_of(resource) for resource in candidates[cap:]])


def _walked(resource: Resource, pool: ResourcePool) -> _Record:
    """A record walked for what the sweep reads it for: a type a reader reads, for the rest alone."""
    kind = str(resource.get("resourceType"))
    if kind in PARTLY_READ:
        swept_for, elements = PARTLY_READ[kind]
        return _walk(resource, pool, elements, swept_for)
    return _walk(resource, pool)


def _snippet(concept: dict[str, Any], width: int = 80) -> str:
    written = ", ".join(code for _system, code in codings(concept))
    text = concept_text(concept)[:width]
    return f"{written} {text!r}".strip() if written else repr(text)


def _concept_names(concept: dict[str, Any], age: int | None, *, service: bool = False) -> frozenset[str]:
    """What one concept of a swept record names: by its ICD-10 or SNOMED CT code as an indication would
    read it on its own (and its text where the code leaves the histology open), else by its words. A
    ``service`` (``_SERVICE_ELEMENTS``) whose SNOMED CT code the diagnoses do not read and which has no
    words names no diagnosis: a referral's or a procedure's code is what was asked or done."""
    if not any(system in _DIAGNOSIS_SYSTEMS for system, _code in codings(concept)):
        return _named_in(concept_text(concept))
    read = diagnoses.diagnosis_of(concept, "")
    if not read.icd and not read.snomed:
        return diagnoses.names_histology(read.text)
    if service and read.unread and not read.icd and not read.text.strip():
        return frozenset()
    names = diagnoses.left_open(read, age) | read.bears_on
    if diagnoses.is_extravasation_diagnosis(read):
        names |= {"anthracycline_extravasation"}
    if read.snomed & codes.SCT_PH_POSITIVE_ALL:
        names |= {"ph_positive"}
    return names


def _diagnoses_named(
    record: _Record, age: int | None, seen: dict[bytes, frozenset[str]], *, named: bool = True
) -> list[Diagnosis]:
    """What a record names (``named``: when it is swept for diagnoses), and the Conditions it names that
    were not sent. ``seen``: what each concept already read names (a record's visits share their reason
    codes), by its JSON; bounded as ``drugs`` bounds its own (``_SEEN_MAX``, ``_SEEN_MAX_BYTES``)."""
    bears: set[str] = set()
    said: list[str] = []
    for at, concept in enumerate(record.concepts) if named else ():
        service = at in record.services
        try:
            key = (b"s" if service else b"") + orjson.dumps(concept, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError: not JSON (an integer past 64 bits): read, not kept
            key = b"-" * (_SEEN_MAX_BYTES + 1)
        names = seen.get(key) if len(key) <= _SEEN_MAX_BYTES else None
        if names is None:
            names = _concept_names(concept, age, service=service)
            if len(key) <= _SEEN_MAX_BYTES and len(seen) < _SEEN_MAX:
                seen[key] = names
        if names:
            bears |= names
            said.append(_snippet(concept))
    for words in record.words if named else ():
        if names := _named_in(words):
            bears |= names
            said.append(repr(words[:80]))
    found: list[Diagnosis] = []
    if bears:
        shown = "; ".join(dict.fromkeys(said[:_NAMED_AT_MOST]))
        if record.elements:
            where = f"the {', '.join(record.elements)} of {_a(record.kind)}, not read for diagnoses,"
        elif record.swept_for != _EVERY_BEARING:
            where = f"{_a(record.kind)}, not read for diagnoses,"
        else:
            where = f"{_a(record.kind)}, a record not read for diagnoses,"
        unread = f"{where} names {shown}"
        found.append(_unread(record.reference, record.when, unread, frozenset(bears)))
    for ref, display in record.missing:
        missing = diagnoses.missing_condition({"reference": ref, "display": display})
        if missing is not None:
            unread = f"named by {record.reference}, {missing.unread}"
            found.append(_unread(ref, record.when, unread, missing.bears_on))
    return found


def _named_in(text: str) -> frozenset[str]:
    """What words in a record no reader reads name (``diagnoses.names_histology``), less what they name only
    to say it is not there: an extravasation denied ("IV site: no extravasation", a nursing row charted at
    every infusion), a Ph status said negative and nowhere positive ("BCR-ABL1 not detected", the words of
    a result the Ph status reads). A record's words are never read as a fact; these only need not open one."""
    names = diagnoses.names_histology(text)
    if "anthracycline_extravasation" in names and all(
        _DENIAL_BEFORE.search(text[max(0, found.start() - _DENIAL_REACH) : found.start()])
        for found in _EXTRAVASATION_WORD.finditer(text)
    ):
        names -= {"anthracycline_extravasation"}
    if "ph_positive" in names and _says_only_negative(text):
        names -= {"ph_positive"}
    return names


def _says_only_negative(text: str) -> bool:
    cleared = text
    for negative in _NEGATIVE_WORDS:
        cleared = cleared.replace(negative, " ")
    return cleared != text and not any(word in cleared for word in _POSITIVE_WORDS)


def _unread(reference: str, when: date | None, unread: str, bears_on: frozenset[str]) -> Diagnosis:
    """A diagnosis read nowhere: no code, no text of its own (``diagnoses`` reads it only as unread beside the
    facts it bears on, never as a text to meet one)."""
    return Diagnosis(frozenset(), frozenset(), reference, "", when, unread=unread, bears_on=bears_on)


def _anthracyclines(texts: Iterable[str]) -> list[Agent]:
    return [agent for text in texts for agent in named_in_words(text) if agent in ANTHRACYCLINES]


def _doses_named(record: _Record, *, named: bool = True) -> list[Dose]:
    """The doses a record names (``named``: when it is swept for doses), and the administrations it names
    that were not sent."""
    found = _anthracyclines_named(record) if named else []
    for ref, display in record.missing:
        if not ref.startswith("MedicationAdministration/"):
            continue
        agents = _anthracyclines([display]) if display else [Agent.DOXORUBICIN]
        for agent in agents:
            said = f"display {display[:80]!r}" if display else "no display"
            note = (
                f"named by {record.reference} ({said}) but not among the administrations read: an unknown "
                "part of the total until it is sent"
            )
            found.append(Dose(ref, agent, record.when, None, note=note))
    return found


def _anthracyclines_named(record: _Record) -> list[Dose]:
    named: dict[Agent, str] = {}
    for concept in record.concepts:
        text = concept_text(concept)
        coded = agent_of_concept(concept)
        for agent in [coded, *_anthracyclines([text])]:
            if agent in ANTHRACYCLINES:
                named.setdefault(agent, _snippet(concept))
    for words in record.words:
        for agent in _anthracyclines([words]):
            named.setdefault(agent, repr(_around(words, agent.value)))
    if not named:
        texts = [*map(concept_text, record.concepts), *record.words]
        generic = next((repr(text[:80]) for text in texts if _ANTHRACYCLINE_WORD in text), None)
        if generic is not None:
            named[Agent.DOXORUBICIN] = generic  # which anthracycline is not said: doxorubicin counts in both
    return [
        Dose(
            record.reference,
            agent,
            record.when,
            None,
            note=(
                f"{agent.value} named in {_a(record.kind)} ({said}), a record the service does not read "
                "doses from: an unknown part of the total until the doses are sent"
            ),
        )
        for agent, said in named.items()
    ]


def _about_now(record: _Record, on: date) -> bool:
    """Of the 12 months before ``on``, or undated, or still going on with a period that has not ended by
    then."""
    if record.when is None or record.when > on:
        return record.when is None
    recent = record.when >= add_months(on, -_CONSULTATION_MONTHS)
    return recent or (record.status in _ONGOING and record.until is not None and record.until >= on)


def _names_specialty(record: _Record, oncologist: bool) -> str:
    nucc = codes.NUCC_ONCOLOGIST if oncologist else codes.NUCC_ONC_OR_HEM
    snomed = codes.SCT_ONCOLOGIST if oncologist else codes.SCT_ONC_OR_HEM
    words = _ONCOLOGY_WORDS if oncologist else codes.ONC_OR_HEM_WORDS
    for concept in record.concepts:
        for system, code in codings(concept):
            if (system == codes.NUCC and code.upper() in nucc) or (system == codes.SNOMED and code in snomed):
                return f"{_a(record.kind)} names {_snippet(concept)}"
        text = concept_text(concept)
        if any(word in text for word in words):
            return f"{_a(record.kind)} names {text[:80]!r}"
    for text in record.words:
        if any(word in text for word in words):
            return f"{_a(record.kind)} names {text[:80]!r}"
    return ""
