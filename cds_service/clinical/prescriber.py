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
oncology or hematology code, about this therapy (docs/facts.md "Record integrity"): authored within the 12
months before the order, or with a period covering the order date; an older or undated one is named but not
counted. Consultations are seldom structured: none found is unknown, not "no".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

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
from cds_service.clinical.plausibility import Plausibility
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

    @property
    def recorded(self) -> bool:
        return bool(self.nucc or self.snomed)

    def oncologist(self) -> bool:
        return bool(self.nucc & codes.NUCC_ONCOLOGIST or self.snomed & codes.SCT_ONCOLOGIST)

    def onc_or_hem(self) -> bool:
        return bool(self.nucc & codes.NUCC_ONC_OR_HEM or self.snomed & codes.SCT_ONC_OR_HEM)


_NUCC_FORM = re.compile(codes.NUCC_CODE_FORM)


def _codes_of(
    concepts: Any, nucc: set[str], snomed: set[str], unread: list[str] | None = None, where: str = ""
) -> None:
    """NUCC and SNOMED CT specialty codes into ``nucc`` / ``snomed``; into ``unread``, each specialty
    that could be oncology or hematology but is not read: a code in a system not read, a SNOMED CT concept
    not listed or a malformed NUCC code, whose text names oncology or hematology, or has no text at all."""
    for concept in dicts(concepts):
        text = concept_text(concept)
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
    for role in roles:
        _codes_of(role.get("specialty"), nucc, snomed, unread, reference_of(role))
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
            _codes_of(inline.get("specialty"), nucc, snomed, unread, reference_of(person))
            _codes_of(inline.get("role"), nucc, snomed)
    evidence.extend(reference_of(r) for r in roles + people)
    return _Specialties(
        frozenset(nucc), frozenset(snomed), tuple(dict.fromkeys(evidence)), tuple(dict.fromkeys(unread))
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


def consultation_facts(
    pool: ResourcePool, on: date | None = None, plausible: Plausibility | None = None
) -> tuple[Fact[bool], Fact[bool]]:
    """``(consult with oncology or hematology, consult with oncology)`` from referrals about this therapy:
    authored within the 12 months before ``on`` (the order date) or with a period covering it. An older
    one is named, but leaves the fact unknown (docs/facts.md "Record integrity")."""
    onc_or_hem: list[str] = []
    oncologist: list[str] = []
    stale_onc_or_hem: list[tuple[str, str]] = []
    stale_oncologist: list[tuple[str, str]] = []
    for request in pool.of_type("ServiceRequest", "ReferralRequest"):
        if status_of(request) not in _CONSULT_STATUSES or not_going_ahead(request):
            continue
        nucc: set[str] = set()
        snomed: set[str] = set()
        _codes_of(request.get("performerType"), nucc, snomed)
        evidence = [reference_of(request)]
        for performer in [*dicts(request.get("performer")), *dicts(request.get("recipient"))]:
            who = pool.resolve(performer, within=request)
            if who is not None and who.get("resourceType") in ("Practitioner", "PractitionerRole"):
                found = _specialties(who, pool, order_date(request))
                nucc |= found.nucc
                snomed |= found.snomed
                evidence.extend(found.evidence)
        specialties = _Specialties(frozenset(nucc), frozenset(snomed), tuple(evidence))
        why_not = _about_this_therapy(request, on, plausible)
        for wanted, counted, stale in (
            (specialties.onc_or_hem(), onc_or_hem, stale_onc_or_hem),
            (specialties.oncologist(), oncologist, stale_oncologist),
        ):
            if wanted and why_not:
                stale.append((reference_of(request), why_not))
            elif wanted:
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
