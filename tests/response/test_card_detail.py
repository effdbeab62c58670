from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from cds_service.clinical.facts import DoseLine, DoseTotal, Fact
from cds_service.policy.determination import CriterionResult
from cds_service.policy.outcome import Outcome
from cds_service.response.card_detail import clipped, deciding_lines, instructions_detail
from tests.response.determinations import approve, deny, pend


def test_long_words_are_cut_at_a_word_boundary() -> None:
    assert clipped("short", 10) == "short"
    assert clipped("Prescribed by or in consultation with an oncologist", 30) == "Prescribed by or in…"


def test_thousands_of_administrations_are_summarised_not_listed() -> None:
    # 5,000 administrations once made a 2 MB card detail; then a table of 20 rows; now one line.
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
    assert len(detail) < 1500
    last = (date(2020, 1, 1) + timedelta(days=4999)).isoformat()
    summary = (
        f"Cumulative doxorubicin administered: **300 mg/m²** (5000 administrations, 2020-01-01 to {last})"
    )
    assert summary in detail
    assert "MedicationAdministration/" not in detail


def node(criterion: str, outcome: Outcome, reason: str = "", *children: CriterionResult) -> CriterionResult:
    return CriterionResult(criterion, f"words of {criterion}", outcome, reason, (), tuple(children))


def test_a_met_one_of_shows_the_option_that_met_it_not_its_siblings() -> None:
    alternatives = node(
        "I.A.3",
        Outcome.MET,
        "met by I.A.3.a",
        node("I.A.3.a", Outcome.MET, "age 54 ≥ 18"),
        node("I.A.3.b", Outcome.NOT_MET, "none of the options met", node("I.A.3.b.i", Outcome.NOT_MET)),
        node("I.A.3.c", Outcome.UNKNOWN, "no protocol recorded"),
    )
    shown = "\n".join(deciding_lines(alternatives))
    assert (
        shown == "- **I.A.3** words of I.A.3: **met**\n  - **I.A.3.a** words of I.A.3.a: **met**. age 54 ≥ 18"
    )


def test_a_failed_criterion_shows_what_failed_it_and_a_failed_one_of_its_options_unexpanded() -> None:
    tree = node(
        "I.A",
        Outcome.NOT_MET,
        "not met: I.A.3",
        node("I.A.1", Outcome.MET, "doxorubicin given"),
        node(
            "I.A.3",
            Outcome.NOT_MET,
            "none of the options met",
            node("I.A.3.a", Outcome.NOT_MET, "cumulative 299 < 300"),
            node("I.A.3.b", Outcome.NOT_MET, "none of the options met", node("I.A.3.b.i", Outcome.NOT_MET)),
        ),
    )
    assert deciding_lines(tree) == [
        "- **I.A** words of I.A: **not met**",
        "  - **I.A.3** words of I.A.3: **not met**",
        "    - **I.A.3.a** words of I.A.3.a: **not met**. cumulative 299 &lt; 300",
        "    - **I.A.3.b** words of I.A.3.b: **not met**. none of the options met",
    ]


def test_an_open_criterion_shows_what_is_open_the_options_failed_beside_it_and_names_what_is_met() -> None:
    tree = node(
        "I.A",
        Outcome.UNKNOWN,
        "not shown — documentation needed: I.A.5",
        node("I.A.1", Outcome.MET, "given"),
        node("I.A.2", Outcome.MET, "oncologist"),
        node(
            "I.A.5",
            Outcome.UNKNOWN,
            "not shown — documentation needed: I.A.5.b",
            node("I.A.5.a", Outcome.NOT_MET, "ratio 10.2:1 > 10:1"),
            node("I.A.5.b", Outcome.UNKNOWN, "not recorded"),
        ),
    )
    assert deciding_lines(tree) == [
        "- **I.A** words of I.A: **not shown — documentation needed**",
        "  - **I.A.5** words of I.A.5: **not shown — documentation needed**",
        "    - **I.A.5.b** words of I.A.5.b: **not shown — documentation needed**. not recorded",
        "    - **I.A.5.a** words of I.A.5.a: **not met**. ratio 10.2:1 > 10:1",
        "  - met: I.A.1, I.A.2",
    ]


def test_the_detail_leads_with_the_decision_and_the_one_thing_to_do() -> None:
    approved = instructions_detail(approve()).split("\n\n")
    assert approved[0].startswith("**Approved** from **2026-11-28** through **2027-01-30**")
    assert approved[1].startswith("**To do:** nothing")
    pended = instructions_detail(pend()).split("\n\n")
    assert pended[0].startswith("**Prior authorization needed**") and pended[1].startswith("**To do:** send")
    denied = instructions_detail(deny()).split("\n\n")
    assert denied[0].startswith("**Not covered**") and "CP.CPA.09" in denied[1]
    submit = instructions_detail(approve(), pa_to_submit=True).split("\n\n")
    assert submit[0].startswith("**Criteria met**") and "submit the prior authorization" in submit[1]


def test_mg_m2_is_rounded_to_one_decimal_everywhere() -> None:
    determination = approve()
    assert determination.facts is not None
    lines = (DoseLine("MedicationAdministration/a1", "epirubicin", date(2026, 9, 1), 83.33333, 55.55555),)
    facts = replace(
        determination.facts,
        dose_lines=lines,
        cumulative_doxorubicin=DoseTotal(299.99999),
        dexrazoxane_dose_mg_m2=Fact(166.66666),
        dose_ratio=Fact(None),
    )
    detail = instructions_detail(replace(determination, facts=facts))
    assert "**300 mg/m²**" in detail and "dexrazoxane 166.7 mg/m²" in detail
    assert "99999" not in detail and "6666" not in detail
