from __future__ import annotations

from collections.abc import Callable

import pytest

from cds_service.clinical.facts import ClinicalFacts, Fact
from cds_service.policy.outcome import Outcome
from cds_service.policy.tree import (
    Criterion,
    DuplicateCriterionId,
    Evaluator,
    InvalidNodeKind,
    Kind,
    MisnumberedCriterion,
    PolicyTreeError,
    UnboundEvaluator,
    Verdict,
    build_tree,
)
from tests.policy.policy_facts import adult_on_doxorubicin, documented

ALL, ONE_OF, LEAF = Kind.ALL, Kind.ONE_OF, Kind.LEAF


def constant(outcome: Outcome) -> Evaluator:
    def evaluate(facts: ClinicalFacts) -> Verdict:
        return Verdict(outcome, f"said {outcome}", (f"Observation/{outcome}",))

    return evaluate


MET, NOT_MET, UNKNOWN = (constant(o) for o in Outcome)


def leaf(cid: str, evaluator: Evaluator | None = MET, documentation: str = "") -> Criterion:
    return Criterion(cid, f"words of {cid}", LEAF, evaluator=evaluator, documentation=documentation)


def node(cid: str, kind: Kind, *children: Criterion, qualifier: Evaluator | None = None) -> Criterion:
    return Criterion(cid, f"words of {cid}", kind, tuple(children), evaluator=qualifier)


def evaluate(root: Criterion, facts: ClinicalFacts | None = None) -> tuple[Outcome, list[str]]:
    tree = build_tree((root,))
    done = tree.evaluate(root.id, facts or adult_on_doxorubicin())
    return done.result.outcome, [c.id for c in done.open_questions]


@pytest.mark.parametrize(
    ("kind", "children", "expected"),
    [
        (ALL, (MET, MET), Outcome.MET),
        (ALL, (MET, UNKNOWN), Outcome.UNKNOWN),
        (ALL, (UNKNOWN, NOT_MET), Outcome.NOT_MET),
        (ALL, (NOT_MET, MET), Outcome.NOT_MET),
        (ONE_OF, (NOT_MET, MET), Outcome.MET),
        (ONE_OF, (UNKNOWN, MET), Outcome.MET),
        (ONE_OF, (NOT_MET, UNKNOWN), Outcome.UNKNOWN),
        (ONE_OF, (NOT_MET, NOT_MET), Outcome.NOT_MET),
    ],
)
def test_branches_combine_three_valued(
    kind: Kind, children: tuple[Evaluator, Evaluator], expected: Outcome
) -> None:
    root = node("I.A", kind, leaf("I.A.1", children[0]), leaf("I.A.2", children[1]))
    assert evaluate(root)[0] is expected


def test_every_child_is_evaluated_even_when_the_first_decides() -> None:
    calls: list[str] = []

    def recording(outcome: Outcome) -> Evaluator:
        def evaluate(facts: ClinicalFacts) -> Verdict:
            calls.append(str(outcome))
            return Verdict(outcome, "")

        return evaluate

    no, yes, maybe = recording(Outcome.NOT_MET), recording(Outcome.MET), recording(Outcome.UNKNOWN)
    tree = build_tree((node("I.A", ALL, leaf("I.A.1", no), leaf("I.A.2", yes), leaf("I.A.3", maybe)),))
    result = tree.evaluate("I.A", adult_on_doxorubicin()).result
    assert calls == ["not_met", "met", "unknown"]
    assert [child.outcome for child in result.children] == [Outcome.NOT_MET, Outcome.MET, Outcome.UNKNOWN]
    assert result.reason == "not met: I.A.1"


def test_a_qualifier_joins_its_one_of_children_under_must_meet_all() -> None:
    met_children = (leaf("I.A.1.a", NOT_MET), leaf("I.A.1.b", MET))
    assert evaluate(node("I.A", ALL, node("I.A.1", ONE_OF, *met_children, qualifier=MET)))[0] is Outcome.MET
    assert evaluate(node("I.A", ALL, node("I.A.1", ONE_OF, *met_children, qualifier=NOT_MET)))[0] is (
        Outcome.NOT_MET
    )
    outcome, open_questions = evaluate(
        node("I.A", ALL, node("I.A.1", ONE_OF, *met_children, qualifier=UNKNOWN))
    )
    assert outcome is Outcome.UNKNOWN
    assert open_questions == ["I.A.1"]


def test_leaves_carry_reason_and_evidence() -> None:
    tree = build_tree((node("I.A", ALL, leaf("I.A.1", MET)),))
    child = tree.evaluate("I.A", adult_on_doxorubicin()).result.children[0]
    assert (child.id, child.text, child.reason, child.evidence) == (
        "I.A.1",
        "words of I.A.1",
        "said met",
        ("Observation/met",),
    )


