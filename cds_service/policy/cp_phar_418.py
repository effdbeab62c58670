"""CP.PHAR.418 (Dexrazoxane) as a criteria tree: ids and words as the policy writes them.

Source: Centene clinical policy CP.PHAR.418 Dexrazoxane (last review 05.26; ``POLICY_URL``), ids joined
by dots as docs/decisions.md says. The tree is checked when this module is imported (``build_tree``), so
a malformed edit fails at start-up, not while deciding. I.A, I.B and II.A are the pathways decided per
order; II.B is shown beside I.B (extravasation is never re-authorized, so each request is judged on I.B);
I.C and III are shown beside a deny, naming where the request is referred.
"""

from __future__ import annotations

from cds_service.clinical.facts import ClinicalFacts
from cds_service.policy import evaluators as ev
from cds_service.policy.outcome import Outcome
from cds_service.policy.referral import off_label_policies
from cds_service.policy.tree import Criterion, Kind, PolicyTree, Verdict, build_tree

POLICY_ID = "CP.PHAR.418"
POLICY_TITLE = "Clinical Policy: Dexrazoxane"
# The published policy document (Centene clinical pharmacy policies are published as PDFs by id).
POLICY_URL = "https://www.centene.com/content/dam/centene/policies/clinical-policies/CP.PHAR.418.pdf"
POLICY_LAST_REVIEW = "05.26"

ALL, ONE_OF, LEAF = Kind.ALL, Kind.ONE_OF, Kind.LEAF

# The criteria the order's own dose settles (I.A.5, II.A.4: the dose against doxorubicin's; I.B.4: the daily
# caps), marked so that an order selected before its dose is entered is checked on them at signing.
DOSE = "dose"

_RATIO_WORDS = (
    "Dose does not exceed 10 times the dose of doxorubicin (e.g., dexrazoxane 500 mg/m² for member "
    "receiving doxorubicin 50 mg/m²) given with each doxorubicin dose"
)
_LITERATURE_WORDS = (
    "Dose is supported by practice guidelines or peer-reviewed literature for the relevant off-label use "
    "(prescriber must submit supporting evidence)"
)
# The policy's footnote to I.A.5 and II.A.4 (the asterisk after "(a or b)"). It qualifies the regimen the
# dose is given with, and no FHIR data records whether a regimen is FDA-approved or NCCN-recommended, so it
# is shown with the node's words (cards, JSON, questionnaire) and not evaluated as a criterion of its own:
# a leaf for it could only ever be unknown and would pend every request.
REGIMEN_FOOTNOTE = "*Prescribed regimen must be FDA-approved or recommended by NCCN"
_DOSE_OPTIONS_WORDS = f"Request meets one of the following (a or b)* ({REGIMEN_FOOTNOTE})"
_RATIO_DOCUMENTATION = (
    "Send the per-dose doxorubicin and dexrazoxane amounts in mg/m² (or the patient's height and weight "
    "for doses ordered in mg)."
)
_LITERATURE_DOCUMENTATION = (
    "Send the practice guideline or peer-reviewed literature that supports the requested dexrazoxane dose."
)
_RADIATION_WORDS = (
    "radiation with potential impact to the heart (e.g., radiation to chest, abdomen, spine, or total body "
    "irradiation)"
)

_PH_NEGATIVE_DOCUMENTATION = (
    "Send the Ph-negative (BCR-ABL1) result, the DFCI ALL Protocol 11-001 or 16-001 enrollment, and the "
    "treatment plan showing an anticipated cumulative anthracycline dose of at least 250 mg/m² "
    "doxorubicin equivalent or radiation to the chest, abdomen, spine or total body."
)
_PH_POSITIVE_DOCUMENTATION = (
    "Send the relapsed or refractory status, the Ph-positive (BCR-ABL1) result, the dasatinib or imatinib"
    " order, the COG AALL1331 enrollment, and the treatment plan showing an anticipated cumulative "
    "anthracycline dose of at least 250 mg/m² doxorubicin equivalent or radiation to the chest, abdomen, "
    "spine or total body."
)
_SARCOMA_DOCUMENTATION = (
    "Send the soft tissue sarcoma diagnosis and the treatment plan with the planned cumulative "
    "doxorubicin dose (mg/m², or height and weight for doses in mg)."
)
_ONCOLOGIST_DOCUMENTATION = (
    "Send the prescriber's oncology specialty or the note of the oncology consultation."
)


def _previously_met_initial_criteria(facts: ClinicalFacts) -> Verdict:
    """II.A.1.a: the data meeting the initial criteria I.A today shows the member has met them; whether
    the member receives dexrazoxane via the plan's benefit is not in FHIR data."""
    initial = POLICY.evaluate("I.A", facts).result
    if initial.outcome is Outcome.MET:
        return Verdict(Outcome.MET, "the data meets the initial approval criteria I.A")
    return Verdict(
        Outcome.UNKNOWN,
        f"the data does not show I.A met (I.A {initial.outcome.words}); receipt via the plan's benefit "
        "is not recorded",
    )


