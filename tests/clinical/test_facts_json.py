from __future__ import annotations

from datetime import date

from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts, DoseTotal, Fact
from cds_service.clinical.facts_json import facts_to_json
from cds_service.clinical.orders import dexrazoxane_orders
from tests.clinical.builders import pool_from_request_file


def test_contract_keys_rounded_and_null_when_unknown() -> None:
    facts = ClinicalFacts(
        order="MedicationRequest/dex",
        approval_start=date(2026, 10, 5),
        age_years=Fact(54),
        line_of_business=Fact("commercial"),
        cumulative_doxorubicin=DoseTotal(known_mg_m2=299.996),
        cumulative_anthracycline=DoseTotal(known_mg_m2=120.0, unknown_parts=2),
        dexrazoxane_dose_mg_m2=Fact(500.0),
        doxorubicin_dose_mg_m2=Fact(None),
        dose_ratio=Fact(None),
        last_planned_doxorubicin_date=Fact(date(2026, 10, 26)),
        documented={"II.A.3": Fact(True)},
    )
    found = facts_to_json(facts)
    assert found["age_years"] == 54
    assert found["line_of_business"] == "commercial"
    assert found["cumulative_doxorubicin_mg_m2"] == 300.0
    assert found["cumulative_anthracycline_mg_m2"] is None
    assert found["cumulative_anthracycline_known_mg_m2"] == 120.0
    assert found["cumulative_anthracycline_unknown_parts"] == 2
    assert found["planned_doxorubicin_mg_m2"] == 0.0
    assert found["dexrazoxane_dose_mg_m2"] == 500.0
    assert found["doxorubicin_dose_mg_m2"] is None
    assert found["dose_ratio"] is None
    assert found["last_planned_doxorubicin_date"] == "2026-10-26"
    assert found["documented"] == {"II.A.3": True}
    for key in ("planned_anthracycline_mg_m2", "metastatic_breast_cancer", "bsa_m2", "dose_lines"):
        assert key in found


def test_fixture_facts_as_the_contract_shows_them() -> None:
    pool = pool_from_request_file("metastatic-breast-six-doses.json")
    facts = extract_facts(
        pool, dexrazoxane_orders(pool)[0], today=date(2026, 11, 28), line_of_business_map={}
    )
    found = facts_to_json(facts)
    assert {key: found[key] for key in DOCUMENTED_KEYS} == {
        "age_years": 54,
        "line_of_business": "commercial",
        "cumulative_doxorubicin_mg_m2": 300.0,
        "cumulative_anthracycline_mg_m2": 300.0,
        "planned_doxorubicin_mg_m2": 400.0,
        "planned_anthracycline_mg_m2": 400.0,
        "dexrazoxane_dose_mg_m2": 500.0,
        "doxorubicin_dose_mg_m2": 50.0,
        "dose_ratio": 10.0,
    }
    assert found["bsa_m2"] == 1.8
    assert found["last_planned_doxorubicin_date"] == "2026-10-26"
    assert [line["mg_m2"] for line in found["dose_lines"]] == [50.0] * 8
    assert found["dose_lines"][3]["bsa_source"] == "mosteller"


DOCUMENTED_KEYS = (
    "age_years",
    "line_of_business",
    "cumulative_doxorubicin_mg_m2",
    "cumulative_anthracycline_mg_m2",
    "planned_doxorubicin_mg_m2",
    "planned_anthracycline_mg_m2",
    "dexrazoxane_dose_mg_m2",
    "doxorubicin_dose_mg_m2",
    "dose_ratio",
)
