from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from cds_service import thresholds as t
from cds_service.clinical.facts import ClinicalFacts, DoseTotal, ExtravasationDay, Fact
from cds_service.policy import evaluators as ev
from cds_service.policy.outcome import Outcome
from cds_service.policy.tree import Verdict
from tests.policy.policy_facts import NO, adult_on_doxorubicin

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def child(age: int | None = 9, **changes: object) -> ClinicalFacts:
    return adult_on_doxorubicin(age_years=Fact(age, ("Patient/p",)), **changes)


def outcome_of(evaluator: ev.Evaluator, facts: ClinicalFacts) -> Outcome:
    return evaluator(facts).outcome


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, MET),
        ({"cumulative_doxorubicin": DoseTotal(), "planned_doxorubicin": DoseTotal()}, MET),  # the order alone
        (
            {
                "cumulative_doxorubicin": DoseTotal(),
                "planned_doxorubicin": DoseTotal(),
                "concurrent_doxorubicin": NO,
            },
            NOT_MET,
        ),
        (
            {
                "cumulative_doxorubicin": DoseTotal(),
                "planned_doxorubicin": DoseTotal(),
                "concurrent_doxorubicin": Fact(None),
            },
            UNKNOWN,
        ),
        (  # a past dose that cannot be converted is still doxorubicin exposure
            {
                "cumulative_doxorubicin": DoseTotal(
                    unknown_parts=1, unknown_evidence=("MedicationAdministration/x",)
                ),
                "planned_doxorubicin": DoseTotal(),
                "concurrent_doxorubicin": NO,
            },
            MET,
        ),
    ],
)
def test_i_a_1_purpose_is_settled_by_doxorubicin_exposure_or_order(
    changes: dict[str, object], expected: Outcome
) -> None:
    assert (
        outcome_of(ev.prescribed_for_doxorubicin_cardiomyopathy, adult_on_doxorubicin(**changes)) is expected
    )


@pytest.mark.parametrize(
    ("prescriber", "consult", "expected"),
    [
        (True, None, MET),
        (False, True, MET),
        (False, None, UNKNOWN),
        (None, None, UNKNOWN),
        (False, False, NOT_MET),
    ],
)
def test_i_a_2_prescriber_or_consultation(
    prescriber: bool | None, consult: bool | None, expected: Outcome
) -> None:
    facts = adult_on_doxorubicin(prescriber_onc_or_hem=Fact(prescriber), consult_onc_or_hem=Fact(consult))
    assert outcome_of(ev.onc_or_hem_prescriber_or_consult, facts) is expected


def test_i_b_2_a_hematologist_alone_is_not_an_oncologist() -> None:
    hematologist = adult_on_doxorubicin(
        prescriber_onc_or_hem=Fact(True), prescriber_oncologist=Fact(False), consult_oncologist=Fact(None)
    )
    assert outcome_of(ev.onc_or_hem_prescriber_or_consult, hematologist) is MET
    assert outcome_of(ev.oncologist_prescriber_or_consult, hematologist) is UNKNOWN
    referred = replace(hematologist, consult_oncologist=Fact(True, ("ServiceRequest/r",)))
    verdict = ev.oncologist_prescriber_or_consult(referred)
    assert verdict.outcome is MET and "ServiceRequest/r" in verdict.evidence


@pytest.mark.parametrize(
    ("age", "cumulative", "expected"),
    [
        (18, DoseTotal(300.0), MET),  # both boundaries inclusive
        (17, DoseTotal(300.0), NOT_MET),
        (54, DoseTotal(299.9), NOT_MET),
        (54, DoseTotal(200.0, unknown_parts=1), UNKNOWN),
        (54, DoseTotal(300.0, unknown_parts=2), MET),  # the known part already reaches it
        (None, DoseTotal(350.0), UNKNOWN),
        (None, DoseTotal(250.0), NOT_MET),
    ],
)
def test_i_a_3_a_adult_with_cumulative_300(age: int | None, cumulative: DoseTotal, expected: Outcome) -> None:
    facts = adult_on_doxorubicin(age_years=Fact(age), cumulative_doxorubicin=cumulative)
    assert outcome_of(ev.adult_with_cumulative_doxorubicin, facts) is expected


def test_i_a_3_a_reason_states_the_numbers() -> None:
    reason = ev.adult_with_cumulative_doxorubicin(adult_on_doxorubicin()).reason
    assert reason == "age 54 ≥ 18; cumulative doxorubicin 300 mg/m² ≥ 300 mg/m²"


