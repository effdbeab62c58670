from __future__ import annotations

from collections.abc import Callable

import pytest

from cds_service.policy.determination import Decision, Determination
from cds_service.response.cards import (
    SUMMARY_LIMIT,
    decision_summary,
    external_reference_card,
    instructions_card,
    propose_alternate_card,
)
from cds_service.response.crd_terms import CrdVersion
from cds_service.response.dose_proposal import dose_proposal
from tests.response.determinations import (
    approve,
    coverage_unknown,
    deceased,
    deny,
    medicare,
    over_ratio,
    pend,
)

KEY = b"test-card-key"
PLAN = "Example Health Plan"


def card_for(determination: Determination) -> dict[str, object]:
    return instructions_card(determination, notes=(), health_plan=PLAN, version=CrdVersion.SAFE, key=KEY)


@pytest.mark.parametrize(
    ("make", "indicator", "words"),
    [
        (approve, "info", "approved"),
        (pend, "warning", "prior authorization"),
        (deny, "warning", "not covered"),
        (medicare, "info", "not reviewed"),
    ],
)
def test_summary_names_dexrazoxane_and_the_decision_with_its_indicator(
    make: Callable[[], Determination], indicator: str, words: str
) -> None:
    card = card_for(make())
    assert card["indicator"] == indicator
    summary = str(card["summary"])
    assert summary.startswith("Dexrazoxane") and words in summary and len(summary) < SUMMARY_LIMIT


def test_a_long_summary_is_cut_below_the_limit() -> None:
    determination = deny()
    long = Determination(
        **{**determination.__dict__, "off_label_policies": ("CP.CPA.09", "HIM.PA.154", "CP.PMN.53") * 10}
    )
    assert len(decision_summary(long)) >= SUMMARY_LIMIT
    assert len(str(card_for(long)["summary"])) < SUMMARY_LIMIT


def test_instructions_detail_lists_the_deciding_criteria_the_evidence_summary_and_approval() -> None:
    card = card_for(approve())
    detail = str(card["detail"])
    assert "links" not in card and "suggestions" not in card
    assert "MedicationRequest/dex-1" in detail
    assert "- **I.A** " in detail and "  - **I.A.2** words of I.A.2: **met**" in detail
    assert "BSA used: **1.80 m²**" in detail
    assert (
        "Cumulative doxorubicin administered: **300 mg/m²** (2 administrations, 2026-09-01 to 2026-10-01)"
        in detail
    )
    assert "**2026-11-28** through **2027-01-30**" in detail


def test_a_pend_lists_the_documentation_criterion_by_criterion() -> None:
    detail = str(card_for(pend())["detail"])
    assert "**I.A.2** words of I.A.2: **not shown — documentation needed**" in detail
    assert "### Still needed" in detail
    assert "- **I.A.2**: Send the prescriber's specialty." in detail
    # what to send comes before the criteria and the evidence
    assert detail.index("### Still needed") < detail.index("### Deciding criteria")


def test_a_deny_names_the_unmet_criterion_and_the_off_label_policy() -> None:
    detail = str(card_for(deny())["detail"])
    assert "**I.A.4** words of I.A.4: **not met**" in detail
    assert "CP.CPA.09" in detail


def test_the_external_reference_card_links_the_policy_absolutely() -> None:
    card = external_reference_card(approve(), health_plan=PLAN, version=CrdVersion.SAFE, key=KEY)
    (link,) = card["links"]
    assert link["type"] == "absolute" and link["url"].startswith("https://")
    assert card["source"] == {
        "label": PLAN,
        "url": link["url"],
        "topic": {
            "system": "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp",
            "code": "guideline",
            "display": "Guideline",
        },
    }


def test_the_propose_alternate_card_has_one_update_suggestion_with_uuids() -> None:
    determination = over_ratio()
    proposal = dose_proposal(determination.facts, determination.order_resource)
    assert proposal is not None
    card = propose_alternate_card(determination, proposal, health_plan=PLAN, version=CrdVersion.SAFE, key=KEY)
    (suggestion,) = card["suggestions"]
    (action,) = suggestion["actions"]
    assert card["selectionBehavior"] == "at-most-one"
    assert suggestion["uuid"] != card["uuid"]
    assert action["type"] == "update" and action["resource"]["id"] == "dex-1"
    assert "500 mg/m²" in action["description"]


@pytest.mark.parametrize(
    ("would", "verb"),
    [(Decision.APPROVE, "approve"), (Decision.DENY, "deny"), (Decision.PEND, "ask for documentation")],
)
def test_an_unknown_line_of_business_says_what_the_policy_would_decide(would: Decision, verb: str) -> None:
    card = card_for(coverage_unknown(would))
    summary, detail = str(card["summary"]), str(card["detail"])
    assert card["indicator"] == "warning" and len(summary) < SUMMARY_LIMIT
    assert summary == f"Dexrazoxane needs the member's coverage: CP.PHAR.418 would {verb} if it applies"
    assert detail.startswith("**Coverage needed**")
    assert "Line of business unknown (Coverage has no mapped payer/plan" in detail
    assert "- **coverage**: Send the member's coverage" in detail


def test_a_deceased_patient_is_not_decided_and_the_card_says_why() -> None:
    card = card_for(deceased())
    assert card["summary"] == "Dexrazoxane not decided: the record says the patient has died (CP.PHAR.418)"
    assert str(card["detail"]).startswith("**Not decided** (CP.PHAR.418 I.A; MedicationRequest/dex-1): the")
    assert "recorded as deceased on 2026-11-01" in str(card["detail"])
