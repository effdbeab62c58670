from __future__ import annotations

from dataclasses import replace
from datetime import date

from cds_service.clinical.facts import DoseTotal, ExtravasationDay, Fact
from cds_service.policy.decide import determine
from cds_service.policy.determination import Decision
from cds_service.policy.outcome import Outcome
from tests.policy.policy_facts import adult_on_doxorubicin, documented

ORDER = {"resourceType": "MedicationRequest", "id": "dex"}


def test_met_pathway_approves_with_the_approval_period() -> None:
    det = determine(adult_on_doxorubicin(), ORDER)
    assert (det.decision, det.pathway) == (Decision.APPROVE, "I.A")
    assert det.criteria is not None and det.criteria.outcome is Outcome.MET
    assert det.approval is not None and (det.approval.start, det.approval.end) == (
        date(2026, 11, 28),
        date(2027, 1, 30),
    )
    assert det.documentation == () and det.off_label_policies == () and det.related == ()
    assert det.order_resource is ORDER


def test_an_unmet_criterion_denies_and_names_the_off_label_policy() -> None:
    det = determine(
        adult_on_doxorubicin(concurrent_doxorubicin=Fact(False), line_of_business=Fact("medicaid")), ORDER
    )
    assert det.decision is Decision.DENY
    assert det.approval is None and det.documentation == ()
    assert det.off_label_policies == ("CP.PMN.53",)
    assert [node.id for node in det.related] == ["I.C", "III"]
    assert "not met: I.A.4" in det.reason and "CP.PMN.53" in det.reason


def test_an_unsettled_criterion_pends_with_what_to_send() -> None:
    facts = adult_on_doxorubicin(prescriber_onc_or_hem=Fact(None), dose_ratio=Fact(10.5))
    det = determine(facts, ORDER)
    assert det.decision is Decision.PEND and det.approval is None
    assert [d.criterion for d in det.documentation] == ["I.A.2", "I.A.5.b"]
    assert det.documentation[0].request.startswith("Send the prescriber's specialty")


def test_deny_wins_over_pend_and_asks_for_nothing() -> None:
    facts = adult_on_doxorubicin(prescriber_onc_or_hem=Fact(None), cumulative_doxorubicin=DoseTotal(100.0))
    det = determine(facts, ORDER)
    assert det.decision is Decision.DENY and det.documentation == ()


def test_medicare_is_not_applicable_without_a_tree() -> None:
    det = determine(adult_on_doxorubicin(line_of_business=Fact("medicare")), ORDER)
    assert (det.decision, det.pathway, det.criteria, det.approval) == (
        Decision.NOT_APPLICABLE,
        None,
        None,
        None,
    )
    assert "Medicare" in det.reason


def test_an_unknown_line_of_business_pends_a_deny_naming_all_three_policies() -> None:
    """Line of business unknown never approves or denies (docs/decisions.md): the would-be deny pends
    for the member's coverage, still naming every off-label policy and I.C beside it."""
    det = determine(
        adult_on_doxorubicin(
            line_of_business=Fact(None, (), "no active Coverage in the data"),
            concurrent_doxorubicin=Fact(False),
        ),
        ORDER,
    )
    assert (det.decision, det.if_applies) == (Decision.PEND, Decision.DENY)
    assert det.off_label_policies == ("CP.CPA.09", "HIM.PA.154", "CP.PMN.53")
    assert [node.id for node in det.related] == ["I.C", "III"]
    assert [doc.criterion for doc in det.documentation] == ["coverage"]
    assert "the member's coverage is needed" in det.reason
    assert "no active Coverage in the data" in det.reason and "if it applies: deny" in det.reason


def test_an_unknown_line_of_business_never_approves() -> None:
    det = determine(adult_on_doxorubicin(line_of_business=Fact(None)), ORDER)
    assert (det.decision, det.if_applies, det.approval) == (Decision.PEND, Decision.APPROVE, None)
    assert [doc.criterion for doc in det.documentation] == ["coverage"]
    assert "the member's coverage" in det.documentation[0].request


def test_an_unknown_line_of_business_with_open_criteria_asks_for_both() -> None:
    det = determine(
        adult_on_doxorubicin(line_of_business=Fact(None), prescriber_onc_or_hem=Fact(None)), ORDER
    )
    assert (det.decision, det.if_applies) == (Decision.PEND, Decision.PEND)
    assert [doc.criterion for doc in det.documentation] == ["I.A.2", "coverage"]