@pytest.mark.parametrize(
    ("age", "all_", "expected"),
    [(17, True, MET), (18, True, NOT_MET), (9, False, NOT_MET), (None, True, UNKNOWN), (9, None, UNKNOWN)],
)
def test_i_a_3_b_i_pediatric_all(age: int | None, all_: bool | None, expected: Outcome) -> None:
    facts = child(age, acute_lymphoblastic_leukemia=Fact(all_))
    assert outcome_of(ev.pediatric_all, facts) is expected


PH_NEGATIVE_ON_DFCI = {
    "ph_positive": Fact(False),
    "dfci_all_protocol": Fact(True),
    "planned_anthracycline": DoseTotal(250.0),
    "heart_radiation": Fact(None),
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, MET),
        ({"planned_anthracycline": DoseTotal(249.9)}, UNKNOWN),  # radiation unrecorded may still carry it
        ({"planned_anthracycline": DoseTotal(100.0), "heart_radiation": Fact(True)}, MET),
        ({"planned_anthracycline": DoseTotal(100.0), "heart_radiation": NO}, NOT_MET),
        ({"ph_positive": Fact(True)}, NOT_MET),
        ({"ph_positive": Fact(None)}, UNKNOWN),
        ({"dfci_all_protocol": Fact(None)}, UNKNOWN),
    ],
)
def test_i_a_3_b_i_1_ph_negative_on_dfci(changes: dict[str, object], expected: Outcome) -> None:
    facts = child(**{**PH_NEGATIVE_ON_DFCI, **changes})
    assert outcome_of(ev.ph_negative_dfci_protocol, facts) is expected


RELAPSED_PH_POSITIVE = {
    "relapsed_or_refractory": Fact(True),
    "ph_positive": Fact(True),
    "dasatinib_or_imatinib": Fact(True),
    "cog_aall1331": Fact(True),
    "planned_anthracycline": DoseTotal(250.0),
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, MET),
        ({"relapsed_or_refractory": Fact(None)}, UNKNOWN),
        ({"ph_positive": Fact(False)}, NOT_MET),
        ({"dasatinib_or_imatinib": Fact(None)}, UNKNOWN),
        ({"cog_aall1331": Fact(None)}, UNKNOWN),
        ({"planned_anthracycline": DoseTotal(249.0), "heart_radiation": NO}, NOT_MET),
        ({"planned_anthracycline": DoseTotal(249.0), "heart_radiation": Fact(True)}, MET),
    ],
)
def test_i_a_3_b_i_2_relapsed_ph_positive_on_aall1331(changes: dict[str, object], expected: Outcome) -> None:
    facts = child(**{**RELAPSED_PH_POSITIVE, **changes})
    assert outcome_of(ev.relapsed_ph_positive_cog_aall1331, facts) is expected


@pytest.mark.parametrize(
    "evaluator", [ev.pediatric_aggressive_b_cell_lymphoma, ev.pediatric_hodgkin_lymphoma]
)
@pytest.mark.parametrize(
    ("age", "diagnosed", "expected"),
    [
        (17, True, MET),
        (18, True, NOT_MET),
        (8, False, NOT_MET),
        (None, True, UNKNOWN),
        (None, False, NOT_MET),
    ],
)
def test_i_a_3_b_ii_and_iii_are_pediatric_only(
    evaluator: ev.Evaluator, age: int | None, diagnosed: bool, expected: Outcome
) -> None:
    facts = child(age, aggressive_mature_b_cell_lymphoma=Fact(diagnosed), hodgkin_lymphoma=Fact(diagnosed))
    assert outcome_of(evaluator, facts) is expected


@pytest.mark.parametrize(
    ("evaluator", "diagnosis", "threshold"),
    [
        (ev.wilms_with_planned_doxorubicin, "wilms_tumor", 150.0),
        (ev.sarcoma_with_planned_doxorubicin, "soft_tissue_sarcoma", 250.0),
    ],
)
def test_i_a_3_b_iv_and_vi_planned_doxorubicin_at_or_above_the_threshold(
    evaluator: ev.Evaluator, diagnosis: str, threshold: float
) -> None:
    def facts(planned: DoseTotal, diagnosed: bool = True) -> ClinicalFacts:
        return adult_on_doxorubicin(**{diagnosis: Fact(diagnosed), "planned_doxorubicin": planned})

    assert outcome_of(evaluator, facts(DoseTotal(threshold))) is MET
    assert outcome_of(evaluator, facts(DoseTotal(threshold - 1))) is NOT_MET
    assert outcome_of(evaluator, facts(DoseTotal(threshold - 1, unknown_parts=1))) is UNKNOWN
    assert outcome_of(evaluator, facts(DoseTotal(threshold), diagnosed=False)) is NOT_MET
    # no age limit: an adult with the diagnosis qualifies
    assert outcome_of(evaluator, replace(facts(DoseTotal(threshold)), age_years=Fact(40))) is MET


