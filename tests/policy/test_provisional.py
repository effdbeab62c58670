"""order-select's provisional guidance (policy/provisional.py) on real policy cases: a complete order gets
the determination's own decision; an order without a dose yet is checked on its dose criteria at signing,
never pended on them, and never approved past a criterion that fails elsewhere."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.cp_phar_418 import DOSE, POLICY
from cds_service.policy.determination import Decision, Determination
from cds_service.policy.provisional import provisional, states_dose
from cds_service.settings import Settings
from tests.policy.offline import FIXTURES, case


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fixture with full prefetch must not reach a FHIR server: {request.url}")


def without_dose(body: dict[str, Any]) -> dict[str, Any]:
    """Every dexrazoxane-looking draft without its dose (doseAndRate, DSTU2 doseQuantity)."""
    changed = copy.deepcopy(body)
    for entry in changed["context"]["draftOrders"]["entry"]:
        text = str(entry["resource"].get("medicationCodeableConcept", "")).lower()
        if "dexrazoxane" in text or "v03af02" in text:
            for dosage in entry["resource"].get("dosageInstruction", []):
                dosage.pop("doseAndRate", None)
                dosage.pop("doseQuantity", None)
    return changed


async def determination(name: str, *, dose: bool = True, change: Any = None) -> Determination:
    body, today = case(FIXTURES / "policy" / f"{name}.json")
    body = body if dose else without_dose(body)
    if change is not None:
        change(body)
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
        evaluation = await evaluate_hook(
            HookRequest.model_validate(body).source(), settings=Settings(), http=http, today=today
        )
    (found,) = evaluation.determinations
    return found


def test_the_dose_criteria_are_marked_and_sit_under_no_qualified_branch() -> None:
    """What order-select sets aside is exactly what the order's dose settles, and the likely decision is
    recomputed exactly: no branch above them folds a qualifier of its own into its outcome."""
    marked = [node.id for node in POLICY.index.values() if node.order_detail]
    assert marked == ["I.A.5", "I.B.4", "II.A.4"]
    assert {POLICY[c].order_detail for c in marked} == {DOSE}
    for criterion in marked:
        parts = criterion.split(".")
        ancestors = [".".join(parts[:n]) for n in range(2, len(parts))]
        assert all(POLICY[a].evaluator is None for a in ancestors), criterion


@pytest.mark.parametrize(
    "name",
    [
        "I.A.3.a-approve-adult-cumulative-300",
        "I.A.3.a-deny-cumulative-299",
        "I.A.2-pend-internist-without-consultation",
        "I.B-approve-extravasation-2000-2000-1000",
        "II.A-pend-response-to-therapy-not-documented",
    ],
)
async def test_an_order_that_states_its_dose_gets_the_determination_itself(name: str) -> None:
    found = await determination(name)
    assert states_dose(found.order_resource)
    guidance = provisional(found)
    assert (guidance.decision, guidance.at_signing, guidance.documentation) == (
        found.decision,
        (),
        found.documentation,
    )


async def test_no_dose_and_all_else_met_is_likely_approved_if_the_dose_is_within_the_ratio() -> None:
    found = await determination("I.A.3.a-approve-adult-cumulative-300", dose=False)
    assert found.decision is Decision.PEND  # what order-sign would say of the same draft
    assert {d.criterion for d in found.documentation} >= {"I.A.5.a"}
    guidance = provisional(found)
    assert (guidance.decision, guidance.at_signing, guidance.conditional) == (
        Decision.APPROVE,
        ("I.A.5",),
        True,
    )
    assert guidance.documentation == ()


async def test_no_dose_and_a_criterion_open_elsewhere_still_pends_on_that_one_only() -> None:
    found = await determination("I.A.2-pend-internist-without-consultation", dose=False)
    guidance = provisional(found)
    assert guidance.decision is Decision.PEND and guidance.at_signing == ("I.A.5",)
    asked = [d.criterion for d in guidance.documentation]
    assert "I.A.2" in asked and not any(c.startswith("I.A.5") for c in asked)


async def test_no_dose_and_a_criterion_not_met_is_still_likely_denied() -> None:
    found = await determination("I.A.3.a-deny-cumulative-299", dose=False)
    guidance = provisional(found)
    assert (found.decision, guidance.decision) == (Decision.DENY, Decision.DENY)


async def test_no_dose_on_the_extravasation_pathway_checks_the_daily_caps_at_signing() -> None:
    found = await determination("I.B-approve-extravasation-2000-2000-1000", dose=False)
    guidance = provisional(found)
    assert (guidance.decision, guidance.at_signing) == (Decision.APPROVE, ("I.B.4",))


async def test_a_pend_beside_the_tree_stays_a_pend() -> None:
    """Everything met but the doxorubicin schedule unreadable (no date of the last dose): signed with a dose,
    the order would pend beside the tree for the schedule; so the provisional guidance pends on it too."""

    def open_ended(body: dict[str, Any]) -> None:
        for entry in body["context"]["draftOrders"]["entry"]:
            if "doxorubicin" in str(entry["resource"].get("medicationCodeableConcept", "")).lower():
                for dosage in entry["resource"].get("dosageInstruction", []):
                    dosage["timing"] = {"repeat": {"frequency": 1, "period": 21, "periodUnit": "d"}}

    with_dose = await determination("I.A.3.a-approve-adult-cumulative-300", change=open_ended)
    assert with_dose.decision is Decision.PEND
    assert [d.criterion for d in with_dose.documentation] == ["I.A"]
    found = await determination("I.A.3.a-approve-adult-cumulative-300", dose=False, change=open_ended)
    guidance = provisional(found)
    assert guidance.decision is Decision.PEND and guidance.at_signing == ("I.A.5",)
    assert [d.criterion for d in guidance.documentation] == ["I.A"]


def test_a_not_applicable_order_is_told_as_it_is() -> None:
    found = Determination("MedicationRequest/x", Decision.NOT_APPLICABLE, None, None, None)
    assert provisional(found).decision is Decision.NOT_APPLICABLE