def _judged_on_initial_extravasation_criteria(facts: ClinicalFacts) -> Verdict:
    initial = POLICY.evaluate("I.B", facts).result
    return Verdict(
        initial.outcome,
        f"no re-authorization: judged on the initial criteria I.B (I.B {initial.outcome.words})",
    )


def _label_change_referral(facts: ClinicalFacts) -> Verdict:
    # CP.PHAR.418 revision log, 2Q 2026 review (03.31.26): "no significant changes"; no label change of
    # dexrazoxane is recorded against this policy version.
    return Verdict(Outcome.NOT_MET, f"no label change in the last 6 months recorded for {POLICY_ID}")


def _off_label_referral(facts: ClinicalFacts) -> Verdict:
    policies = ", ".join(off_label_policies(facts.line_of_business.value))
    return Verdict(
        Outcome.MET, f"the request does not meet {POLICY_ID}: refer to the off-label use policy {policies}"
    )


def _off_label_review(facts: ClinicalFacts) -> Verdict:
    policies = ", ".join(off_label_policies(facts.line_of_business.value))
    return Verdict(
        Outcome.UNKNOWN, f"whether other uses have sufficient documentation is decided under {policies}"
    )


I_A = Criterion(
    "I.A",
    "Doxorubicin-Induced Cardiomyopathy (must meet all)",
    ALL,
    (
        Criterion(
            "I.A.1",
            "Prescribed to reduce the incidence or severity of cardiomyopathy associated with doxorubicin",
            LEAF,
            evaluator=ev.prescribed_for_doxorubicin_cardiomyopathy,
            documentation="Send the chemotherapy plan showing the doxorubicin given with dexrazoxane.",
        ),
        Criterion(
            "I.A.2",
            "Prescribed by or in consultation with an oncologist or hematologist",
            LEAF,
            evaluator=ev.onc_or_hem_prescriber_or_consult,
            documentation=(
                "Send the prescriber's specialty (oncology or hematology), or the note of the oncology or "
                "hematology consultation."
            ),
        ),
        Criterion(
            "I.A.3",
            "One of the following (a or b)",
            ONE_OF,
            (
                Criterion(
                    "I.A.3.a",
                    "Age ≥ 18 years, and member has received a cumulative doxorubicin dose of ≥ 300 mg/m²",
                    LEAF,
                    evaluator=ev.adult_with_cumulative_doxorubicin,
                    documentation=(
                        "Send the patient's birth date and the doxorubicin administration record (doses in "
                        "mg/m², or height and weight for doses in mg) showing the cumulative dose."
                    ),
                ),
                Criterion(
                    "I.A.3.b",
                    "Prescribed for one of the following NCCN 2A or higher supported indications (i-vi)",
                    ONE_OF,
                    (
                        Criterion(
                            "I.A.3.b.i",
                            "Pediatric acute lymphoblastic leukemia (ALL) and one of the following (1 or 2)",
                            ONE_OF,
                            (
                                Criterion(
                                    "I.A.3.b.i.1",
                                    "Ph-negative ALL: as part of the DFCI ALL Protocol 11-001 or 16-001 in "
                                    "members with an anticipated cumulative anthracycline dose ≥ 250 "
                                    f"mg/m² of doxorubicin equivalent or {_RADIATION_WORDS}",
                                    LEAF,
                                    evaluator=ev.ph_negative_dfci_protocol,
                                    documentation=_PH_NEGATIVE_DOCUMENTATION,
                                ),
                                Criterion(
                                    "I.A.3.b.i.2",
                                    "Relapsed or refractory Ph-positive ALL: in combination with dasatinib "
                                    "(Sprycel®) or imatinib (Gleevec®) as part of COG AALL1331 regimen with "
                                    "an anticipated cumulative anthracycline dose ≥ 250 mg/m² of doxorubicin "
                                    f"equivalent or {_RADIATION_WORDS}",
                                    LEAF,
                                    evaluator=ev.relapsed_ph_positive_cog_aall1331,
                                    documentation=_PH_POSITIVE_DOCUMENTATION,
                                ),
                            ),
                            evaluator=ev.pediatric_all,
                            documentation="Send the ALL diagnosis and the patient's birth date.",
                        ),
                        Criterion(
                            "I.A.3.b.ii",
                            "Pediatric aggressive mature B-cell lymphomas",
                            LEAF,
                            evaluator=ev.pediatric_aggressive_b_cell_lymphoma,
                            documentation=(
                                "Send the aggressive mature B-cell lymphoma diagnosis and the patient's "
                                "birth date."
                            ),
                        ),
                        Criterion(
                            "I.A.3.b.iii",
                            "Pediatric Hodgkin lymphoma",
                            LEAF,
                            evaluator=ev.pediatric_hodgkin_lymphoma,
                            documentation="Send the Hodgkin lymphoma diagnosis and the patient's birth date.",
                        ),
                        Criterion(
                            "I.A.3.b.iv",
                            "Wilms Tumor (nephroblastoma), and member has a planned cumulative dose of "
                            "doxorubicin ≥ 150 mg/m²",
                            LEAF,
                            evaluator=ev.wilms_with_planned_doxorubicin,
                            documentation=(
                                "Send the Wilms tumor diagnosis and the treatment plan with the planned "
                                "cumulative doxorubicin dose (mg/m², or height and weight for doses in mg)."
                            ),
                        ),
                        Criterion(
                            "I.A.3.b.v",
                            "Neuroblastoma",
                            LEAF,
                            evaluator=ev.neuroblastoma,
                            documentation="Send the neuroblastoma diagnosis.",
                        ),
                        Criterion(
                            "I.A.3.b.vi",
                            "Soft tissue sarcoma, and member has a planned cumulative dose of doxorubicin "
                            "≥ 250 mg/m²",
                            LEAF,
                            evaluator=ev.sarcoma_with_planned_doxorubicin,
                            documentation=_SARCOMA_DOCUMENTATION,
                        ),
                    ),
                ),
            ),
        ),
        Criterion(
            "I.A.4",
            "Will be used concurrently with doxorubicin",
            LEAF,
            evaluator=ev.concurrent_doxorubicin,
            documentation="Send the doxorubicin order that dexrazoxane will be given with.",
            asked=False,  # structured data always settles it: its absence from the record decides
        ),
        Criterion(
            "I.A.5",
            _DOSE_OPTIONS_WORDS,
            ONE_OF,
            order_detail=DOSE,
            children=(
                Criterion(
                    "I.A.5.a",
                    _RATIO_WORDS,
                    LEAF,
                    evaluator=ev.dose_ratio_within_limit,
                    documentation=_RATIO_DOCUMENTATION,
                ),
                Criterion(
                    "I.A.5.b",
                    _LITERATURE_WORDS,
                    LEAF,
                    evaluator=ev.supporting_evidence_initial,
                    documentation=_LITERATURE_DOCUMENTATION,
                    # Reviewed by the payer, never settled by a tick (docs/facts.md "Record integrity"); the
                    # evaluator reads the answer and what is attached to it.
                    attestable=False,
                ),
            ),
        ),
    ),
)

