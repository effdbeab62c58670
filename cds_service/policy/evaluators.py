"""The named evaluators the CP.PHAR.418 leaves are bound to: each reads ``ClinicalFacts`` and says
met / not met / unknown with a one-line reason and the FHIR references it rests on.

Reading the facts (docs/decisions.md): ``Fact.value`` True → met, False → not met, None → unknown;
``DoseTotal.reaches`` likewise. Whether an absent fact is False or None is decided by extraction
(structured data: False; seldom-structured data: None), so these functions never guess.
"""

from __future__ import annotations

from itertools import chain

from cds_service import thresholds as t
from cds_service.clinical.facts import ClinicalFacts, DoseTotal, Fact
from cds_service.policy.outcome import Outcome, all_of, any_of
from cds_service.policy.tree import Verdict


def _evidence(*verdicts: Verdict) -> tuple[str, ...]:
    # chained at C speed: a dose total's evidence is a reference per dose, hundreds for a long history
    return tuple(dict.fromkeys(chain.from_iterable(verdict.evidence for verdict in verdicts)))


def _deciding(outcome: Outcome, parts: tuple[Verdict, ...]) -> str:
    """The reasons of the parts that decide the outcome: a reader sees why, not every part's story
    (an unmet alternative beside a met one, or settled parts beside what is still open)."""
    return "; ".join(part.reason for part in parts if part.outcome is outcome)


def _open_asks(parts: tuple[Verdict, ...]) -> tuple[str, ...]:
    """What settles the parts left open, when every one of them says (else nothing: the criterion's own
    documentation asks for all)."""
    open_parts = [part for part in parts if part.outcome is Outcome.UNKNOWN]
    if not open_parts or any(not part.asks for part in open_parts):
        return ()
    return tuple(dict.fromkeys(ask for part in open_parts for ask in part.asks))


def both(*parts: Verdict) -> Verdict:
    """Every part of a compound criterion ("X, and Y") under "must meet all"."""
    outcome = all_of(part.outcome for part in parts)
    asks = _open_asks(parts) if outcome is Outcome.UNKNOWN else ()
    return Verdict(outcome, _deciding(outcome, parts), _evidence(*parts), asks)


def either(*parts: Verdict) -> Verdict:
    """A criterion met by any of its parts ("X or Y")."""
    outcome = any_of(part.outcome for part in parts)
    asks = _open_asks(parts) if outcome is Outcome.UNKNOWN else ()
    return Verdict(
        outcome, _deciding(outcome, parts), _evidence(*parts), (" or ".join(asks),) if asks else ()
    )


def fact(value: Fact[bool], yes: str, no: str, unknown: str, send: str = "") -> Verdict:
    """A yes/no fact, worded for the reader. When the data cannot settle it, the extraction's own
    reason says why (e.g. "the prescriber has no recorded specialty"); the evidence shows the rest, and
    ``send`` what would settle it."""
    if value.value is None:
        return Verdict(Outcome.UNKNOWN, value.reason or unknown, value.evidence, (send,) if send else ())
    return Verdict(Outcome.of(value.value), yes if value.value else no, value.evidence)


def _mg(value: float) -> str:
    return f"{value:g}"


def reaches(total: DoseTotal, threshold: t.Threshold, what: str, send: str = "") -> Verdict:
    """A cumulative dose against an inclusive "≥" threshold; a known part that reaches it settles it."""
    reached = total.reaches(threshold.value)
    limit = f"{_mg(threshold.value)} {threshold.unit}"
    known = f"{_mg(round(total.known_mg_m2, 1))} mg/m²"
    most = total.at_most
    if reached is None and total.unknown_parts == 0 and most is not None:
        # A regimen whose length is a range (countMax, boundsRange...) that straddles the threshold.
        reason = (
            f"{what} from {known} to {_mg(round(most, 1))} mg/m² as the doses that may or may not count "
            f"go: {limit} lies within it"
        )
    elif reached is None:
        reason = f"{what} known so far {known} < {limit}, and {total.unknown_parts} part(s) unknown"
    elif reached is False and total.possible_parts and most is not None:
        reason = f"{what} at most {_mg(round(most, 1))} mg/m² (every dose that may count counted) < {limit}"
    else:
        reason = f"{what} {known} {'≥' if reached else '<'} {limit}"
    # What was merged or left out says what happened to the record (docs/facts.md "Record integrity"), met or
    # not.
    reason = "; ".join([reason, *total.merged, *total.remarks, *total.unknown_reasons, *total.set_aside])
    asks = (send,) if send and reached is None else ()
    return Verdict(Outcome.of(reached), reason, total.evidence + total.unknown_evidence, asks)


