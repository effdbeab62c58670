from __future__ import annotations

from typing import Any

from cds_service.clinical.documentation import documented_answers
from cds_service.fhir.pool import Resource
from tests.clinical.builders import pool_of


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
    found = documented_answers(pool_of(response("qr", {"II.A.3": True, "I.A.5.b": False})))
    assert {k: f.value for k, f in found.items()} == {"II.A.3": True, "I.A.5.b": False}
    assert found["II.A.3"].evidence == ("QuestionnaireResponse/qr",)


def test_latest_answer_wins_and_drafts_or_other_questionnaires_are_ignored() -> None:
    pool = pool_of(
        response("new", {"II.A.3": True}, authored="2026-10-02"),
        response("old", {"II.A.3": False}, authored="2026-09-01"),
        response("draft", {"I.A.2": True}, status="in-progress"),
        response("other", {"I.A.1": True}, questionnaire="http://example.org/Questionnaire/phq-9"),
    )
    found = documented_answers(pool)
    assert set(found) == {"II.A.3"}
    assert found["II.A.3"].value is True