I_B = Criterion(
    "I.B",
    "Anthracycline-Induced Extravasation (off-label) (must meet all)",
    ALL,
    (
        Criterion(
            "I.B.1",
            "Diagnosis of anthracycline-induced extravasation",
            LEAF,
            evaluator=ev.anthracycline_extravasation,
            documentation=(
                "Send the diagnosis of anthracycline-induced extravasation with its date, naming the "
                "anthracycline that extravasated (the administration record)."
            ),
            asked=False,  # structured data always settles it: its absence from the record decides
        ),
        Criterion(
            "I.B.2",
            "Prescribed by or in consultation with an oncologist",
            LEAF,
            evaluator=ev.oncologist_prescriber_or_consult,
            documentation=_ONCOLOGIST_DOCUMENTATION,
        ),
        Criterion(
            "I.B.3",
            "Age ≥ 18 years",
            LEAF,
            evaluator=ev.adult_on_course_start,
            documentation="Send the patient's birth date.",
        ),
        Criterion(
            "I.B.4",
            "Dose does not exceed 2,000 mg per day on days 1 and 2, and 1,000 mg on day 3",
            LEAF,
            evaluator=ev.extravasation_daily_caps,
            documentation="Send the dexrazoxane dose in mg for each day of the course (days 1 to 3).",
            order_detail=DOSE,
        ),
    ),
)

_FORMULARY_WORDS = (
    "For drugs on the formulary (commercial, health insurance marketplace/ICHRA) or PDL (Medicaid), the no "
    "coverage criteria policy for the relevant line of business: CP.CPA.190 for commercial, HIM.PA.33 for "
    "health insurance marketplace/ICHRA, and CP.PMN.255 for Medicaid"
)
_NON_FORMULARY_WORDS = (
    "For drugs NOT on the formulary (commercial, health insurance marketplace/ICHRA) or PDL (Medicaid), the "
    "non-formulary policy for the relevant line of business: CP.CPA.190 for commercial, HIM.PA.103 for "
    "health insurance marketplace/ICHRA, and CP.PMN.16 for Medicaid"
)