_BIRTH_DATE = "the patient's birth date"


def age_at_least(facts: ClinicalFacts, threshold: t.Threshold, age: Fact[int] | None = None) -> Verdict:
    age = facts.age_years if age is None else age
    if age.value is None:
        return Verdict(
            Outcome.UNKNOWN, f"age unknown ({age.reason or 'no birth date'})", age.evidence, (_BIRTH_DATE,)
        )
    ok = age.value >= threshold.value
    sign = "≥" if ok else "<"
    return Verdict(
        Outcome.of(ok), f"age {age.value} {sign} {_mg(threshold.value)}{_as_of(facts)}", age.evidence
    )


def _as_of(facts: ClinicalFacts) -> str:
    """The order's date set aside, said beside the age read as of today instead."""
    return f" ({facts.date_set_aside})" if facts.date_set_aside else ""


def pediatric(facts: ClinicalFacts) -> Verdict:
    age = facts.age_years
    if age.value is None:
        return Verdict(
            Outcome.UNKNOWN, f"age unknown ({age.reason or 'no birth date'})", age.evidence, (_BIRTH_DATE,)
        )
    ok = age.value < t.PEDIATRIC_AGE_BELOW.value
    word = "pediatric" if ok else "not pediatric"
    return Verdict(Outcome.of(ok), f"age {age.value}: {word}{_as_of(facts)}", age.evidence)


def diagnosis(value: Fact[bool], name: str) -> Verdict:
    """A diagnosis; when records settle it, their own reason says how (a site code read with its
    histology, another histology ruling it out, the drug given at an extravasation's onset)."""
    verdict = fact(
        value,
        f"{name} recorded",
        f"no {name} recorded",
        f"{name} cannot be read from the data",
        send=f"the {name} diagnosis",
    )
    if value.value is not None and value.evidence and value.reason and not value.reason.endswith(" recorded"):
        return Verdict(verdict.outcome, value.reason, verdict.evidence, verdict.asks)
    return verdict


def prescribed_for_doxorubicin_cardiomyopathy(facts: ClinicalFacts) -> Verdict:
    """I.A.1. Reached only on the cardiomyopathy pathways (no anthracycline extravasation), so the
    purpose is settled by the patient's doxorubicin: exposure so far or a doxorubicin order. Neither
    recorded (administrations and orders are routinely structured) means not met. An order that names an
    extravasation in words the service cannot read as a code leaves it unknown: it may not be for
    cardioprotection at all (not read is not absent)."""
    purpose = facts.order_purpose
    if purpose.value is None and purpose.unread:
        return Verdict(Outcome.UNKNOWN, purpose.reason, purpose.unread)
    exposure = tuple(
        dict.fromkeys(
            facts.cumulative_doxorubicin.evidence
            + facts.cumulative_doxorubicin.unknown_evidence
            + facts.planned_doxorubicin.evidence
            + facts.planned_doxorubicin.unknown_evidence
            + facts.concurrent_doxorubicin.evidence
        )
    )
    if exposure or facts.concurrent_doxorubicin.value:
        return Verdict(Outcome.MET, "cardioprotection for a patient receiving doxorubicin", exposure)
    if facts.concurrent_doxorubicin.value is False:
        return Verdict(Outcome.NOT_MET, "no doxorubicin administered or ordered")
    return Verdict(Outcome.UNKNOWN, "whether the patient receives doxorubicin cannot be read from the data")


def onc_or_hem_prescriber_or_consult(facts: ClinicalFacts) -> Verdict:
    return either(
        fact(
            facts.prescriber_onc_or_hem,
            "prescriber is an oncologist or hematologist",
            "prescriber is not an oncologist or hematologist",
            "prescriber specialty not recorded",
        ),
        fact(
            facts.consult_onc_or_hem,
            "oncology/hematology consultation recorded",
            "no oncology/hematology consultation",
            "no oncology/hematology consultation recorded",
        ),
    )


