from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.clinical.documentation import documented_answers, submitted_evidence, unsettled
from cds_service.clinical.facts import Fact
from cds_service.clinical.plausibility import Plausibility
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


def test_an_answer_that_names_this_order_counts_from_the_orders_date_whatever_the_window() -> None:
    linked = response("linked", {"II.A.3": True}, authored="2026-10-05T08:00:00-04:00")
    linked["extension"] = [
        {
            "url": "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context",
            "valueReference": {"reference": ORDER},
        }
    ]
    other = response("other-order", {"I.A.2": True}, authored="2025-03-01")
    other["basedOn"] = [{"reference": "MedicationRequest/another"}]
    found = documented_answers(pool_of(linked, other), ORDER, START)
    assert set(found) == {"II.A.3"} and found["II.A.3"].value is True


def test_an_answer_to_this_order_authored_before_the_order_existed_settles_nothing() -> None:
    """An answer carried over from an earlier request and re-linked to today's order cannot be about it."""
    carried = response("carried", {"II.A.3": True}, authored="2026-07-01T09:00:00Z")
    carried["basedOn"] = [{"reference": ORDER}]
    found = documented_answers(pool_of(carried), ORDER, START)["II.A.3"]
    assert found.value is None and found.evidence == ("QuestionnaireResponse/carried",)
    assert found.reason == (
        "QuestionnaireResponse/carried answers for MedicationRequest/dex but was authored 2026-07-01, "
        "before the order's date 2026-10-05: an answer cannot predate its order"
    )
    # a later answer to the order settles it
    again = response("again", {"II.A.3": True}, authored="2026-10-05T09:00:00Z")
    again["basedOn"] = [{"reference": ORDER}]
    assert documented_answers(pool_of(carried, again), ORDER, START)["II.A.3"].value is True


def test_an_attestation_the_record_contradicts_settles_nothing_and_says_why() -> None:
    pool = pool_of(response("qr", {"II.A.3": True}, authored="2026-10-01T09:00:00Z"))
    answers = {"II.A.3": Fact(True, ("QuestionnaireResponse/qr",), "documented")}
    finding = Fact(
        True, ("Condition/hf",), "cardiac dysfunction recorded since the therapy began: Condition/hf"
    )
    found = unsettled(answers, "II.A.3", pool, therapy_began=date(2026, 9, 1), contradicting=finding)
    assert found["II.A.3"] == Fact(
        None,
        ("QuestionnaireResponse/qr", "Condition/hf"),
        "QuestionnaireResponse/qr answers II.A.3 yes, but the record contradicts it: cardiac dysfunction "
        "recorded since the therapy began: Condition/hf",
    )
    # authored before the therapy it attests to began
    early = unsettled(answers, "II.A.3", pool, therapy_began=date(2026, 10, 2))["II.A.3"]
    assert early.value is None and "before the therapy it attests to began on 2026-10-02" in early.reason
    # nothing contradicts it, or the answer is no: as it was
    assert unsettled(answers, "II.A.3", pool, therapy_began=date(2026, 9, 1)) == answers
    no = {"II.A.3": Fact(False, ("QuestionnaireResponse/qr",), "documented")}
    assert unsettled(no, "II.A.3", pool, therapy_began=date(2026, 10, 2), contradicting=finding) == no
    # "no dysfunction" with a record unread that could show it (Fact.unread): the "yes" may be contradicted
    maybe = Fact(
        False, (), "no cardiac dysfunction recorded, but Observation/x could be an LVEF", ("Observation/x",)
    )
    may = unsettled(answers, "II.A.3", pool, therapy_began=date(2026, 9, 1), contradicting=maybe)["II.A.3"]
    assert (may.value, may.evidence) == (None, ("QuestionnaireResponse/qr", "Observation/x"))
    assert "but the record may contradict it: no cardiac dysfunction recorded" in may.reason
    read = Fact(False, (), "no cardiac dysfunction recorded")
    assert unsettled(answers, "II.A.3", pool, therapy_began=date(2026, 9, 1), contradicting=read) == answers


def test_a_recent_answer_written_for_another_order_does_not_settle_this_one() -> None:
    """Literature support for an earlier 500 mg/m2 order is not support for today's 750 mg/m2."""
    other = response("other", {"I.A.5.b": True}, authored="2026-09-25")
    other["basedOn"] = [{"reference": "MedicationRequest/old-dz"}]
    assert documented_answers(pool_of(other), ORDER, START) == {}


def with_answers(rid: str, answers: list[dict[str, Any]], link: str = "I.A.5.b", **extra: Any) -> Resource:
    resource = response(rid, {}, **extra)
    resource["item"][0]["item"] = [{"linkId": link, "answer": answers}]
    return resource


def test_evidence_is_an_attachment_or_a_document_reference_in_the_answer() -> None:
    """docs/facts.md "Record integrity": what a payer reviews is what the clinician attached, never the tick
    itself."""
    tick = {"valueBoolean": True}
    attachment = {"valueAttachment": {"contentType": "application/pdf", "title": "NCCN excerpt"}}
    document = {"valueReference": {"reference": "DocumentReference/lit-1"}}
    pool = pool_of(
        with_answers("qr", [tick, attachment]),
        with_answers("qr2", [tick, document], link="II.A.4.b"),
        with_answers("tick-only", [tick], link="II.A.4.b"),
    )
    found = submitted_evidence(pool, ORDER, START)
    assert found == {
        "I.A.5.b": ("QuestionnaireResponse/qr (NCCN excerpt)",),
        "II.A.4.b": ("DocumentReference/lit-1",),
    }


