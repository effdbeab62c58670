"""The line above the criteria tree is true of what is printed under it (docs/glossary.md): over every
fixture, a pend never says "nothing fails", and names every option printed [✗] whose "one of" is met or
still open, with what still meets it; an approve says only that what the pathway requires is met."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.decide import failed_options
from cds_service.policy.determination import CriterionResult, Decision
from cds_service.policy.outcome import NOT_SHOWN, Outcome
from cds_service.policy.render import determination_to_text
from cds_service.settings import Settings
from tests.policy.offline import REQUEST_IDS, REQUESTS, case


def node(node_id: str, outcome: Outcome, *children: CriterionResult) -> CriterionResult:
    return CriterionResult(node_id, f"words of {node_id}", outcome, "", (), children)


def top_failed(tree: CriterionResult) -> list[str]:
    """Options printed [✗] under a branch that is not itself [✗]."""
    found = [
        c.id for c in tree.children if c.outcome is Outcome.NOT_MET and tree.outcome is not Outcome.NOT_MET
    ]
    for child in tree.children:
        if child.outcome is not Outcome.NOT_MET:
            found += top_failed(child)
    return found


def test_each_failed_option_is_said_with_what_still_meets_its_branch() -> None:
    tree = node(
        "I.A",
        Outcome.UNKNOWN,
        node("I.A.3", Outcome.MET, node("I.A.3.a", Outcome.MET), node("I.A.3.b", Outcome.NOT_MET)),
        node("I.A.5", Outcome.UNKNOWN, node("I.A.5.a", Outcome.NOT_MET), node("I.A.5.b", Outcome.UNKNOWN)),
    )
    assert failed_options(tree) == [
        "I.A.3.b not met, but I.A.3 is met by I.A.3.a",
        "I.A.5.a not met, but I.A.5 can still be met by I.A.5.b",
    ]


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
async def test_the_summary_line_is_true_of_the_tree_under_it(request_path: Path) -> None:
    body, today = case(request_path)
    async with httpx.AsyncClient() as http:
        evaluation = await evaluate_hook(
            HookRequest.model_validate(body).source(), settings=Settings(), http=http, today=today
        )
    for determination in evaluation.determinations:
        text = determination_to_text(determination)
        assert "nothing fails" not in text
        tree = determination.criteria
        if tree is None:
            continue
        if determination.decision is Decision.PEND:
            said = {
                option
                for clause in determination.reason.split("; ")
                if " not met, but " in clause
                for option in clause.split(" not met, but ")[0].split(", ")
            }
            assert set(top_failed(tree)) <= said, determination.reason
            if tree.outcome is Outcome.UNKNOWN:
                assert f"{NOT_SHOWN}: " in determination.reason
        if determination.decision is Decision.APPROVE:
            assert determination.reason.split(" [")[0].endswith("every criterion it requires is met")
