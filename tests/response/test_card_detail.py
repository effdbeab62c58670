from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from cds_service.clinical.facts import DoseLine, DoseTotal, Fact
from cds_service.policy.determination import CriterionResult
from cds_service.policy.outcome import Outcome
from cds_service.response.card_detail import MAX_DOSE_ROWS, instructions_detail, listed
from tests.response.determinations import approve, pend


def test_a_long_list_shows_its_first_items_and_how_many_more() -> None:
    assert listed(["a", "b"]) == "a, b"
    assert listed([str(i) for i in range(25)]) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 15 more"


def test_thousands_of_administrations_keep_the_detail_small_and_the_totals_exact() -> None:
    # 5,000 administrations once made a 2 MB card detail.
    refs = tuple(f"MedicationAdministration/ma{i}" for i in range(5000))
    lines = tuple(
        DoseLine(
            ref, "doxorubicin", date(2020, 1, 1) + timedelta(days=i), 0.06, 0.06, 1.8, "Observation/bsa-1"
        )
        for i, ref in enumerate(refs)
    )
    determination = approve()
    assert determination.facts is not None and determination.criteria is not None
    criteria = replace(determination.criteria, evidence=refs)
    facts = replace(
        determination.facts, dose_lines=lines, cumulative_doxorubicin=DoseTotal(300.0, evidence=refs)
    )
    detail = instructions_detail(replace(determination, facts=facts, criteria=criteria))
    assert len(detail) < 12_000
    assert "Cumulative doxorubicin administered: **300 mg/m²**" in detail  # the total is over all 5,000
    assert "and 4990 more" in detail
    rows = [line for line in detail.splitlines() if line.startswith("| 20")]
    assert len(rows) == MAX_DOSE_ROWS
    assert "ma4999" in detail and "| MedicationAdministration/ma0 |" not in detail  # the most recent rows
    assert f"… and {5000 - MAX_DOSE_ROWS} more" in detail


def node(criterion: str, outcome: Outcome, reason: str = "", *children: CriterionResult) -> CriterionResult:
    return CriterionResult(criterion, f"words of {criterion}", outcome, reason, (), tuple(children))


def test_on_an_approval_alternatives_that_were_not_needed_read_not_needed_and_collapse() -> None:
    alternatives = node(
        "I.A.3",
        Outcome.MET,
        "",
        node("I.A.3.a", Outcome.MET),
        node("I.A.3.b", Outcome.UNKNOWN, "no protocol recorded", node("I.A.3.b.i", Outcome.UNKNOWN)),
    )
    approved = instructions_detail(replace(approve(), criteria=alternatives))
    assert "**I.A.3.b** words of I.A.3.b: **not needed**" in approved
    assert "I.A.3.b.i" not in approved and "not documented" not in approved
    assert "no protocol recorded" not in approved
    pended = instructions_detail(replace(pend(), criteria=alternatives))
    assert "**I.A.3.b** words of I.A.3.b: **not documented**" in pended and "I.A.3.b.i" in pended


def test_mg_m2_is_rounded_to_one_decimal_everywhere_and_no_empty_bsa_column() -> None:
    determination = approve()
    assert determination.facts is not None
    lines = (DoseLine("MedicationAdministration/a1", "epirubicin", date(2026, 9, 1), 83.33333, 55.55555),)
    facts = replace(
        determination.facts,
        dose_lines=lines,
        cumulative_doxorubicin=DoseTotal(299.99999),
        dexrazoxane_dose_mg_m2=Fact(166.66666),
    )
    detail = instructions_detail(replace(determination, facts=facts))
    assert "**300 mg/m²**" in detail and "Dexrazoxane per dose: 166.7 mg/m²" in detail
    assert "| 2026-09-01 | epirubicin | 83.3 | 55.6 | MedicationAdministration/a1 |" in detail
    assert "BSA m²" not in detail
    assert "99999" not in detail and "5555" not in detail and "6666" not in detail


def test_a_dose_table_with_a_bsa_keeps_its_column() -> None:
    assert "| BSA m² |" in instructions_detail(approve())