def test_evidence_nested_under_the_criterion_counts_and_stale_or_other_responses_do_not() -> None:
    nested = response("nested", {})
    nested["item"][0]["item"] = [
        {
            "linkId": "I.A.5.b",
            "answer": [
                {
                    "valueBoolean": True,
                    "item": [
                        {
                            "linkId": "I.A.5.b.file",
                            "answer": [{"valueReference": {"reference": "DocumentReference/d"}}],
                        }
                    ],
                }
            ],
        }
    ]
    assert submitted_evidence(pool_of(nested), ORDER, START) == {"I.A.5.b": ("DocumentReference/d",)}
    document = [{"valueReference": {"reference": "DocumentReference/d"}}]
    stale = with_answers("old", document, authored="2025-01-01")
    draft = with_answers("draft", document, status="in-progress")
    elsewhere = with_answers("other", document, link="II.A.3")  # not a criterion the payer reviews
    assert submitted_evidence(pool_of(stale, draft, elsewhere), ORDER, START) == {}


def test_a_contained_or_typed_document_reference_is_evidence_too() -> None:
    contained = with_answers("qr", [{"valueReference": {"reference": "#lit"}}])
    contained["contained"] = [{"resourceType": "DocumentReference", "id": "lit", "status": "current"}]
    typed = with_answers("qr2", [{"valueReference": {"type": "DocumentReference", "display": "NCCN"}}])
    binary = with_answers("qr3", [{"valueReference": {"reference": "Patient/p"}}])
    found = submitted_evidence(pool_of(contained, typed, binary), ORDER, START)
    assert found == {
        "I.A.5.b": ("QuestionnaireResponse/qr (#lit)", "QuestionnaireResponse/qr2 (DocumentReference NCCN)")
    }


def test_responses_authored_at_the_same_moment_do_not_depend_on_their_order() -> None:
    # "Nothing depends on resource order", docs/facts.md "Record integrity": a tie is broken by reference, not
    # by position.
    a = response("a", {"II.A.3": False}, authored="2026-10-02")
    b = response("b", {"II.A.3": True}, authored="2026-10-02")
    first = documented_answers(pool_of(a, b), ORDER, START)["II.A.3"]
    second = documented_answers(pool_of(b, a), ORDER, START)["II.A.3"]
    assert first == second


def test_answers_that_conflict_with_no_later_word_settle_nothing() -> None:
    """Not plausible is not a fact: one response answering a criterion both yes and no, or two authored at
    the same moment that disagree, leave the criterion unknown; a later answer still settles it."""
    both = response("qr", {"II.A.3": True})
    both["item"][0]["item"].append({"linkId": "II.A.3", "answer": [{"valueBoolean": False}]})
    found = documented_answers(pool_of(both), ORDER, START)["II.A.3"]
    assert found.value is None and "both yes and no" in found.reason
    same_time = pool_of(
        response("a", {"II.A.3": True}, authored="2026-10-02T10:00:00Z"),
        response("b", {"II.A.3": False}, authored="2026-10-02T10:00:00Z"),
    )
    found = documented_answers(same_time, ORDER, START)["II.A.3"]
    assert found.value is None and found.evidence == ("QuestionnaireResponse/a", "QuestionnaireResponse/b")
    later = pool_of(
        response("a", {"II.A.3": True}, authored="2026-10-02T10:00:00Z"),
        response("b", {"II.A.3": False}, authored="2026-10-02T10:00:00Z"),
        response("c", {"II.A.3": True}, authored="2026-10-03T10:00:00Z"),
    )
    assert documented_answers(later, ORDER, START)["II.A.3"].value is True


def test_an_answer_authored_after_today_settles_nothing() -> None:
    """Not plausible is not a fact: an answer authored after today (by its end at -14:00) is not written
    yet; one authored this evening in another time zone is."""
    plausible = Plausibility("1972-03-15", today=date(2026, 10, 5))
    ahead = response("qr", {"II.A.3": True}, authored="2027-03-01T10:00:00Z")
    found = documented_answers(pool_of(ahead), ORDER, START, plausible)["II.A.3"]
    assert (found.value, found.evidence) == (None, ("QuestionnaireResponse/qr",))
    assert found.reason == (
        "QuestionnaireResponse/qr was authored 2027-03-01, after today (2026-10-05): an answer not yet "
        "written settles nothing"
    )
    # ... and outweighs an earlier answer, as a later word does
    earlier = response("qr-0", {"II.A.3": True}, authored="2026-10-01")
    assert documented_answers(pool_of(earlier, ahead), ORDER, START, plausible)["II.A.3"].value is None
    tonight = response("qr", {"II.A.3": True}, authored="2026-10-06T09:00:00+10:00")
    assert documented_answers(pool_of(tonight), ORDER, START, plausible)["II.A.3"].value is True
    # without a today (asked alone) no answer is held to one
    assert documented_answers(pool_of(ahead), ORDER, START)["II.A.3"].value is True