def test_a_coverage_read_in_part_asks_for_all_of_it() -> None:
    det = determine(
        adult_on_doxorubicin(line_of_business=Fact(None), undecidable="prefetch.coverage incomplete"), ORDER
    )
    assert det.decision is Decision.PEND
    assert det.documentation[-1].criterion == "coverage"
    assert "could not be read whole" in det.documentation[-1].request
    assert "prefetch.coverage incomplete" in det.reason


def test_a_patient_recorded_as_deceased_is_neither_approved_nor_denied() -> None:
    dead = Fact(True, ("Patient/p",), "the Patient is recorded as deceased (no date of death)")
    for changes in ({}, {"concurrent_doxorubicin": Fact(False)}):
        det = determine(adult_on_doxorubicin(deceased=dead, **changes), ORDER)
        assert det.decision is Decision.PEND and det.approval is None
        assert det.documentation[-1].criterion == "vital-status"
        assert "recorded as deceased" in det.reason
    # outside the policy's lines of business it is still not-applicable
    medicare = determine(adult_on_doxorubicin(deceased=dead, line_of_business=Fact("medicare")), ORDER)
    assert medicare.decision is Decision.NOT_APPLICABLE


def test_extravasation_is_judged_on_i_b_with_ii_b_beside_it() -> None:
    course = tuple(ExtravasationDay(d, mg) for d, mg in ((1, 2000.0), (2, 2000.0), (3, 1000.0)))
    facts = adult_on_doxorubicin(
        order_purpose=Fact("extravasation"),
        anthracycline_extravasation=Fact(True),
        prior_dexrazoxane_cardioprotection=Fact(True),
        extravasation_course=course,
    )
    det = determine(facts, ORDER)
    assert (det.decision, det.pathway) == (Decision.APPROVE, "I.B")
    assert [(n.id, n.outcome) for n in det.related] == [("II.B", Outcome.MET)]
    assert det.approval is not None and det.approval.end == date(2026, 11, 30)


def test_continued_therapy_pends_until_response_is_documented() -> None:
    facts = adult_on_doxorubicin(prior_dexrazoxane_cardioprotection=Fact(True))
    pend = determine(facts, ORDER)
    assert (pend.decision, pend.pathway) == (Decision.PEND, "II.A")
    assert [d.criterion for d in pend.documentation] == ["II.A.3"]
    approve = determine(
        adult_on_doxorubicin(
            prior_dexrazoxane_cardioprotection=Fact(True), documented=documented(II_A_3=True)
        ),
        ORDER,
    )
    assert approve.decision is Decision.APPROVE
    assert approve.approval is not None and approve.approval.end == date(2027, 1, 30)


def test_continued_therapy_approves_on_an_improved_cancer_disease_status() -> None:
    improved = Fact(True, ("Observation/cds",), "cancer disease status on 2026-11-20: improved")
    facts = adult_on_doxorubicin(
        prior_dexrazoxane_cardioprotection=Fact(True), responding_to_therapy=improved
    )
    approve = determine(facts, ORDER)
    assert approve.decision is Decision.APPROVE
    node = next(n for n in approve.criteria.walk() if n.id == "II.A.3") if approve.criteria else None
    assert node is not None and node.evidence == ("Observation/cds",)
    # a stable or worse status is named, and the response is asked for
    stable = Fact(None, ("Observation/cds",), "cancer disease status on 2026-11-20: stable")
    pend = determine(replace(facts, responding_to_therapy=stable), ORDER)
    assert pend.decision is Decision.PEND
    assert [d.criterion for d in pend.documentation] == ["II.A.3"]
    assert "stable" in pend.documentation[0].request


def test_met_criteria_pend_when_the_end_of_doxorubicin_therapy_cannot_be_read() -> None:
    """I.A approval duration: "12 months or duration of doxorubicin therapy, whichever is less". With no
    date for the last doxorubicin dose the approval cannot honour it, so the schedule is asked for."""
    facts = adult_on_doxorubicin(
        last_planned_doxorubicin_date=Fact(
            None, ("MedicationRequest/dox",), "a doxorubicin dose to come has no date"
        )
    )
    det = determine(facts, ORDER)
    assert det.criteria is not None and det.criteria.outcome is Outcome.MET
    assert det.decision is Decision.PEND and det.approval is None
    assert [d.criterion for d in det.documentation] == ["I.A"]
    assert "doxorubicin schedule" in det.documentation[0].request
    assert "a doxorubicin dose to come has no date" in det.reason


