"""ClinicalFacts as the JSON ``facts`` object of the determination (docs/determination.md).

Numbers are rounded to 2 decimals; what the data cannot give is ``null``. A cumulative total is its
value only when every part is known (``DoseTotal.value``); its known part and the number of unknown
parts are given beside it, so a reader sees what a threshold was decided on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.clinical.facts import ClinicalFacts, DoseTotal, Fact


def _number(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _plain(fact: Fact[Any]) -> Any:
    value = fact.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return _number(value)
    return value


def _total(name: str, dose_total: DoseTotal) -> dict[str, Any]:
    found = {
        f"{name}_mg_m2": _number(dose_total.value),
        f"{name}_known_mg_m2": _number(dose_total.known_mg_m2),
        f"{name}_unknown_parts": dose_total.unknown_parts,
    }
    if dose_total.possible_parts:
        # The largest the total can be when a range in an order's timing leaves it open (null with unknown
        # parts). Only then: a determination without a range reads as it always did (and keeps its basis).
        found[f"{name}_up_to_mg_m2"] = _number(dose_total.at_most)
    return found


_FLAGS = (
    "metastatic_breast_cancer",
    "acute_lymphoblastic_leukemia",
    "ph_positive",
    "relapsed_or_refractory",
    "aggressive_mature_b_cell_lymphoma",
    "hodgkin_lymphoma",
    "wilms_tumor",
    "neuroblastoma",
    "soft_tissue_sarcoma",
    "anthracycline_extravasation",
    "prior_dexrazoxane_cardioprotection",
    "concurrent_doxorubicin",
    "dasatinib_or_imatinib",
    "dfci_all_protocol",
    "cog_aall1331",
    "heart_radiation",
    "prescriber_onc_or_hem",
    "prescriber_oncologist",
    "consult_onc_or_hem",
    "consult_oncologist",
)


def facts_to_json(facts: ClinicalFacts) -> dict[str, Any]:
    result: dict[str, Any] = {
        "approval_start": facts.approval_start.isoformat(),
        "age_years": _plain(facts.age_years),
        "line_of_business": _plain(facts.line_of_business),
        "coverage": _plain(facts.coverage),
        "bsa_m2": _plain(facts.bsa_m2),
        **_total("cumulative_doxorubicin", facts.cumulative_doxorubicin),
        **_total("cumulative_anthracycline", facts.cumulative_anthracycline),
        **_total("planned_doxorubicin", facts.planned_doxorubicin),
        **_total("planned_anthracycline", facts.planned_anthracycline),
        "dexrazoxane_dose_mg_m2": _plain(facts.dexrazoxane_dose_mg_m2),
        "dexrazoxane_dose_mg": _plain(facts.dexrazoxane_dose_mg),
        "doxorubicin_dose_mg_m2": _plain(facts.doxorubicin_dose_mg_m2),
        "dose_ratio": _plain(facts.dose_ratio),
        "last_planned_doxorubicin_date": _plain(facts.last_planned_doxorubicin_date),
    }
    for name in _FLAGS:
        result[name] = _plain(getattr(facts, name))
    result["extravasation_course"] = [
        {"day": day.day, "mg": _number(day.mg), "evidence": list(day.evidence)}
        for day in facts.extravasation_course
    ]
    result["dose_lines"] = [
        # _number inlined: a line per dose, hundreds for a long history
        {
            "reference": reference,
            "agent": agent,
            "date": when.isoformat() if when else None,
            "mg_m2": None if mg_m2 is None else round(float(mg_m2), 2),
            "doxorubicin_equivalent_mg_m2": None if equivalent is None else round(float(equivalent), 2),
            "bsa_m2": None if bsa_m2 is None else round(float(bsa_m2), 2),
            "bsa_source": bsa_source or None,
            "note": note or None,
        }
        for reference, agent, when, mg_m2, equivalent, bsa_m2, bsa_source, note in facts.dose_lines
    ]
    result["documented"] = {criterion: fact.value for criterion, fact in sorted(facts.documented.items())}
    # docs/facts.md "Record integrity", docs/decisions.md: how the line of business was read, the evidence
    # received for the payer's review, and what the order shows it is for (its reason, its shape, its first
    # day).
    result["line_of_business_reason"] = facts.line_of_business.reason or None
    result["submitted_evidence"] = {
        criterion: list(evidence) for criterion, evidence in sorted(facts.submitted_evidence.items())
    }
    result["order_purpose"] = _plain(facts.order_purpose)
    result["extravasation_course_order"] = _plain(facts.extravasation_course_order)
    result["course_first_day"] = _plain(facts.course_first_day)
    # Not plausible is not a fact (docs/facts.md "Plausibility"): the Patient recorded as deceased, and
    # every measurement or record set aside as implausible, with why.
    result["deceased"] = _plain(facts.deceased)
    result["set_aside"] = list(facts.set_aside)
    if facts.patient_mismatch.value:
        # Only when so: every other determination reads (and hashes, policy.basis) as it did.
        result["patient_mismatch"] = True
    if facts.responding_to_therapy.evidence:
        # II.A.3 read from a cancer disease status: written only when one was read, so a determination
        # without one keeps the basis it always had (policy.basis)
        result["responding_to_therapy"] = _plain(facts.responding_to_therapy)
    return result
