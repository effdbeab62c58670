"""A dose whose own words state an amount its structured dose contradicts (docs/facts.md "Plausibility", "A
dose against its own words"): the amounts read from its words (``administrations.stated_amounts``), the
rule (``plausibility.words_disagree_with_dose``) and the total it leaves (``extract``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cds_service.clinical.administrations import stated_amounts
from cds_service.clinical.codes import Agent
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.plausibility import words_disagree_with_dose
from cds_service.fhir.pool import Resource
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    administration,
    height,
    medication_request,
    patient,
    pool_of,
    weight,
)

TODAY = date(2026, 11, 28)
TEXT = "DOXOrubicin 60 mg/m2 x BSA 1.77 m2 = 106 mg IV push"


def dose(rid: str, when: str, amount: tuple[float, str], text: str | None = None, **more: Any) -> Resource:
    resource = administration(rid, DOXORUBICIN, f"{when}T10:00:00Z", amount)
    if text is not None:
        resource["dosage"]["text"] = text
    resource.update(more)
    return resource


def test_the_amounts_a_dose_states_in_words() -> None:
    charted = dose("d", "2026-10-26", (106, "mg/m2"), TEXT)
    # the BSA (m2 alone) is no amount of drug
    assert stated_amounts(charted, Agent.DOXORUBICIN) == [(60.0, "mg/m2"), (106.0, "mg")]
    spelled = dose(
        "d", "2026-10-26", (60, "mg/m2"), "60 milligrams per square metre; 2 mg/mL in 50 mL; 1,500 mg"
    )
    # a concentration and a number with a thousands separator are no amount read
    assert stated_amounts(spelled, Agent.DOXORUBICIN) == [(60.0, "mg/m2")]
    assert stated_amounts(dose("d", "2026-10-26", (60, "mg/m2")), Agent.DOXORUBICIN) == []


def test_a_note_states_the_dose_only_when_it_names_the_doses_drug() -> None:
    premedication = dose(
        "d", "2026-10-26", (60, "mg/m2"), note=[{"text": "Premedicated: ondansetron 8 mg IV"}]
    )
    assert stated_amounts(premedication, Agent.DOXORUBICIN) == []
    named = dose("d", "2026-10-26", (60, "mg/m2"), note=[{"text": "Adriamycin 75 mg/m2 given"}])
    assert stated_amounts(named, Agent.DOXORUBICIN) == [(75.0, "mg/m2")]


def _per_m2(bsa: float) -> Any:
    def convert(amount: tuple[float, str]) -> float | None:
        value, unit = amount
        return value if unit == "mg/m2" else value / bsa if unit == "mg" else None

    return convert


@pytest.mark.parametrize(
    ("charted", "stated", "bsa", "disagree"),
    [
        ((106, "mg/m2"), [(60, "mg/m2"), (106, "mg")], 1.77, True),  # the mg figure under the mg/m2 unit
        ((60, "mg/m2"), [(60, "mg/m2"), (106, "mg")], 1.77, False),
        ((106, "mg"), [(60, "mg/m2"), (106, "mg")], 1.77, False),
        ((106, "mg"), [(60, "mg/m2"), (106, "mg")], 1.9, False),  # the mg agrees, whatever our BSA
        ((60, "mg/m2"), [(61.5, "mg/m2")], 1.77, False),  # rounding
        ((60, "mg/m2"), [(75, "mg/m2"), (60, "mg/m2")], 1.77, False),  # "reduced from 75 to 60"
        ((60, "mg/m2"), [(75, "mg/m2")], 1.77, True),
        ((90, "mg"), [(60, "mg/m2")], None, False),  # no BSA: nothing to compare with
        ((60, "mg/m2"), [], 1.77, False),
    ],
)
def test_a_structured_dose_against_its_words(
    charted: tuple[float, str], stated: list[tuple[float, str]], bsa: float | None, disagree: bool
) -> None:
    per_m2 = _per_m2(bsa) if bsa is not None else (lambda amount: amount[0] if amount[1] == "mg/m2" else None)
    why = words_disagree_with_dose(charted, stated, per_m2)
    assert bool(why) is disagree
    if disagree:
        assert f"charted as {charted[0]:g} {charted[1]}, but its own words state" in why


def test_the_dose_its_words_contradict_is_an_unknown_part_of_the_total() -> None:
    given = [
        dose(f"d{i}", day, (60, "mg/m2")) for i, day in enumerate(("2026-08-03", "2026-08-24", "2026-09-14"))
    ]
    contradicted = dose("d9", "2026-10-05", (106, "mg/m2"), TEXT)
    pool = pool_of(
        patient(),
        height("h", "2026-10-05T09:00:00Z", 165),
        weight("w", "2026-10-05T09:00:00Z", 68),
        *given,
        contradicted,
        drafts=[medication_request("dex", DEXRAZOXANE, (500, "mg/m2"))],
    )
    facts = extract_facts(pool, dexrazoxane_orders(pool)[0], today=TODAY, line_of_business_map={})
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (pytest.approx(180), 1)  # the 106 not counted
    assert total.unknown_evidence == ("MedicationAdministration/d9",)
    assert "its own words state 60 mg/m2, 106 mg (60 mg/m2 with its BSA)" in total.unknown_reasons[0]
    # The same dose charted as its words say (60 mg/m2) counts
    pool = pool_of(
        patient(),
        height("h", "2026-10-05T09:00:00Z", 165),
        weight("w", "2026-10-05T09:00:00Z", 68),
        *given,
        dose("d9", "2026-10-05", (60, "mg/m2"), TEXT),
        drafts=[medication_request("dex", DEXRAZOXANE, (500, "mg/m2"))],
    )
    facts = extract_facts(pool, dexrazoxane_orders(pool)[0], today=TODAY, line_of_business_map={})
    assert facts.cumulative_doxorubicin.value == pytest.approx(240)
