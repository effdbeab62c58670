"""Response to therapy, as the treating team records it (II.A.3 "Member is responding positively to
therapy").

Response is seldom structured (docs/decisions.md "Three-valued criteria"): none recorded is unknown, for
the prescriber to document. It is structured when the oncologist records the cancer's trend as an mCODE
Cancer Disease Status: an Observation coded LOINC 97509-4 (mCODE STU2 to STU4, "Cancer disease
progression") or 88040-1 (mCODE STU1, "Response to cancer treatment"), whose value is a SNOMED CT finding
of the mCODE Condition Status Trend value set. The choice the service makes (docs/facts.md "Response to
therapy"):

- the latest status recorded in the ``RESPONSE_WINDOW`` before the order decides, one dated after the order
  is not read, and two latest ones that disagree leave it unknown;
- 268910001 "Patient's condition improved" is a positive response: met;
- 359746009 stable, 271299001 worsened, 709137006 undetermined and the mCODE STU1 260415000 "not
  detected" (no evidence of disease) are not "responding positively" as the policy's words say, nor a
  clinician's word that it is not (a worsening may be why the regimen changes): unknown, the reason
  naming the status so the prescriber documents the response; never not met on the data;
- a status whose value the service does not read (a local code, text only) is named beside the unknown.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date, timedelta

from cds_service.clinical import codes
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import codings, concept_text, obj, parse_date, status_of
from cds_service.clinical.plausibility import Plausibility
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

# How far back a recorded status speaks for "responding" now: restaging comes every two to three cycles of
# a 21-day regimen (6 to 9 weeks), so 90 days holds the last one. Our choice, not the policy's.
RESPONSE_WINDOW = timedelta(days=90)
_NOT_A_RESULT = frozenset({"entered-in-error", "cancelled", "preliminary", "registered"})


def is_read(observation: Resource) -> bool:
    """Whether the Observation is a cancer disease status this module reads."""
    return any(
        system == codes.LOINC and code in codes.LOINC_DISEASE_STATUS
        for system, code in codings(observation.get("code"))
    )


def _when(observation: Resource) -> date | None:
    return parse_date(observation.get("effectiveDateTime")) or parse_date(
        obj(observation.get("effectivePeriod")).get("end")
        or obj(observation.get("effectivePeriod")).get("start")
    )


def _trend(observation: Resource) -> str | None:
    """The SNOMED CT trend a status records, or ``None`` when its value is not one the service reads."""
    found = {
        code
        for system, code in codings(observation.get("valueCodeableConcept"))
        if system == codes.SNOMED and code in codes.SCT_CONDITION_TREND
    }
    return found.pop() if len(found) == 1 else None


def _words(trend: str | None) -> str:
    if trend is None:
        return "a status in a code the service does not read"
    return codes.SCT_CONDITION_TREND[trend]


def responding_to_therapy(pool: ResourcePool, on: date, plausible: Plausibility | None = None) -> Fact[bool]:
    """II.A.3 from the latest cancer disease status recorded in the window before ``on`` (the order date).

    Not plausible is not a fact (``Plausibility.dated_conflict``): a status dated before the patient's
    birth or after today (an order written ahead of today) cannot be, and leaves the response unknown,
    named, whatever the others say."""
    recorded: list[tuple[date, str, str | None, str]] = []
    older: list[str] = []
    cannot_be: list[tuple[str, str]] = []
    for observation in pool.of_type("Observation"):
        if not is_read(observation) or status_of(observation) in _NOT_A_RESULT:
            continue
        when = _when(observation)
        reference = reference_of(observation)
        if when is None or when > on:
            continue
        if plausible is not None and (conflict := plausible.dated_conflict(when, on)):
            cannot_be.append((reference, conflict))
            continue
        if when < on - RESPONSE_WINDOW:
            older.append(reference)
            continue
        text = concept_text(observation.get("valueCodeableConcept"))[:80]
        recorded.append((when, reference, _trend(observation), text))
    if cannot_be:
        cannot_be.sort()
        said = "; ".join(f"{reference} {conflict}" for reference, conflict in cannot_be)
        return Fact(
            None,
            tuple(reference for reference, _ in cannot_be),
            f"a cancer disease status that cannot be: {said}",
        )
    if not recorded:
        why = f"no cancer disease status recorded in the {RESPONSE_WINDOW.days} days before the order"
        if older:
            why += f" ({', '.join(sorted(older))} older)"
        return Fact(None, tuple(sorted(older)), why)
    latest_day = max(when for when, *_ in recorded)
    latest = sorted((r for r in recorded if r[0] == latest_day), key=lambda r: r[1])
    evidence = tuple(reference for _when, reference, _trend, _text in latest)
    trends = {trend for _when, _reference, trend, _text in latest}
    said = "; ".join(
        f"{reference}: {_words(trend)}" + (f" ({text!r})" if text else "")
        for _when, reference, trend, text in latest
    )
    day = latest_day.isoformat()
    if trends == {codes.SCT_CONDITION_IMPROVED}:
        return Fact(True, evidence, f"cancer disease status on {day}: {said}")
    if len(trends) > 1:
        return Fact(None, evidence, f"cancer disease statuses on {day} disagree: {said}")
    why = "its value cannot be read" if trends == {None} else "not a positive response as recorded"
    return Fact(
        None,
        evidence,
        f"cancer disease status on {day}: {said}: {why}; the prescriber documents the response",
    )