def test_an_extravasation_approval_needs_no_doxorubicin_schedule() -> None:
    facts = adult_on_doxorubicin(
        anthracycline_extravasation=Fact(True, ("Condition/x",)),
        extravasation_course_order=Fact(True),
        extravasation_course=(
            ExtravasationDay(1, 1800.0),
            ExtravasationDay(2, 1800.0),
            ExtravasationDay(3, 900.0),
        ),
        last_planned_doxorubicin_date=Fact(None),
    )
    det = determine(facts, ORDER)
    assert (det.pathway, det.decision, det.documentation) == ("I.B", Decision.APPROVE, ())
    assert det.approval is not None and det.approval.end == date(2026, 11, 30)


def test_a_clinicians_yes_cannot_settle_what_only_the_plans_records_hold() -> None:
    """II.A.1 (benefit history, continuity of care) is the plan's record: the documented "yes" is not
    taken, so a continuation the data does not show under I.A pends for the plan's pharmacist."""
    facts = adult_on_doxorubicin(
        prior_dexrazoxane_cardioprotection=Fact(True, ("MedicationAdministration/dex-1",)),
        cumulative_doxorubicin=DoseTotal(100.0, 0, ("MedicationAdministration/d1",)),
        documented=documented(II_A_1_a=True, II_A_1_b=True, II_A_3=True),
    )
    det = determine(facts, ORDER)
    assert (det.pathway, det.decision) == ("II.A", Decision.PEND)
    assert det.criteria is not None
    outcomes = {node.id: node.outcome for node in det.criteria.walk()}
    assert outcomes["II.A.1.a"] is Outcome.UNKNOWN and outcomes["II.A.3"] is Outcome.MET


def test_a_documentation_request_says_what_is_still_open() -> None:
    det = determine(
        adult_on_doxorubicin(prescriber_onc_or_hem=Fact(None, (), "no recorded specialty")), ORDER
    )
    (request,) = det.documentation
    assert request.criterion == "I.A.2"
    assert request.request.endswith(
        "Still open: no recorded specialty; no oncology/hematology consultation recorded."
    )


def test_other_government_programs_and_self_pay_are_outside_the_policy() -> None:
    for line in ("other-government", "self-pay"):
        det = determine(adult_on_doxorubicin(line_of_business=Fact(line)), ORDER)
        assert det.decision is Decision.NOT_APPLICABLE, line


def test_evidence_received_is_not_asked_for_again_and_the_reason_says_it_awaits_review() -> None:
    facts = adult_on_doxorubicin(
        dose_ratio=Fact(20.0),
        documented=documented(**{"I_A_5_b": True}),
        submitted_evidence={"I.A.5.b": ("DocumentReference/lit",)},
    )
    det = determine(facts, ORDER)
    assert (det.decision, det.documentation, det.evidence_under_review) == (Decision.PEND, (), ("I.A.5.b",))
    assert "supporting evidence for I.A.5.b received, awaiting the payer's review" in det.reason


def test_the_reason_says_the_line_of_business_was_read_from_text() -> None:
    lob = Fact(
        "medicare", ("Coverage/c",), "line of business read from Coverage text: type 'Medicare Advantage'"
    )
    det = determine(adult_on_doxorubicin(line_of_business=lob), ORDER)
    assert det.decision is Decision.NOT_APPLICABLE
    assert "(line of business read from Coverage text: type 'Medicare Advantage')" in det.reason


def test_the_reason_names_the_pathway_rule_when_an_extravasation_is_in_play() -> None:
    facts = adult_on_doxorubicin(
        anthracycline_extravasation=Fact(None, ("Condition/x",), "no drug identified"),
        extravasation_course_order=Fact(
            False, ("MedicationRequest/dex",), "signed together with a doxorubicin order"
        ),
    )
    det = determine(facts, ORDER)
    assert det.pathway == "I.A"
    assert "the order is not an extravasation course (signed together with a doxorubicin order)" in det.reason


