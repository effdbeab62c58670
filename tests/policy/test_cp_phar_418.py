from __future__ import annotations

from cds_service.clinical.facts import DoseTotal, Fact
from cds_service.policy import evaluators as ev
from cds_service.policy.cp_phar_418 import POLICY, POLICY_URL
from cds_service.policy.outcome import Outcome
from cds_service.policy.tree import Kind
from tests.policy.policy_facts import adult_on_doxorubicin

# docs/decisions.md "Criterion ids"
POLICY_NUMBERED_IDS = [
    "I.A", "I.A.1", "I.A.2", "I.A.3", "I.A.3.a", "I.A.3.b", "I.A.3.b.i", "I.A.3.b.i.1", "I.A.3.b.i.2",
    "I.A.3.b.ii", "I.A.3.b.iii", "I.A.3.b.iv", "I.A.3.b.v", "I.A.3.b.vi", "I.A.4", "I.A.5", "I.A.5.a",
    "I.A.5.b", "I.B", "I.B.1", "I.B.2", "I.B.3", "I.B.4", "I.C", "II.A", "II.A.1", "II.A.1.a", "II.A.1.b",
    "II.A.2", "II.A.3", "II.A.4", "II.A.4.a", "II.A.4.b", "II.B", "III",
]  # fmt: skip


def test_every_contract_criterion_is_in_the_tree() -> None:
    assert [cid for cid in POLICY.ids() if cid in POLICY_NUMBERED_IDS] == POLICY_NUMBERED_IDS
    assert set(POLICY.ids()) - set(POLICY_NUMBERED_IDS) == {"I.C.1", "I.C.1.a", "I.C.1.b", "I.C.2"}


def test_criteria_carry_the_policys_words() -> None:
    assert POLICY["I.A.3.a"].text == (
        "Age ≥ 18 years, and member has received a cumulative doxorubicin dose of ≥ 300 mg/m²"
    )
    assert (
        POLICY["I.B.4"].text == "Dose does not exceed 2,000 mg per day on days 1 and 2, and 1,000 mg on day 3"
    )
    assert POLICY["II.A.3"].text == "Member is responding positively to therapy"
    assert POLICY["I.A.3.b.i"].kind is Kind.ONE_OF and POLICY["I.A.3.b.i"].evaluator is ev.pediatric_all


def test_every_pathway_criterion_says_what_to_send_when_unknown() -> None:
    for pathway in ("I.A", "I.B", "II.A"):
        for node in POLICY[pathway].walk():
            if node.evaluator is not None:
                assert node.documentation.startswith(("Send ", "Confirm ")), node.id


def test_policy_url_is_absolute() -> None:
    assert POLICY_URL.startswith("https://") and POLICY_URL.endswith("CP.PHAR.418.pdf")


def test_ii_a_1_a_is_met_when_the_data_meets_the_initial_criteria() -> None:
    met = POLICY.evaluate("II.A.1.a", adult_on_doxorubicin()).result
    assert met.outcome is Outcome.MET
    short = POLICY.evaluate("II.A.1.a", adult_on_doxorubicin(cumulative_doxorubicin=DoseTotal(250.0))).result
    assert short.outcome is Outcome.UNKNOWN  # may have met them before, or receive it via the benefit


def test_ii_b_mirrors_the_initial_extravasation_criteria() -> None:
    extravasation = adult_on_doxorubicin(anthracycline_extravasation=Fact(True), age_years=Fact(17))
    result = POLICY.evaluate("II.B", extravasation).result
    assert result.outcome is Outcome.NOT_MET
    assert "judged on the initial criteria I.B" in result.reason


def test_i_c_refers_a_denied_request_to_the_off_label_policy() -> None:
    medicaid = adult_on_doxorubicin(line_of_business=Fact("medicaid"))
    i_c = POLICY.evaluate("I.C", medicaid).result
    assert i_c.outcome is Outcome.MET
    assert [(c.id, c.outcome) for c in i_c.children] == [("I.C.1", Outcome.NOT_MET), ("I.C.2", Outcome.MET)]
    assert i_c.children[1].reason.endswith("CP.PMN.53")
    iii = POLICY.evaluate("III", medicaid).result
    assert iii.outcome is Outcome.UNKNOWN and "CP.PMN.53" in iii.reason


def test_the_regimen_footnote_of_i_a_5_and_ii_a_4_is_shown_with_their_words_not_evaluated() -> None:
    """The policy's asterisk: '*Prescribed regimen must be FDA-approved or recommended by NCCN'. No data
    can settle it, so it is part of the node's words and adds no criterion (the outcome is unchanged)."""
    footnote = "*Prescribed regimen must be FDA-approved or recommended by NCCN"
    for node_id in ("I.A.5", "II.A.4"):
        node = POLICY[node_id]
        assert node.text.startswith("Request meets one of the following (a or b)*")
        assert footnote in node.text
        assert node.kind is Kind.ONE_OF and node.evaluator is None
        assert [child.id for child in node.children] == [f"{node_id}.a", f"{node_id}.b"]
    assert POLICY.evaluate("I.A.5", adult_on_doxorubicin()).result.outcome is Outcome.MET


def test_reasons_quote_outcomes_in_words_never_as_raw_values() -> None:
    """A clinician reads these reasons on the card: "not met", never "not_met"."""
    for facts in (adult_on_doxorubicin(), adult_on_doxorubicin(concurrent_doxorubicin=Fact(False))):
        for section in ("II.A", "II.B"):
            for node in POLICY.evaluate(section, facts).result.walk():
                assert "not_met" not in node.reason and "(unknown)" not in node.reason, node.id
