"""Not read is not absent, in the policy: a False with resources unread decides as unknown, everywhere."""

from __future__ import annotations

import dataclasses

import pytest

from cds_service.clinical.facts import ClinicalFacts, Fact
from cds_service.policy.cp_phar_418 import POLICY
from cds_service.policy.decide import determine
from cds_service.policy.not_read import settled
from tests.policy.policy_facts import adult_on_doxorubicin

BOOL_FACTS = [
    field.name
    for field in dataclasses.fields(ClinicalFacts)
    if field.name not in {"order_purpose", "line_of_business", "coverage", "course_first_day"}
    and "Fact" in str(field.type)
    and "bool" in str(field.type)
    and "dict" not in str(field.type)
]
ORDER = {"resourceType": "MedicationRequest", "id": "dex"}


def _summary(facts: ClinicalFacts) -> tuple[str, dict[str, str]]:
    determination = determine(facts, ORDER)
    outcomes = (
        {node.id: node.outcome.value for node in determination.criteria.walk()}
        if determination.criteria
        else {}
    )
    return determination.decision.value, outcomes


@pytest.mark.parametrize("name", BOOL_FACTS)
def test_a_false_with_resources_unread_decides_as_unknown(name: str) -> None:
    unread = Fact(False, ("Condition/read",), "what was read", ("Condition/not-read",))
    unknown = Fact(None, ("Condition/read", "Condition/not-read"), "what was read", ("Condition/not-read",))
    with_unread = adult_on_doxorubicin(**{name: unread})
    assert _summary(with_unread) == _summary(adult_on_doxorubicin(**{name: unknown}))
    assert getattr(settled(with_unread), name).value is None


def test_met_stays_met_and_a_plain_false_stays_not_met() -> None:
    facts = adult_on_doxorubicin(concurrent_doxorubicin=Fact(False))
    assert settled(facts) is facts
    assert POLICY.evaluate("I.A.4", facts).result.outcome.value == "not_met"
    met = adult_on_doxorubicin(concurrent_doxorubicin=Fact(True, (), "", ("MedicationRequest/x",)))
    assert POLICY.evaluate("I.A.4", met).result.outcome.value == "met"


def test_an_order_whose_purpose_is_not_read_pends_on_cardioprotection() -> None:
    purpose = Fact(
        None, (), "MedicationRequest/dex names an extravasation only in words", ("MedicationRequest/dex",)
    )
    facts = adult_on_doxorubicin(order_purpose=purpose)
    decision, outcomes = _summary(facts)
    assert decision == "pend" and outcomes["I.A.1"] == "unknown"
    denied_otherwise = adult_on_doxorubicin(order_purpose=purpose, concurrent_doxorubicin=Fact(False))
    assert _summary(denied_otherwise)[0] == "pend"
