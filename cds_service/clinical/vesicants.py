"""Which drug extravasated ("Anthracycline-induced means the anthracycline extravasated", docs/facts.md
"Record integrity").

ICD-10-CM T80.810 is "extravasation of vesicant antineoplastic chemotherapy" (ICD-10-CM tabular): any
vesicant, so the code alone names no drug. What names it, first to last:

1. the extravasation record itself: its code text or displays, its notes, its ``evidence`` (a coded
   finding or a reference to the administration);
2. else the drugs given at the onset: administrations dated on the onset day or the day before (an
   anthracycline extravasates during its infusion and is noticed then or within hours). When the onset
   and a dose both carry a time (on comparable clocks: both with an offset, or neither), a dose started
   after the onset cannot have extravasated at it and is not given at it (``Named.started_after``).

Anthracyclines are doxorubicin (liposomal too), daunorubicin, epirubicin and idarubicin; mitoxantrone is
an anthracenedione. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from cds_service.clinical import codes
from cds_service.clinical.administrations import administered_on
from cds_service.clinical.drugs import agent_of, medication_of
from cds_service.clinical.fhir_read import codings, concept_text, dicts, obj, read_datetime, status_of
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

# "the onset day or the day before" (docs/facts.md "Record integrity")
ONSET_WINDOW = timedelta(days=1)
_NOT_GIVEN = frozenset({"not-done", "entered-in-error"})

_ANTHRACYCLINE_WORDS = tuple(
    name
    for agent, names in codes.NAME_PATTERNS
    if agent in codes.EXTRAVASATION_ANTHRACYCLINES
    for name in names
)


def _words(names: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")", re.IGNORECASE)


_ANTHRACYCLINE = _words(_ANTHRACYCLINE_WORDS)
_OTHER_VESICANT = _words(codes.OTHER_VESICANT_NAMES)


@dataclass
class Named:
    """Drugs found, each with the record that names it."""

    anthracyclines: dict[str, str] = field(default_factory=dict)  # name -> reference
    others: dict[str, str] = field(default_factory=dict)
    # Anthracycline doses of the onset's day window started after the onset (its time and theirs known):
    # reference -> when it started, as written. Not given at the onset, so not in ``anthracyclines``.
    started_after: dict[str, str] = field(default_factory=dict)
    # Doses with no date that can be read (none written, or one that cannot be read): each could have been
    # given at the onset, so it may unsettle what the dated doses say, never settle it (docs/facts.md "An
    # administration with no date"). Name -> reference, by kind.
    undated_anthracyclines: dict[str, str] = field(default_factory=dict)
    undated_others: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def _keep(found: dict[str, str], name: str, reference: str) -> None:
        """One record per drug name, the same whatever order the records come in."""
        found[name] = min(found.get(name, reference), reference)

    def add_text(self, text: str, reference: str) -> None:
        for match in _ANTHRACYCLINE.finditer(text):
            self._keep(self.anthracyclines, match.group(1).lower(), reference)
        for match in _OTHER_VESICANT.finditer(text):
            self._keep(self.others, match.group(1).lower(), reference)

    def add_drug(self, resource: Resource, pool: ResourcePool) -> None:
        """Classify a medication-bearing resource: its agent, else its names, else its ATC class."""
        reference = reference_of(resource)
        agent = agent_of(resource, pool)
        if agent in codes.EXTRAVASATION_ANTHRACYCLINES:
            self._keep(self.anthracyclines, str(agent), reference)
            return
        if agent is codes.Agent.MITOXANTRONE:
            self._keep(self.others, str(agent), reference)
            return
        concepts = _medication_concepts(resource, pool)
        own = Named()
        own.add_text(concept_text(concepts), reference)
        if not own.found:  # no name: the ATC class says it
            for system, code in codings(concepts):
                if system == codes.ATC and code.upper().startswith(codes.OTHER_VESICANT_ATC_PREFIXES):
                    own._keep(own.others, f"ATC {code.upper()}", reference)
        for name, ref in own.anthracyclines.items():
            self._keep(self.anthracyclines, name, ref)
        for name, ref in own.others.items():
            self._keep(self.others, name, ref)

    @property
    def found(self) -> bool:
        return bool(self.anthracyclines or self.others)


def _medication_concepts(resource: Resource, pool: ResourcePool) -> list[Any]:
    concepts: list[Any] = [resource.get("medicationCodeableConcept")]
    if isinstance(resource.get("medication"), dict):
        concepts.append(resource["medication"].get("concept"))
    medication = medication_of(resource, pool)
    if medication is not None:
        concepts.append(medication.get("code"))
    reference = resource.get("medicationReference")
    if isinstance(reference, dict) and isinstance(reference.get("display"), str):
        concepts.append({"text": reference["display"]})
    return [c for c in concepts if isinstance(c, dict)]


def named_by_record(record: Resource | None, text: str, reference: str, pool: ResourcePool) -> Named:
    """The drugs an extravasation record names: its code's ``text`` (text, displays), and for a
    Condition its notes and evidence (coded findings, referenced administrations or orders)."""
    named = Named()
    named.add_text(text, reference)
    if record is None:
        return named
    for note in dicts(record.get("note")):
        if isinstance(note.get("text"), str):
            named.add_text(note["text"], reference)
    for evidence in dicts(record.get("evidence")):
        named.add_text(concept_text(evidence.get("code")), reference)
        for detail in dicts(evidence.get("detail")):
            target = pool.resolve(detail, within=record)
            if target is not None and target.get("resourceType") != "Condition":
                named.add_drug(target, pool)
            elif isinstance(detail.get("display"), str):
                named.add_text(detail["display"], reference)
    return named


def names_an_administration(record: Resource | None, pool: ResourcePool) -> bool:
    """Whether an extravasation record's ``evidence`` references the administration that extravasated (the
    MAR's own record, not words about it)."""
    for evidence in dicts((record or {}).get("evidence")):
        for detail in dicts(evidence.get("detail")):
            target = pool.resolve(detail, within=record)
            if target is not None and target.get("resourceType") == "MedicationAdministration":
                return True
    return False