def test_i_a_3_b_v_neuroblastoma_at_any_age() -> None:
    assert outcome_of(ev.neuroblastoma, child(3, neuroblastoma=Fact(True))) is MET
    assert outcome_of(ev.neuroblastoma, adult_on_doxorubicin(neuroblastoma=Fact(True))) is MET
    assert outcome_of(ev.neuroblastoma, child(3, neuroblastoma=NO)) is NOT_MET


@pytest.mark.parametrize(("value", "expected"), [(True, MET), (False, NOT_MET), (None, UNKNOWN)])
def test_i_a_4_concurrent_doxorubicin(value: bool | None, expected: Outcome) -> None:
    assert (
        outcome_of(ev.concurrent_doxorubicin, adult_on_doxorubicin(concurrent_doxorubicin=Fact(value)))
        is expected
    )


@pytest.mark.parametrize(("ratio", "expected"), [(10.0, MET), (9.5, MET), (10.01, NOT_MET), (None, UNKNOWN)])
def test_i_a_5_a_ratio_at_most_10(ratio: float | None, expected: Outcome) -> None:
    verdict = ev.dose_ratio_within_limit(adult_on_doxorubicin(dose_ratio=Fact(ratio)))
    assert verdict.outcome is expected
    assert "MedicationRequest/dox" in verdict.evidence


def test_i_a_5_a_reason_shows_both_doses() -> None:
    reason = ev.dose_ratio_within_limit(adult_on_doxorubicin()).reason
    assert reason == "ratio 10:1 ≤ 10:1 (dexrazoxane 500 mg/m² : doxorubicin 50 mg/m²)"


def test_criteria_no_fhir_data_records_are_unknown() -> None:
    verdict = ev.documented_only(adult_on_doxorubicin())
    assert verdict.outcome is UNKNOWN and "document" in verdict.reason


def test_i_b_1_and_i_b_3() -> None:
    assert (
        outcome_of(
            ev.anthracycline_extravasation, adult_on_doxorubicin(anthracycline_extravasation=Fact(True))
        )
        is MET
    )
    adult = ev.adult_on_course_start
    assert outcome_of(adult, adult_on_doxorubicin(age_years=Fact(18))) is MET
    assert outcome_of(adult, adult_on_doxorubicin(age_years=Fact(17))) is NOT_MET
    assert outcome_of(adult, adult_on_doxorubicin(age_years=Fact(None))) is UNKNOWN
    # A course that starts after the order is signed: the age on its first day decides (docs/decisions.md,
    # docs/facts.md).
    turned_18 = adult_on_doxorubicin(
        age_years=Fact(17),
        age_on_course_start=Fact(18, ("Patient/p",)),
        course_first_day=Fact(date(2026, 11, 21)),
    )
    verdict = adult(turned_18)
    assert verdict.outcome is MET and verdict.reason == "age 18 ≥ 18 on the course's first day 2026-11-21"


def course(*doses: float | None) -> tuple[ExtravasationDay, ...]:
    return tuple(
        ExtravasationDay(day, mg, ("MedicationRequest/dex",)) for day, mg in enumerate(doses, start=1)
    )


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (course(2000, 2000, 1000), MET),
        (course(2000, 2000), MET),
        (course(2000.5, 2000, 1000), NOT_MET),
        (course(2000, 2001, 1000), NOT_MET),
        (course(2000, 2000, 1001), NOT_MET),
        (course(1000, 1000, 500, 500), NOT_MET),  # a fourth day is beyond the course
        (course(2000, None, 1000), UNKNOWN),
        (course(2500, None, 1000), NOT_MET),
        ((), UNKNOWN),
    ],
)
def test_i_b_4_daily_caps(days: tuple[ExtravasationDay, ...], expected: Outcome) -> None:
    verdict = ev.extravasation_daily_caps(adult_on_doxorubicin(extravasation_course=days))
    assert verdict.outcome is expected
    if days:
        assert verdict.evidence == ("MedicationRequest/dex",)