def oncologist_prescriber_or_consult(facts: ClinicalFacts) -> Verdict:
    """I.B.2 names an oncologist only: a hematologist alone does not meet it."""
    return either(
        fact(
            facts.prescriber_oncologist,
            "prescriber is an oncologist",
            "prescriber is not an oncologist",
            "prescriber specialty not recorded",
        ),
        fact(
            facts.consult_oncologist,
            "oncology consultation recorded",
            "no oncology consultation",
            "no oncology consultation recorded",
        ),
    )


def adult_with_cumulative_doxorubicin(facts: ClinicalFacts) -> Verdict:
    return both(
        age_at_least(facts, t.ADULT_AGE),
        reaches(
            facts.cumulative_doxorubicin,
            t.CUMULATIVE_DOXORUBICIN_ADULT,
            "cumulative doxorubicin",
            send="the doxorubicin administration record (doses in mg/m², or height and weight for doses in "
            "mg) showing the cumulative dose",
        ),
    )


def pediatric_all(facts: ClinicalFacts) -> Verdict:
    return both(pediatric(facts), diagnosis(facts.acute_lymphoblastic_leukemia, "ALL"))


def _anthracycline_or_heart_radiation(facts: ClinicalFacts) -> Verdict:
    return either(
        reaches(
            facts.planned_anthracycline,
            t.ANTICIPATED_ANTHRACYCLINE_ALL,
            "anticipated cumulative anthracycline (doxorubicin equivalents)",
            send=f"the treatment plan showing an anticipated cumulative anthracycline dose of at least "
            f"{_mg(t.ANTICIPATED_ANTHRACYCLINE_ALL.value)} mg/m² doxorubicin equivalent",
        ),
        fact(
            facts.heart_radiation,
            "radiation with potential impact to the heart recorded",
            "no radiation with potential impact to the heart",
            "no radiation to chest, abdomen, spine or total body recorded",
            send="radiation to the chest, abdomen, spine or total body",
        ),
    )


_PH_RESULT = "the Ph-{} (BCR-ABL1) result"


def ph_negative_dfci_protocol(facts: ClinicalFacts) -> Verdict:
    ph = facts.ph_positive
    ph_negative = Fact(None if ph.value is None else not ph.value, ph.evidence, ph.reason)
    return both(
        fact(
            ph_negative,
            "Ph-negative",
            "Ph-positive",
            "Ph status not recorded",
            send=_PH_RESULT.format("negative"),
        ),
        fact(
            facts.dfci_all_protocol,
            "on DFCI ALL Protocol 11-001 or 16-001",
            "not on DFCI ALL Protocol 11-001 or 16-001",
            "no DFCI 11-001/16-001 enrollment recorded",
            send="the DFCI ALL Protocol 11-001 or 16-001 enrollment",
        ),
        _anthracycline_or_heart_radiation(facts),
    )


def relapsed_ph_positive_cog_aall1331(facts: ClinicalFacts) -> Verdict:
    return both(
        fact(
            facts.relapsed_or_refractory,
            "relapsed or refractory",
            "not relapsed or refractory",
            "relapse status not recorded",
            send="the relapsed or refractory status",
        ),
        fact(
            facts.ph_positive,
            "Ph-positive",
            "Ph-negative",
            "Ph status not recorded",
            send=_PH_RESULT.format("positive"),
        ),
        fact(
            facts.dasatinib_or_imatinib,
            "with dasatinib or imatinib",
            "no dasatinib or imatinib",
            "no dasatinib or imatinib recorded",
            send="the dasatinib or imatinib order",
        ),
        fact(
            facts.cog_aall1331,
            "on COG AALL1331",
            "not on COG AALL1331",
            "no COG AALL1331 enrollment recorded",
            send="the COG AALL1331 enrollment",
        ),
        _anthracycline_or_heart_radiation(facts),
    )


def pediatric_aggressive_b_cell_lymphoma(facts: ClinicalFacts) -> Verdict:
    lymphoma = diagnosis(facts.aggressive_mature_b_cell_lymphoma, "aggressive mature B-cell lymphoma")
    return both(pediatric(facts), lymphoma)


def pediatric_hodgkin_lymphoma(facts: ClinicalFacts) -> Verdict:
    return both(pediatric(facts), diagnosis(facts.hodgkin_lymphoma, "Hodgkin lymphoma"))


_PLANNED_DOSE = (
    "the treatment plan with the planned cumulative doxorubicin dose (mg/m², or height and weight for doses "
    "in mg)"
)