def onset_moment(record: Resource | None) -> datetime | None:
    """The instant an extravasation record dates its onset to, when it writes a time (``onsetDateTime``,
    else its ``onsetPeriod``'s start): as written, aware when it has an offset."""
    record = record or {}
    for written in (record.get("onsetDateTime"), obj(record.get("onsetPeriod")).get("start")):
        if isinstance(written, str) and len(written.strip()) > 10:
            return read_datetime(written.strip())
    return None


def _started(administration: Resource) -> tuple[datetime, str] | None:
    """When an administration started, with a time, and as written; ``None`` when it writes a day only."""
    for written in (
        administration.get("effectiveDateTime"),
        administration.get("effectiveTimeDateTime"),
        obj(administration.get("effectivePeriod")).get("start"),
        obj(administration.get("effectiveTimePeriod")).get("start"),
    ):
        if isinstance(written, str) and len(written.strip()) > 10:
            moment = read_datetime(written.strip())
            return (moment, written.strip()[:40]) if moment is not None else None
    return None


def _after(started: datetime, onset: datetime) -> bool:
    """Whether a dose started after the onset: compared only on one clock (both with an offset, or both
    without one: a time with no offset beside one with an offset could be hours either way)."""
    if (started.tzinfo is None) != (onset.tzinfo is None):
        return False
    return started > onset


def given_at_onset(pool: ResourcePool, onset: date, at: datetime | None = None) -> Named:
    """The anthracyclines and other vesicants administered on the onset day or the day before (any
    status but not-done / entered-in-error: an infusion that extravasated is often charted as stopped).
    With the onset's time ``at``, a dose started after it did not extravasate at it: left out, an
    anthracycline one named in ``started_after``. A dose with no date that can be read is named apart
    (``undated_anthracyclines``, ``undated_others``): it could have been given then."""
    named = Named()
    for administration in pool.of_type("MedicationAdministration"):
        if administration.get("wasNotGiven") is True or administration.get("notGiven") is True:
            continue
        if status_of(administration) in _NOT_GIVEN:
            continue
        when = administered_on(administration)
        if when is None:
            undated = Named()
            undated.add_drug(administration, pool)
            for name, ref in undated.anthracyclines.items():
                named._keep(named.undated_anthracyclines, name, ref)
            for name, ref in undated.others.items():
                named._keep(named.undated_others, name, ref)
            continue
        if not onset - ONSET_WINDOW <= when <= onset:
            continue
        started = _started(administration) if at is not None else None
        if at is not None and started is not None and _after(started[0], at):
            later = Named()
            later.add_drug(administration, pool)
            if later.anthracyclines:
                named.started_after[reference_of(administration)] = started[1]
            continue
        named.add_drug(administration, pool)
    return named