def test_documented_answer_settles_only_what_the_data_left_unknown() -> None:
    root = node("I.A", ALL, leaf("I.A.1", UNKNOWN), leaf("I.A.2", NOT_MET), leaf("I.A.3", UNKNOWN))
    facts = adult_on_doxorubicin(documented=documented(I_A_1=True, I_A_2=True, I_A_3=False))
    result = build_tree((root,)).evaluate("I.A", facts).result
    first, second, third = result.children
    assert first.outcome is Outcome.MET and first.reason.startswith("documented by the clinician (yes)")
    assert "QuestionnaireResponse/qr" in first.evidence
    assert second.outcome is Outcome.NOT_MET  # a data-derived not met is never overturned
    assert third.outcome is Outcome.NOT_MET


def test_a_documented_answer_without_a_value_settles_nothing() -> None:
    facts = adult_on_doxorubicin(documented={"I.A.1": Fact(None)})
    assert evaluate(node("I.A", ALL, leaf("I.A.1", UNKNOWN)), facts)[0] is Outcome.UNKNOWN


def test_open_questions_are_the_unknowns_that_could_still_change_the_outcome() -> None:
    root = node(
        "I.A",
        ALL,
        leaf("I.A.1", UNKNOWN),
        node("I.A.2", ONE_OF, leaf("I.A.2.a", MET), leaf("I.A.2.b", UNKNOWN)),  # settled by a
        node("I.A.3", ONE_OF, leaf("I.A.3.a", NOT_MET), leaf("I.A.3.b", UNKNOWN)),
    )
    assert evaluate(root) == (Outcome.UNKNOWN, ["I.A.1", "I.A.3.b"])
    assert evaluate(node("I.A", ALL, leaf("I.A.1", UNKNOWN), leaf("I.A.2", NOT_MET))) == (Outcome.NOT_MET, [])


MALFORMED: list[tuple[str, Callable[[], tuple[Criterion, ...]], type[PolicyTreeError]]] = [
    (
        "duplicate id",
        lambda: (node("I.A", ALL, leaf("I.A.1")), node("I.A", ALL, leaf("I.A.1"))),
        DuplicateCriterionId,
    ),
    ("root not a section", lambda: (node("A.1", ALL, leaf("A.1.1")),), MisnumberedCriterion),
    ("child skips a number", lambda: (node("I.A", ALL, leaf("I.A.1"), leaf("I.A.3")),), MisnumberedCriterion),
    ("child of another parent", lambda: (node("I.A", ALL, leaf("I.B.1")),), MisnumberedCriterion),
    (
        "digit where a letter belongs",
        lambda: (node("I.A", ALL, node("I.A.1", ONE_OF, leaf("I.A.1.1"), leaf("I.A.1.2"))),),
        MisnumberedCriterion,
    ),
    ("leaf without evaluator", lambda: (node("I.A", ALL, leaf("I.A.1", None)),), UnboundEvaluator),
    # A name where the function belongs (the tree once held names): refused when the tree is built.
    ("evaluator not a function", lambda: (node("I.A", ALL, leaf("I.A.1", "nobody")),), UnboundEvaluator),  # type: ignore[arg-type]
    (
        "qualifier not a function",
        lambda: (node("I.A", ALL, leaf("I.A.1"), qualifier="nobody"),),  # type: ignore[arg-type]
        UnboundEvaluator,
    ),
    (
        "leaf with children",
        lambda: (Criterion("I.A", "w", LEAF, (leaf("I.A.1"),), evaluator=MET),),
        InvalidNodeKind,
    ),
    ("one of with one child", lambda: (node("I.A", ONE_OF, leaf("I.A.1")),), InvalidNodeKind),
    ("all without children", lambda: (node("I.A", ALL),), InvalidNodeKind),
    ("no words", lambda: (Criterion("I.A", " ", LEAF, evaluator=MET),), InvalidNodeKind),
    ("not a kind", lambda: (Criterion("I.A", "w", "any", evaluator=MET),), InvalidNodeKind),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("roots", "error"), [(r, e) for _, r, e in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_trees_are_rejected_when_built(
    roots: Callable[[], tuple[Criterion, ...]], error: type[PolicyTreeError]
) -> None:
    with pytest.raises(error):
        build_tree(roots())


def test_a_well_formed_tree_indexes_every_node() -> None:
    tree = build_tree(
        (node("I.A", ALL, leaf("I.A.1"), node("I.A.2", ONE_OF, leaf("I.A.2.a"), leaf("I.A.2.b"))),),
    )
    assert tree.ids() == ["I.A", "I.A.1", "I.A.2", "I.A.2.a", "I.A.2.b"]
    assert tree["I.A.2.b"].text == "words of I.A.2.b"


def test_an_answer_that_settles_nothing_says_why_beside_what_the_data_says() -> None:
    why = "QuestionnaireResponse/qr answers I.A.1 yes, but the record contradicts it: Condition/hf"
    facts = adult_on_doxorubicin(documented={"I.A.1": Fact(None, ("QuestionnaireResponse/qr",), why)})
    result = build_tree((node("I.A", ALL, leaf("I.A.1", UNKNOWN)),)).evaluate("I.A", facts).result
    (leaf_result,) = result.children
    assert leaf_result.outcome is Outcome.UNKNOWN
    assert leaf_result.reason.endswith(f"; the clinician's answer settles nothing: {why}")
    assert "QuestionnaireResponse/qr" in leaf_result.evidence