def wilms_with_planned_doxorubicin(facts: ClinicalFacts) -> Verdict:
    return both(
        diagnosis(facts.wilms_tumor, "Wilms tumor"),
        reaches(
            facts.planned_doxorubicin,
            t.PLANNED_DOXORUBICIN_WILMS,
            "planned cumulative doxorubicin",
            send=_PLANNED_DOSE,
        ),
    )


def neuroblastoma(facts: ClinicalFacts) -> Verdict:
    return diagnosis(facts.neuroblastoma, "neuroblastoma")


def sarcoma_with_planned_doxorubicin(facts: ClinicalFacts) -> Verdict:
    return both(
        diagnosis(facts.soft_tissue_sarcoma, "soft tissue sarcoma"),
        reaches(
            facts.planned_doxorubicin,
            t.PLANNED_DOXORUBICIN_SARCOMA,
            "planned cumulative doxorubicin",
            send=_PLANNED_DOSE,
        ),
    )


def concurrent_doxorubicin(facts: ClinicalFacts) -> Verdict:
    """I.A.4 / II.A.2. When there is none, the reason names the orders set aside (docs/facts.md "Record
    integrity" "Orders in play": a cancelled draft, a replaced order) so the reader sees why they do not
    count."""
    concurrent = facts.concurrent_doxorubicin
    return fact(
        concurrent,
        "doxorubicin ordered alongside",
        concurrent.reason
        if concurrent.value is False and concurrent.reason
        else "no active or draft doxorubicin order",
        "whether doxorubicin continues cannot be read from the data",
    )


def _measurements_set_aside(facts: ClinicalFacts, evidence: tuple[str, ...], sized: bool) -> str:
    """The body measurements set aside as implausible (docs/facts.md "Plausibility"), for the reason of a
    criterion sized through a BSA (``sized``: its evidence names one, or it could not be sized)."""
    if not sized and not any(ref.startswith("Observation/") for ref in evidence):
        return ""
    aside = [note for note in facts.set_aside if note.startswith("Observation/")]
    return "".join(f"; {note}" for note in aside)


def dose_ratio_within_limit(facts: ClinicalFacts) -> Verdict:
    ratio = facts.dose_ratio
    evidence = tuple(
        dict.fromkeys(
            ratio.evidence + facts.dexrazoxane_dose_mg_m2.evidence + facts.doxorubicin_dose_mg_m2.evidence
        )
    )
    aside = _measurements_set_aside(facts, evidence, ratio.value is None)
    if ratio.value is None:
        why = ratio.reason or "the dexrazoxane or doxorubicin dose cannot be expressed in mg/m²"
        return Verdict(Outcome.UNKNOWN, f"dose ratio unknown: {why}{aside}", evidence)
    ok = ratio.value <= t.MAX_DOSE_RATIO.value
    doses = ""
    dexrazoxane, doxorubicin = facts.dexrazoxane_dose_mg_m2.value, facts.doxorubicin_dose_mg_m2.value
    if dexrazoxane is not None and doxorubicin is not None:
        doses = f" (dexrazoxane {_mg(dexrazoxane)} mg/m² : doxorubicin {_mg(doxorubicin)} mg/m²)"
    sign = "≤" if ok else ">"
    limit = _mg(t.MAX_DOSE_RATIO.value)
    reason = f"ratio {_mg(round(ratio.value, 2))}:1 {sign} {limit}:1{doses}"
    sizing = facts.doxorubicin_dose_mg_m2.reason
    if "smallest decides" in sizing or "names" in sizing:
        # Several doxorubicin orders, or one named by the dexrazoxane order: say which set the divisor
        # (the ratio never depends on the order the resources came in).
        reason += f"; {sizing}"
    if "; the dose range " in ratio.reason:
        # a dexrazoxane dose range read at its top: say which dose the ratio is of
        reason += "; the dose range " + ratio.reason.split("; the dose range ", 1)[1]
    return Verdict(Outcome.of(ok), reason + aside, evidence)


def responding_to_therapy(facts: ClinicalFacts) -> Verdict:
    """II.A.3: met on the cancer disease status the treating team recorded as improved; else unknown until
    the prescriber documents the response (clinical.disease_status)."""
    return fact(
        facts.responding_to_therapy,
        "responding positively to therapy",
        "not responding to therapy",
        "no cancer disease status recorded; the prescriber must document the response",
    )