def test_i_b_4_reason_reads_day_by_day() -> None:
    reason = ev.extravasation_daily_caps(
        adult_on_doxorubicin(extravasation_course=course(2000, 2000, 1001))
    ).reason
    assert reason == "day 1 2000 mg ≤ 2000 mg; day 2 2000 mg ≤ 2000 mg; day 3 1001 mg > 1000 mg"


def test_unknown_facts_give_the_extraction_reason() -> None:
    facts = adult_on_doxorubicin(
        prescriber_onc_or_hem=Fact(None, ("Practitioner/x",), "the prescriber has no recorded specialty")
    )
    verdict = ev.onc_or_hem_prescriber_or_consult(facts)
    assert verdict.reason.startswith("the prescriber has no recorded specialty")
    assert verdict.evidence == ("Practitioner/x",)


def test_reasons_name_only_the_parts_that_decide() -> None:
    """A met "X or Y" reads why it is met, not also the alternative that is not; an open "X and Y" reads
    what is still open, not the parts already settled."""
    met = ev.either(
        Verdict(Outcome.MET, "prescriber is an oncologist"), Verdict(Outcome.UNKNOWN, "no referral")
    )
    assert met.reason == "prescriber is an oncologist"
    open_ = ev.both(Verdict(Outcome.MET, "relapsed"), Verdict(Outcome.UNKNOWN, "no TKI recorded"))
    assert open_.reason == "no TKI recorded"


def test_evidence_the_payer_reviews_is_never_settled_by_a_tick() -> None:
    """docs/facts.md "Record integrity": I.A.5.b / II.A.4.b are never met by the service."""
    for criterion, read in (
        ("I.A.5.b", ev.supporting_evidence_initial),
        ("II.A.4.b", ev.supporting_evidence_continued),
    ):
        tick = Fact(True, ("QuestionnaireResponse/qr",))
        ticked = read(adult_on_doxorubicin(documented={criterion: tick}))
        assert ticked.outcome is Outcome.UNKNOWN and "a tick is not evidence" in ticked.reason
        attached = read(
            adult_on_doxorubicin(
                documented={criterion: tick}, submitted_evidence={criterion: ("DocumentReference/lit",)}
            )
        )
        assert attached.outcome is Outcome.UNKNOWN
        assert "received (DocumentReference/lit): it awaits the payer's review" in attached.reason
        assert attached.evidence == ("QuestionnaireResponse/qr", "DocumentReference/lit")
        said_no = read(
            adult_on_doxorubicin(documented={criterion: Fact(False, ("QuestionnaireResponse/qr",))})
        )
        assert said_no.outcome is Outcome.NOT_MET
        assert read(adult_on_doxorubicin()).outcome is Outcome.UNKNOWN


def test_a_diagnosis_settled_by_its_records_says_how() -> None:
    ruled_out = Fact(False, ("Condition/k",), "charted as another histology, not Wilms tumor")
    verdict = ev.diagnosis(ruled_out, "Wilms tumor")
    assert (verdict.outcome, verdict.reason) == (Outcome.NOT_MET, ruled_out.reason)
    assert ev.diagnosis(Fact(False), "Wilms tumor").reason == "no Wilms tumor recorded"


def test_a_planned_total_whose_range_straddles_the_threshold_says_so() -> None:
    straddles = DoseTotal(200.0, possible_mg_m2=100.0, possible_parts=2)
    verdict = ev.reaches(straddles, t.PLANNED_DOXORUBICIN_SARCOMA, "planned cumulative doxorubicin")
    assert verdict.outcome is UNKNOWN
    assert verdict.reason.startswith("planned cumulative doxorubicin from 200 mg/m² to 300 mg/m²")
    below = DoseTotal(150.0, possible_mg_m2=50.0, possible_parts=1)
    verdict = ev.reaches(below, t.PLANNED_DOXORUBICIN_SARCOMA, "planned cumulative doxorubicin")
    assert verdict.outcome is NOT_MET and "at most 200 mg/m²" in verdict.reason
    above = DoseTotal(250.0, possible_mg_m2=100.0, possible_parts=2)
    assert ev.reaches(above, t.PLANNED_DOXORUBICIN_SARCOMA, "planned").outcome is MET
