from __future__ import annotations

from typing import Any

from cds_service.dtr.questionnaire import QUESTIONNAIRE_ID, questionnaire, questionnaire_canonical
from cds_service.dtr.questionnaire_items import CRITERION_LINK_IDS
from cds_service.policy.cp_phar_418 import POLICY
from cds_service.response.fhir_validation import r4_problem

BASE = "https://payer.example.org"


def items(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for node in nodes:
        found.append(node)
        found.extend(items(node.get("item", [])))
    return found


def test_the_questionnaire_is_valid_r4_with_its_id_canonical_url_and_version() -> None:
    resource = questionnaire(public_base_url=BASE + "/", publisher="Example Health Plan")
    assert r4_problem(resource) is None
    assert resource["id"] == QUESTIONNAIRE_ID
    assert resource["url"] == f"{BASE}/fhir/Questionnaire/{QUESTIONNAIRE_ID}"
    assert questionnaire_canonical(BASE) == f"{resource['url']}|{resource['version']}"
    assert resource["subjectType"] == ["Patient"]
    assert resource["status"] == "active"


def test_every_item_meets_the_dtr_minimum() -> None:
    for item in items(questionnaire(public_base_url=BASE, publisher="P")["item"]):
        assert item["linkId"] and item["type"] and item["text"]


def test_one_boolean_per_askable_criterion_in_the_policy_words() -> None:
    booleans = {
        item["linkId"]: item
        for item in items(questionnaire(public_base_url=BASE, publisher="P")["item"])
        if item["type"] == "boolean"
    }
    assert set(booleans) == CRITERION_LINK_IDS
    assert {"II.A.3", "I.A.5.b", "II.A.4.b", "I.A.2", "I.B.2", "I.A.3.b.i.1"} <= set(booleans)
    for criterion, item in booleans.items():
        assert item["text"] == POLICY[criterion].text


def test_structured_criteria_are_not_asked() -> None:
    assert not {"I.A.4", "II.A.2", "I.B.1"} & CRITERION_LINK_IDS


def test_computed_values_are_read_only() -> None:
    (computed,) = [
        item
        for item in questionnaire(public_base_url=BASE, publisher="P")["item"]
        if item["linkId"] == "computed"
    ]
    assert {item["linkId"] for item in computed["item"]} >= {
        "age-years",
        "cumulative-doxorubicin-mg-m2",
        "cumulative-anthracycline-mg-m2",
        "diagnoses",
    }
    assert all(item["readOnly"] for item in computed["item"])


def test_the_evidence_the_payer_reviews_has_a_place_to_be_attached() -> None:
    """docs/facts.md "Record integrity": a tick is never evidence; I.A.5.b and II.A.4.b carry an attachment
    item under them, which the service reads as evidence received for the payer's review."""
    for item in items(questionnaire(public_base_url=BASE, publisher="P")["item"]):
        if item["linkId"] in ("I.A.5.b", "II.A.4.b"):
            assert [(child["linkId"], child["type"]) for child in item["item"]] == [
                (item["linkId"] + ".evidence", "attachment")
            ]
        elif item["type"] == "boolean":
            assert "item" not in item


def test_the_members_coverage_has_a_question_under_the_documentation_lists_key() -> None:
    (group,) = [
        item
        for item in questionnaire(public_base_url=BASE, publisher="P")["item"]
        if item["linkId"] == "member-coverage"
    ]
    assert [(item["linkId"], item["type"]) for item in group["item"]] == [("coverage", "string")]
    assert "line of business" in group["item"][0]["text"]