def documented_only(facts: ClinicalFacts) -> Verdict:
    """Criteria no FHIR data records (docs/decisions.md): unknown until the prescriber documents them."""
    return Verdict(Outcome.UNKNOWN, "not recorded in FHIR data; the prescriber must document it")


def _supporting_evidence(facts: ClinicalFacts, criterion: str) -> Verdict:
    """I.A.5.b / II.A.4.b "prescriber must submit supporting evidence": evidence the payer must review is
    never settled by a tick (docs/facts.md "Record integrity"). Attached evidence (an attachment, a
    DocumentReference) stays unknown, received and awaiting the payer's review; a "yes" with nothing attached
    is no evidence; only the prescriber's own "no" settles it (not met)."""
    attached = facts.submitted_evidence.get(criterion, ())
    answer = facts.documented.get(criterion)
    answered = answer.evidence if answer is not None else ()
    if attached:
        return Verdict(
            Outcome.UNKNOWN,
            f"supporting evidence received ({', '.join(attached)}): it awaits the payer's review, "
            "the service never settles it",
            tuple(dict.fromkeys(answered + attached)),
        )
    if answer is not None and answer.value is False:
        return Verdict(
            Outcome.NOT_MET,
            "the prescriber answered that no practice guideline or peer-reviewed literature supports "
            "the dose",
            answered,
        )
    if answer is not None and answer.value:
        return Verdict(
            Outcome.UNKNOWN,
            "answered yes with nothing attached: a tick is not evidence; the prescriber must submit the "
            "guideline or literature",
            answered,
        )
    return Verdict(Outcome.UNKNOWN, "not recorded in FHIR data; the prescriber must submit the evidence")


def supporting_evidence_initial(facts: ClinicalFacts) -> Verdict:
    return _supporting_evidence(facts, "I.A.5.b")


def supporting_evidence_continued(facts: ClinicalFacts) -> Verdict:
    return _supporting_evidence(facts, "II.A.4.b")


def anthracycline_extravasation(facts: ClinicalFacts) -> Verdict:
    return diagnosis(facts.anthracycline_extravasation, "anthracycline extravasation")


def adult_on_course_start(facts: ClinicalFacts) -> Verdict:
    """I.B.3: age on the I.B approval start, the course's first day (docs/decisions.md, docs/facts.md), which
    may come after the order is signed."""
    on_course_start = facts.age_on_course_start
    if not on_course_start.evidence:  # the course starts on the order's date: age_years is its age
        return age_at_least(facts, t.ADULT_AGE)
    verdict = age_at_least(facts, t.ADULT_AGE, on_course_start)
    first = facts.course_first_day.value
    if first is None or on_course_start.value is None:
        return verdict
    return Verdict(
        verdict.outcome, f"{verdict.reason} on the course's first day {first.isoformat()}", verdict.evidence
    )


def extravasation_daily_caps(facts: ClinicalFacts) -> Verdict:
    """I.B.4: every course day within its cap; a day beyond the third has no cap, so it is not met."""
    course = facts.extravasation_course
    evidence = tuple(dict.fromkeys(ref for day in course for ref in day.evidence))
    if not course:
        return Verdict(Outcome.UNKNOWN, "the daily doses of the course cannot be read from the order")
    parts: list[Verdict] = []
    for day in sorted(course, key=lambda d: d.day):
        cap = t.EXTRAVASATION_DAILY_CAP_MG.get(day.day)
        if cap is None:
            parts.append(Verdict(Outcome.NOT_MET, f"day {day.day} is beyond the 3-day course"))
        elif day.mg is None:
            parts.append(Verdict(Outcome.UNKNOWN, f"day {day.day} dose unknown in mg"))
        else:
            ok = day.mg <= cap.value
            sign = "≤" if ok else ">"
            parts.append(
                Verdict(Outcome.of(ok), f"day {day.day} {_mg(day.mg)} mg {sign} {_mg(cap.value)} mg")
            )
    # Every day is shown, the ones within their cap too: the course reads day by day.
    outcome = all_of(part.outcome for part in parts)
    aside = _measurements_set_aside(facts, evidence, any(day.mg is None for day in course))
    return Verdict(outcome, "; ".join(part.reason for part in parts) + aside, evidence)
