"""Prescriber specialty and oncology/hematology consultation (I.A.2, I.B.2; docs/facts.md).

The prescriber is the order's requester (R4 ``requester``, STU3 ``requester.agent``, DSTU2
``prescriber``), else the signing user (``context.userId``). Specialty is read from NUCC taxonomy or
SNOMED CT occupation codes on PractitionerRole.specialty / .code and Practitioner.qualification.code,
including the PractitionerRoles that point at the prescribing Practitioner. A degree code (v2-0360
"MD") is not a specialty: with no NUCC or SNOMED code recorded, the specialty is unknown.

A PractitionerRole (or a Practitioner's qualification) grants its specialty only while it is in force:
not ``active: false``, and its ``period`` (when given) covering the date that matters (the order date for
the prescriber, the referral date for a consultation). An expired or not-yet-started role is read as if
absent: with nothing else recorded, the specialty is unknown, not "not an oncologist".

Consultation: an active or completed ServiceRequest whose performer (resolved) or performerType has an
oncology or hematology code (the performerType only when no performer it names is shown not of that
specialty: docs/facts.md "A consultation performed by someone the record shows is not of its specialty"),
about this therapy (docs/facts.md "Record integrity"): authored within the 12
months before the order, or with a period covering the order date; an older or undated one is named but not
counted. Consultations are seldom structured: none found is unknown, not "no".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from cds_service.clinical import codes
from cds_service.clinical.dates import add_months
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import (
    codings,
    concept_text,
    dicts,
    parse_date,
    read_period,
    status_of,
)
from cds_service.clinical.orders import not_going_ahead
from cds_service.clinical.plausibility import Plausibility, referral_against_its_performer
from cds_service.clinical.schedule import order_date
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_CONSULT_STATUSES = frozenset({"active", "completed"})


@dataclass(frozen=True)
class _Specialties:
    nucc: frozenset[str]
    snomed: frozenset[str]
    evidence: tuple[str, ...]
    # Specialties that could be oncology or hematology but could not be read (not read is not absent):
    # "<ref>: <what>" each.
    unread: tuple[str, ...] = ()
    # The words of each specialty recorded with no code read (lower case): read against a referral's
    # performerType only (``_against``)
    words: tuple[str, ...] = ()

    @property
    def recorded(self) -> bool:
        return bool(self.nucc or self.snomed)

    def oncologist(self) -> bool:
        return bool(self.nucc & codes.NUCC_ONCOLOGIST or self.snomed & codes.SCT_ONCOLOGIST)

    def onc_or_hem(self) -> bool:
        return bool(self.nucc & codes.NUCC_ONC_OR_HEM or self.snomed & codes.SCT_ONC_OR_HEM)


_NUCC_FORM = re.compile(codes.NUCC_CODE_FORM)


def _codes_of(
    concepts: Any,
    nucc: set[str],
    snomed: set[str],
    unread: list[str] | None = None,
    where: str = "",
    words: list[str] | None = None,
) -> None:
    """NUCC and SNOMED CT specialty codes into ``nucc`` / ``snomed``; into ``unread``, each specialty
    that could be oncology or hematology but is not read: a code in a system not read, a SNOMED CT concept
    not listed or a malformed NUCC code, whose text names oncology or hematology, or has no text at all;
    into ``words``, the words of each specialty with no code read."""
    for concept in dicts(concepts):
        text = concept_text(concept)
        read = any(
            (system == codes.NUCC and _NUCC_FORM.match(code.upper())) or system == codes.SNOMED
            for system, code in codings(concept)
        )
        if words is not None and text.strip() and not read:
            words.append(text)
        for system, code in codings(concept):
            if system == codes.NUCC and _NUCC_FORM.match(code.upper()):
                nucc.add(code.upper())
                continue
            if system == codes.SNOMED:
                snomed.add(code)
                if code in codes.SCT_ONC_OR_HEM:
                    continue
            if unread is not None and (not text or any(word in text for word in codes.ONC_OR_HEM_WORDS)):
                said = f"text {text[:60]!r}" if text else "no text"
                unread.append(f"{where}: specialty code {code!r} in {system} is not read ({said})")


def role_in_force(role: Resource, on: date | None) -> bool:
    """Not ``active: false``, and a ``period`` that neither ended before ``on`` nor starts after it (no
    date to compare with: only the ``active`` flag is read)."""
    if role.get("active") is False:
        return False
    if on is None:
        return True
    period = read_period(role.get("period"))
    if period.contradiction:
        return False  # a period that ends before it starts shows no role in force: it grants nothing
    start, end = period.start, period.end
    return not ((start is not None and start > on) or (end is not None and end < on))


def _references_practitioner(role: Resource, practitioner: Resource, pool: ResourcePool) -> bool:
    return pool.resolve(role.get("practitioner"), within=role) is practitioner


def _specialties(who: Resource, pool: ResourcePool, on: date | None) -> _Specialties:
    """Specialty codes of a Practitioner or PractitionerRole, from the roles in force ``on`` that date."""
    nucc: set[str] = set()
    snomed: set[str] = set()
    evidence = [reference_of(who)]
    people: list[Resource] = []
    roles: list[Resource] = []
    if who.get("resourceType") == "PractitionerRole":
        if role_in_force(who, on):
            roles.append(who)
        practitioner = pool.resolve(who.get("practitioner"), within=who)
        if practitioner is not None:
            people.append(practitioner)
    elif who.get("resourceType") == "Practitioner":
        people.append(who)
        roles.extend(
            r
            for r in pool.of_type("PractitionerRole")
            if _references_practitioner(r, who, pool) and role_in_force(r, on)
        )
    unread: list[str] = []
    words: list[str] = []
    for role in roles:
        _codes_of(role.get("specialty"), nucc, snomed, unread, reference_of(role), words)
        _codes_of(role.get("code"), nucc, snomed)
    for person in people:
        for qualification in dicts(person.get("qualification")):
            # A qualification whose own period ended before the date (or starts after it) is not held
            # then, as a role out of force grants nothing.
            if role_in_force({"period": qualification.get("period")}, on):
                _codes_of(qualification.get("code"), nucc, snomed)
        # DSTU2 Practitioner carried its roles inline: practitionerRole[].specialty / .role
        for inline in dicts(person.get("practitionerRole")):
            if not role_in_force(inline, on):
                continue
            _codes_of(inline.get("specialty"), nucc, snomed, unread, reference_of(person), words)
            _codes_of(inline.get("role"), nucc, snomed)
    evidence.extend(reference_of(r) for r in roles + people)
    return _Specialties(
        frozenset(nucc),
        frozenset(snomed),
        tuple(dict.fromkeys(evidence)),
        tuple(dict.fromkeys(unread)),
        tuple(dict.fromkeys(words)),
    )


def prescriber_of(order: Resource, pool: ResourcePool) -> Resource | None:
    """The order's requester; the signing user (``context.userId``) when the requester is not in the data,
    is not a person (an Organization, a Device...), or is a PractitionerRole without a specialty ("Who
    prescribes" ruling: docs/facts.md "Prescriber specialty and consultation")."""
    requester = order.get("requester")
    if isinstance(requester, dict) and "agent" in requester:  # STU3
        requester = requester["agent"]
    requester = requester or order.get("prescriber")  # DSTU2 MedicationOrder
    found = pool.resolve(requester, within=order) if requester else None
    user = pool.resolve(pool.user_reference) if pool.user_reference else None
    if user is not None and user.get("resourceType") not in _PEOPLE:
        user = None
    if found is None or found.get("resourceType") not in _PEOPLE:
        return user
    if found.get("resourceType") == "PractitionerRole" and not _has_specialty(found) and user is not None:
        return user
    return found


_PEOPLE = ("Practitioner", "PractitionerRole")


def _has_specialty(role: Resource) -> bool:
    return any(concept.get("coding") or concept.get("text") for concept in dicts(role.get("specialty")))


def prescriber_facts(
    order: Resource, pool: ResourcePool, on: date | None = None
) -> tuple[Fact[bool], Fact[bool]]:
    """``(oncologist or hematologist, oncologist)`` for the prescriber, from the roles in force on
    ``on`` (the approval start; by default the order's own date)."""
    who = prescriber_of(order, pool)
    if who is None:
        unknown: Fact[bool] = Fact(None, (), "the prescriber is not in the data")
        return unknown, unknown
    found = _specialties(who, pool, on or order_date(order))
    unread = tuple(dict.fromkeys(entry.split(": ", 1)[0] for entry in found.unread))
    not_read = "".join(f"; {entry}" for entry in found.unread)
    if not found.recorded:
        unknown = Fact(
            None,
            found.evidence,
            "the prescriber has no recorded specialty (in a PractitionerRole in force on the order date)"
            + not_read,
            unread,
        )
        return unknown, unknown

    def fact(value: bool) -> Fact[bool]:
        if value:
            return Fact(True, found.evidence, "prescriber specialty (NUCC / SNOMED CT)")
        return Fact(False, found.evidence, "prescriber specialty (NUCC / SNOMED CT)" + not_read, unread)

    return fact(found.onc_or_hem()), fact(found.oncologist())


# "A consultation is about this therapy", docs/facts.md "Record integrity": a referral authored within the 12
# months before the order, or whose period covers the order date.
CONSULTATION_MONTHS = 12


def _referral_dates(request: Resource) -> tuple[date | None, date | None, date | None]:
    """``(authored, period start, period end)``: R4/STU3 ``authoredOn`` (else ``occurrenceDateTime``, the
    consultation's own date), DSTU2 ``dateSent`` / ``date``; the period is ``occurrencePeriod`` (DSTU2
    ``fulfillmentTime``)."""
    authored = (
        order_date(request)
        or parse_date(request.get("dateSent"))
        or parse_date(request.get("date"))
        or parse_date(request.get("occurrenceDateTime"))
    )
    # (a period that ends before it starts dates nothing: the referral's own date decides)
    period = read_period(request.get("occurrencePeriod") or request.get("fulfillmentTime"))
    return authored, period.begins, period.ends


def _about_this_therapy(request: Resource, on: date | None, plausible: Plausibility | None = None) -> str:
    """Empty when the referral counts for an order dated ``on``, else why it does not. Authored after the
    order or before the patient's birth (``Plausibility.dated_conflict``), its date cannot be: it is
    no consultation the order rests on, and the fact stays unknown, named (docs/facts.md "Plausibility",
    dates that cannot be)."""
    if on is None:
        return ""
    authored, start, end = _referral_dates(request)
    if conflict := (plausible or Plausibility()).dated_conflict(authored, on):
        return f"referral {conflict}: a date that cannot be"
    if (
        (start is not None or end is not None)
        and (start is None or start <= on)
        and (end is None or on <= end)
    ):
        return ""
    since = add_months(on, -CONSULTATION_MONTHS)
    if authored is not None and authored >= since:
        return ""
    if authored is not None:
        return (
            f"referral authored {authored.isoformat()}, more than {CONSULTATION_MONTHS} months before the "
            f"order ({on.isoformat()}): not a consultation about this therapy"
        )
    if end is not None:
        return f"referral period ended {end.isoformat()}, before the order ({on.isoformat()})"
    if start is not None:
        return f"referral period starts {start.isoformat()}, after the order ({on.isoformat()})"
    return "referral has no date: whether it is about this therapy cannot be told"


_NOT_CLINICIANS = ("Patient", "RelatedPerson", "Device")


def _person(who: Resource | None, pool: ResourcePool) -> Resource | None:
    """The Practitioner a PractitionerRole is of (the role itself when it names none that resolves)."""
    if who is not None and who.get("resourceType") == "PractitionerRole":
        return pool.resolve(who.get("practitioner"), within=who) or who
    return who


def _requester(request: Resource, pool: ResourcePool) -> Resource | None:
    """A referral's requester: R4 ``requester``, STU3 ``requester.agent``."""
    requester = request.get("requester")
    if isinstance(requester, dict) and "agent" in requester:
        requester = requester["agent"]
    return pool.resolve(requester, within=request) if requester else None


class _Performer(NamedTuple):
    """A performer (or STU3 recipient) a referral names: its specialties (``None``: no clinician), as a
    reason names it, and who it is beside the referral ("the prescriber", "the referral's own requester",
    "" for anyone else)."""

    specialties: _Specialties | None
    said: str
    itself: str


def _performers(request: Resource, pool: ResourcePool, prescribing: Resource | None) -> list[_Performer]:
    """Each performer (or STU3 recipient) of a referral that resolves to a person or to no clinician; an
    Organization, a CareTeam, a HealthcareService is left out (its specialty is not read)."""
    requesting = _person(_requester(request, pool), pool)
    found: list[_Performer] = []
    for performer in [*dicts(request.get("performer")), *dicts(request.get("recipient"))]:
        who = pool.resolve(performer, within=request)
        if who is None:
            continue
        kind = who.get("resourceType")
        if kind in _NOT_CLINICIANS:
            found.append(_Performer(None, f"{reference_of(who)}, {_a_or_an(str(kind))}, no clinician", ""))
            continue
        if kind not in _PEOPLE:
            continue
        person = _person(who, pool)
        itself = ""
        if person is not None and person is prescribing:
            itself = "the prescriber"
        elif person is not None and person is requesting:
            itself = "the referral's own requester"
        found.append(_Performer(_specialties(who, pool, order_date(request)), reference_of(who), itself))
    return found


def _against(performer: _Performer, wanted: Callable[[_Specialties], bool], words: tuple[str, ...]) -> str:
    """How the record shows ``performer`` is not of the specialty ``wanted`` tests (and ``words`` name), or
    "": no clinician, the prescriber or the referral's own requester, a specialty read as another by its
    code, or recorded with no code read in words naming none of ``words`` (a performer whose specialty is
    not recorded at all shows nothing)."""
    found = performer.specialties
    if found is None:
        return performer.said
    if found.recorded and wanted(found):
        return ""
    if found.recorded:
        shown = f", whose specialty is read as {', '.join(sorted(found.nucc | found.snomed))}"
    elif found.words and not any(word in text for text in found.words for word in words):
        shown = f", whose specialty is recorded as {'; '.join(found.words)[:60]!r}"
    else:
        shown = ""
    if performer.itself:
        return f"{performer.said}, {performer.itself}{shown}"
    return f"{performer.said}{shown}" if shown else ""


def _specialty_said(concepts: Any, read: _Specialties) -> str:
    """A specialty as a reason says it: its codes read, and its words when it has them."""
    text = "; ".join(filter(None, (concept_text(concept) for concept in dicts(concepts))))
    written = ", ".join(sorted(read.nucc | read.snomed))
    return f"{written} {text[:60]!r}" if text else written


def _a_or_an(kind: str) -> str:
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"


def consultation_facts(
    pool: ResourcePool,
    on: date | None = None,
    plausible: Plausibility | None = None,
    prescriber: Resource | None = None,
) -> tuple[Fact[bool], Fact[bool]]:
    """``(consult with oncology or hematology, consult with oncology)`` from referrals about this therapy:
    authored within the 12 months before ``on`` (the order date) or with a period covering it. An older
    one is named, but leaves the fact unknown (docs/facts.md "Record integrity").

    A referral meets a fact by its performer's own specialty, or by its ``performerType`` unless a
    performer it names is shown not to be of that specialty: read as another specialty, the
    ``prescriber`` or the referral's own requester (a consultation is with someone else), or no clinician
    (a Patient, a RelatedPerson, a Device). Such a referral is named, and leaves the fact unknown
    (``plausibility.referral_against_its_performer``); a performer whose specialty is not read leaves the
    ``performerType`` as it reads."""
    onc_or_hem: list[str] = []
    oncologist: list[str] = []
    stale_onc_or_hem: list[tuple[str, str]] = []
    stale_oncologist: list[tuple[str, str]] = []
    prescribing = _person(prescriber, pool)
    for request in pool.of_type("ServiceRequest", "ReferralRequest"):
        if status_of(request) not in _CONSULT_STATUSES or not_going_ahead(request):
            continue
        nucc: set[str] = set()
        snomed: set[str] = set()
        _codes_of(request.get("performerType"), nucc, snomed)
        by_type = _Specialties(frozenset(nucc), frozenset(snomed), ())
        evidence = [reference_of(request)]
        performers = _performers(request, pool, prescribing)
        for performer in performers:
            if performer.specialties is not None:
                evidence.extend(performer.specialties.evidence)
        why_not = _about_this_therapy(request, on, plausible)
        for wanted, words, counted, stale in (
            (_Specialties.onc_or_hem, codes.ONC_OR_HEM_WORDS, onc_or_hem, stale_onc_or_hem),
            (_Specialties.oncologist, codes.ONCOLOGY_WORDS, oncologist, stale_oncologist),
        ):
            by_performer = any(p.specialties is not None and wanted(p.specialties) for p in performers)
            if not by_performer and not wanted(by_type):
                continue
            against = (
                [] if by_performer else [said for p in performers if (said := _against(p, wanted, words))]
            )
            if conflict := referral_against_its_performer(
                reference_of(request), _specialty_said(request.get("performerType"), by_type), against
            ):
                stale.append((reference_of(request), conflict))
            elif why_not:
                stale.append((reference_of(request), why_not))
            else:
                counted.extend(evidence)

    def fact(refs: list[str], stale: list[tuple[str, str]], what: str) -> Fact[bool]:
        if refs:
            return Fact(True, tuple(dict.fromkeys(refs)), f"referral to {what}")
        if stale:
            return Fact(
                None,
                tuple(dict.fromkeys(ref for ref, _why in stale)),
                "; ".join(dict.fromkeys(why for _ref, why in stale)),
            )
        return Fact(None, (), f"no referral to {what} recorded (consultations are seldom structured)")

    return (
        fact(onc_or_hem, stale_onc_or_hem, "oncology or hematology"),
        fact(oncologist, stale_oncologist, "oncology"),
    )
