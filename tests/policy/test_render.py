from __future__ import annotations

from cds_service.clinical.facts import Fact
from cds_service.policy.decide import determine
from cds_service.policy.render import determination_to_json, determination_to_text
from tests.policy.policy_facts import adult_on_doxorubicin

ORDER = {"resourceType": "MedicationRequest", "id": "dex"}


def test_json_follows_contract_section_4() -> None:
    document = determination_to_json(determine(adult_on_doxorubicin(), ORDER))
    assert document["order"] == "MedicationRequest/dex"
    assert document["policy"]["id"] == "CP.PHAR.418" and document["policy"]["url"].startswith("https://")
    assert (document["pathway"], document["decision"]) == ("I.A", "approve")
    assert document["approval"] == {"start": "2026-11-28", "end": "2027-01-30"}
    assert document["documentation"] == []
    root = document["criteria"]
    assert set(root) == {"id", "text", "outcome", "reason", "evidence", "children"}
    assert (root["id"], root["outcome"]) == ("I.A", "met")
    assert [child["id"] for child in root["children"]] == ["I.A.1", "I.A.2", "I.A.3", "I.A.4", "I.A.5"]
    assert document["facts"]["age_years"] == 54
    assert document["facts"]["dose_ratio"] == 10.0


def test_json_of_a_pend_lists_the_documentation() -> None:
    det = determine(adult_on_doxorubicin(prescriber_onc_or_hem=Fact(None)), ORDER)
    document = determination_to_json(det)
    assert document["decision"] == "pend" and document["approval"] is None
    assert document["documentation"][0]["criterion"] == "I.A.2"


def test_json_of_not_applicable_has_no_tree() -> None:
    document = determination_to_json(
        determine(adult_on_doxorubicin(line_of_business=Fact("medicare")), ORDER)
    )
    assert (document["decision"], document["pathway"], document["criteria"]) == ("not-applicable", None, None)


def test_text_puts_decision_and_approval_first_then_the_indented_tree() -> None:
    lines = determination_to_text(determine(adult_on_doxorubicin(), ORDER)).splitlines()
    assert lines[1] == "Decision: APPROVE on I.A"
    assert lines[2] == "Approval: 2026-11-28 to 2027-01-30 (inclusive)"
    assert "[✓] I.A Doxorubicin-Induced Cardiomyopathy (must meet all)" in lines
    assert (
        "    [✓] I.A.3.a Age ≥ 18 years, and member has received a cumulative doxorubicin dose of ≥ 300 mg/m²"
        in lines
    )
    assert (
        "    [✗] I.A.3.b Prescribed for one of the following NCCN 2A or higher supported indications (i-vi)"
        in lines
    )
    assert any(line.strip() == "evidence: Patient/p, MedicationAdministration/a1" for line in lines)


def test_text_of_a_deny_names_the_referral_and_shows_i_c() -> None:
    text = determination_to_text(determine(adult_on_doxorubicin(concurrent_doxorubicin=Fact(False)), ORDER))
    assert "Decision: DENY on I.A" in text
    assert "Off-label review (I.C.2): CP.CPA.09" in text
    assert "[✗] I.A.4 Will be used concurrently with doxorubicin" in text
    assert "[✓] I.C.2 " in text
