from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.clinical.documentation import documented_answers
from cds_service.fhir.pool import Resource
from tests.clinical.builders import pool_of

ORDER = "MedicationRequest/dex"
START = date(2026, 10, 5)


def response(
    rid: str,
    answers: dict[str, bool],
    *,
    status: str = "completed",
    authored: str = "2026-10-01",
    **extra: Any,
) -> Resource:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "status": status,
        "authored": authored,
        "questionnaire": extra.get(
            "questionnaire", "http://example.org/fhir/Questionnaire/cp-phar-418-dexrazoxane"
        ),
        "item": [
            {
                "linkId": "group",
                "item": [{"linkId": k, "answer": [{"valueBoolean": v}]} for k, v in answers.items()],
            }
        ],
    }


def test_nested_boolean_answers_keyed_by_criterion() -> None:
    found = documented_answers(pool_of(response("qr", {"II.A.3": True, "I.A.5.b": False})), ORDER, START)
    assert {k: f.value for k, f in found.items()} == {"II.A.3": True, "I.A.5.b": False}
    assert found["II.A.3"].evidence == ("QuestionnaireResponse/qr",)


def test_latest_answer_wins_and_drafts_or_other_questionnaires_are_ignored() -> None:
    pool = pool_of(
        response("new", {"II.A.3": True}, authored="2026-10-02"),
        response("old", {"II.A.3": False}, authored="2026-09-01"),
        response("draft", {"I.A.2": True}, status="in-progress"),
        response("other", {"I.A.1": True}, questionnaire="http://example.org/Questionnaire/phq-9"),
    )
    found = documented_answers(pool, ORDER, START)
    assert set(found) == {"II.A.3"}
    assert found["II.A.3"].value is True


def test_an_answer_older_than_a_month_before_the_order_is_not_reused() -> None:
    """II.A.3 "responding positively" must be current; literature support is for the dose now asked."""
    pool = pool_of(
        response("last-year", {"II.A.3": True}, authored="2025-03-01"),
        response("recent", {"I.A.5.b": True}, authored="2026-09-05"),  # 30 days before the order
    )
    assert set(documented_answers(pool, ORDER, START)) == {"I.A.5.b"}


def test_an_answer_that_names_this_order_counts_whenever_it_was_authored() -> None:
    linked = response("linked", {"II.A.3": True}, authored="2025-03-01")
    linked["extension"] = [
        {
            "url": "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context",
            "valueReference": {"reference": ORDER},
        }
    ]
    other = response("other-order", {"I.A.2": True}, authored="2025-03-01")
    other["basedOn"] = [{"reference": "MedicationRequest/another"}]
    assert set(documented_answers(pool_of(linked, other), ORDER, START)) == {"II.A.3"}


def test_a_recent_answer_written_for_another_order_does_not_settle_this_one() -> None:
    """Literature support for an earlier 500 mg/m2 order is not support for today's 750 mg/m2."""
    other = response("other", {"I.A.5.b": True}, authored="2026-09-25")
    other["basedOn"] = [{"reference": "MedicationRequest/old-dz"}]
    assert documented_answers(pool_of(other), ORDER, START) == {}


def test_responses_authored_at_the_same_moment_do_not_depend_on_their_order() -> None:
    # CONTRACT §2.1 "Nothing depends on resource order": a tie is broken by reference, not by position.
    a = response("a", {"II.A.3": False}, authored="2026-10-02")
    b = response("b", {"II.A.3": True}, authored="2026-10-02")
    first = documented_answers(pool_of(a, b), ORDER, START)["II.A.3"]
    second = documented_answers(pool_of(b, a), ORDER, START)["II.A.3"]
    assert first == second