def test_the_documentation_asks_only_for_what_is_open_in_a_compound_criterion() -> None:
    """Ph-negative ALL on DFCI 11-001 with chest radiation planned: only the Ph result is open, so only it
    is asked for, never the enrollment or the radiation the record shows."""
    child = adult_on_doxorubicin(
        age_years=Fact(14, ("Patient/p",)),
        cumulative_doxorubicin=DoseTotal(60.0),
        acute_lymphoblastic_leukemia=Fact(True, ("Condition/all",)),
        ph_positive=Fact(None, (), "no Ph status recorded"),
        dfci_all_protocol=Fact(True, ("ResearchSubject/rs",)),
        planned_anthracycline=DoseTotal(180.0),
        heart_radiation=Fact(True, ("ServiceRequest/rt",)),
        relapsed_or_refractory=Fact(None),
    )
    pend = determine(child, ORDER)
    requests = {d.criterion: d.request for d in pend.documentation}
    assert requests["I.A.3.b.i.1"].startswith("Send the Ph-negative (BCR-ABL1) result. Still open:")
    assert "enrollment" not in requests["I.A.3.b.i.1"] and "radiation" not in requests["I.A.3.b.i.1"]
    # every part open: every part asked for, the anthracycline plan or the radiation as one
    unsure = replace(
        child,
        dfci_all_protocol=Fact(None),
        planned_anthracycline=DoseTotal(180.0, 1),
        heart_radiation=Fact(None),
    )
    request = {d.criterion: d.request for d in determine(unsure, ORDER).documentation}["I.A.3.b.i.1"]
    assert request.startswith(
        "Send the Ph-negative (BCR-ABL1) result, the DFCI ALL Protocol 11-001 or 16-001 enrollment, and the "
        "treatment plan showing an anticipated cumulative anthracycline dose of at least 250 mg/m² "
        "doxorubicin equivalent or radiation to the chest, abdomen, spine or total body."
    )
    # a pediatric indication whose diagnosis is read asks only for the birth date
    hodgkin = adult_on_doxorubicin(age_years=Fact(None), hodgkin_lymphoma=Fact(True, ("Condition/h",)))
    asked = {d.criterion: d.request for d in determine(hodgkin, ORDER).documentation}
    assert asked["I.A.3.b.iii"].startswith("Send the patient's birth date. Still open: age unknown")


def test_prior_dexrazoxane_not_read_pends_where_the_two_pathways_disagree() -> None:
    """Not read is not absent: prior dexrazoxane resting on a dose whose status cannot be read is judged on
    I.A, approved or denied only when II.A decides the same, else pending for the dose's status."""
    unread = Fact(
        False,
        (),
        "no dexrazoxane administration that counts shows cardioprotection in the 12 months before the order, "
        "but MedicationAdministration/dz (2026-11-07) could be one: its status is 'unknown'",
        ("MedicationAdministration/dz",),
    )
    not_responding = adult_on_doxorubicin(
        prior_dexrazoxane_cardioprotection=unread, documented=documented(II_A_3=False)
    )
    held = determine(not_responding, ORDER)
    assert (held.decision, held.pathway, held.approval) == (Decision.PEND, "I.A", None)
    assert held.criteria is not None and held.criteria.outcome is Outcome.MET
    assert "judged as a first course (I.A) it would approve, as continued therapy (II.A) deny" in held.reason
    assert "MedicationAdministration/dz" in held.reason
    assert [d.criterion for d in held.documentation] == ["I.A"]
    assert "Still open: " in held.documentation[0].request and "MedicationAdministration/dz" in (
        held.documentation[0].request
    )
    # both pathways approve: it stands; read as settled (a False with nothing unread): I.A as before
    both = determine(replace(not_responding, documented=documented(II_A_3=True)), ORDER)
    assert (both.decision, both.pathway, both.documentation) == (Decision.APPROVE, "I.A", ())
    settled = determine(replace(not_responding, prior_dexrazoxane_cardioprotection=Fact(False)), ORDER)
    assert settled.decision is Decision.APPROVE
    # no doxorubicin goes on: both pathways deny (I.A.4, II.A.2), and so does the order
    stopped = determine(replace(not_responding, concurrent_doxorubicin=Fact(False)), ORDER)
    assert (stopped.decision, stopped.pathway) == (Decision.DENY, "I.A")