I_C = Criterion(
    "I.C",
    "Other diagnoses/indications (must meet 1 or 2)",
    ONE_OF,
    (
        Criterion(
            "I.C.1",
            "If this drug has recently (within the last 6 months) undergone a label change (e.g., newly "
            "approved indication, age expansion, new dosing regimen) that is not yet reflected in this "
            "policy, refer to one of the following policies (a or b)",
            ONE_OF,
            (
                Criterion("I.C.1.a", _FORMULARY_WORDS, LEAF, evaluator=_label_change_referral),
                Criterion("I.C.1.b", _NON_FORMULARY_WORDS, LEAF, evaluator=_label_change_referral),
            ),
        ),
        Criterion(
            "I.C.2",
            "If the requested use (e.g., diagnosis, age, dosing regimen) is NOT specifically listed under "
            "section III (Diagnoses/Indications for which coverage is NOT authorized) AND criterion 1 above "
            "does not apply, refer to the off-label use policy for the relevant line of business: CP.CPA.09 "
            "for commercial, HIM.PA.154 for health insurance marketplace/ICHRA, and CP.PMN.53 for Medicaid",
            LEAF,
            evaluator=_off_label_referral,
        ),
    ),
)

II_A = Criterion(
    "II.A",
    "Doxorubicin-Induced Cardiomyopathy (must meet all)",
    ALL,
    (
        Criterion(
            "II.A.1",
            "Member meets one of the following (a or b)",
            ONE_OF,
            (
                Criterion(
                    "II.A.1.a",
                    "Currently receiving medication via Centene benefit or member has previously met initial "
                    "approval criteria",
                    LEAF,
                    evaluator=_previously_met_initial_criteria,
                    documentation=(
                        "Send the earlier prior authorization number, or the chart notes showing the initial "
                        "approval criteria were met: the health plan checks them against its own records."
                    ),
                    attestable=False,
                    asked=False,  # only the plan's own records settle it, no clinician's answer can
                ),
                Criterion(
                    "II.A.1.b",
                    "Member is currently receiving medication and is enrolled in a state and product with "
                    "continuity of care regulations (refer to state specific addendums for CC.PHARM.03A and "
                    "CC.PHARM.03B)",
                    LEAF,
                    evaluator=ev.documented_only,
                    documentation=(
                        "Send evidence that the member currently receives dexrazoxane; the health plan "
                        "checks the member's enrollment in a state and product with continuity-of-care "
                        "regulations."
                    ),
                    attestable=False,
                    asked=False,  # only the plan's own records settle it, no clinician's answer can
                ),
            ),
        ),
        Criterion(
            "II.A.2",
            "Member continues to receive doxorubicin",
            LEAF,
            evaluator=ev.concurrent_doxorubicin,
            documentation="Send the current doxorubicin order.",
            asked=False,  # structured data always settles it: its absence from the record decides
        ),
        Criterion(
            "II.A.3",
            "Member is responding positively to therapy",
            LEAF,
            evaluator=ev.responding_to_therapy,
            documentation="Send chart notes showing that the member is responding positively to therapy.",
        ),
        Criterion(
            "II.A.4",
            _DOSE_OPTIONS_WORDS,
            ONE_OF,
            order_detail=DOSE,
            children=(
                Criterion(
                    "II.A.4.a",
                    _RATIO_WORDS,
                    LEAF,
                    evaluator=ev.dose_ratio_within_limit,
                    documentation=_RATIO_DOCUMENTATION,
                ),
                Criterion(
                    "II.A.4.b",
                    _LITERATURE_WORDS,
                    LEAF,
                    evaluator=ev.supporting_evidence_continued,
                    documentation=_LITERATURE_DOCUMENTATION,
                    # Reviewed by the payer, never settled by a tick (docs/facts.md "Record integrity"); the
                    # evaluator reads the answer and what is attached to it.
                    attestable=False,
                ),
            ),
        ),
    ),
)

II_B = Criterion(
    "II.B",
    "Anthracycline-Induced Extravasation (off-label): Re-authorization is not permitted. Member must meet "
    "the initial approval criteria.",
    LEAF,
    evaluator=_judged_on_initial_extravasation_criteria,
)

III = Criterion(
    "III",
    "Diagnoses/Indications for which coverage is NOT authorized: Non-FDA approved indications, which are "
    "not addressed in this policy, unless there is sufficient documentation of efficacy and safety according "
    "to the off label use policies \u2013 CPA.09 for commercial, HIM.PA.154 for health insurance "
    "marketplace/ICHRA, and CP.PMN.53 for Medicaid, or evidence of coverage documents.",
    LEAF,
    evaluator=_off_label_review,
)


POLICY: PolicyTree = build_tree((I_A, I_B, I_C, II_A, II_B, III))
