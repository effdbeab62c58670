from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from cds_service.clinical.facts import DoseLine, DoseTotal
from cds_service.response.card_detail import MAX_DOSE_ROWS, instructions_detail, listed
from tests.response.determinations import approve


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
