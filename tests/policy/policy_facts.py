"""Hand-built ClinicalFacts for the policy tests: a baseline that meets I.A through I.A.3.a."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from cds_service.clinical.facts import ClinicalFacts, DoseTotal, Fact

START = date(2026, 11, 28)
NO = Fact(False)


def adult_on_doxorubicin(**changes: Any) -> ClinicalFacts:
    """54 years old, 300 mg/m² doxorubicin so far, 4 more doses of 50 mg/m² ordered with dexrazoxane
    500 mg/m², prescribed by a medical oncologist, commercial coverage."""
    base = ClinicalFacts(
        order="MedicationRequest/dex",
        approval_start=START,
        age_years=Fact(54, ("Patient/p",)),
        line_of_business=Fact("commercial", ("Coverage/c",)),
        coverage=Fact("Coverage/c"),
        prescriber_onc_or_hem=Fact(True, ("PractitionerRole/onc",)),
        prescriber_oncologist=Fact(True, ("PractitionerRole/onc",)),
        cumulative_doxorubicin=DoseTotal(300.0, evidence=("MedicationAdministration/a1",)),
        cumulative_anthracycline=DoseTotal(300.0, evidence=("MedicationAdministration/a1",)),
        planned_doxorubicin=DoseTotal(
            500.0, evidence=("MedicationAdministration/a1", "MedicationRequest/dox")
        ),
        planned_anthracycline=DoseTotal(
            500.0, evidence=("MedicationAdministration/a1", "MedicationRequest/dox")
        ),
        last_planned_doxorubicin_date=Fact(date(2027, 1, 30), ("MedicationRequest/dox",)),
        concurrent_doxorubicin=Fact(True, ("MedicationRequest/dox",)),
        doxorubicin_dose_mg_m2=Fact(50.0, ("MedicationRequest/dox",)),
        dexrazoxane_dose_mg_m2=Fact(500.0, ("MedicationRequest/dex",)),
        dose_ratio=Fact(10.0, ("MedicationRequest/dex", "MedicationRequest/dox")),
        prior_dexrazoxane_cardioprotection=NO,
        metastatic_breast_cancer=Fact(True, ("Condition/breast",)),
        acute_lymphoblastic_leukemia=NO,
        relapsed_or_refractory=NO,
        aggressive_mature_b_cell_lymphoma=NO,
        hodgkin_lymphoma=NO,
        wilms_tumor=NO,
        neuroblastoma=NO,
        soft_tissue_sarcoma=NO,
        anthracycline_extravasation=NO,
    )
    return replace(base, **changes)


def documented(**answers: bool) -> dict[str, Fact[bool]]:
    """``documented`` answers keyed by criterion id, written with underscores: ``II_A_3=True``."""
    return {
        key.replace("_", "."): Fact(value, ("QuestionnaireResponse/qr",)) for key, value in answers.items()
    }
