"""The draft QuestionnaireResponse of a `$questionnaire-package`: pre-filled with what the service already
computed for the order (age, doses, diagnoses found) and a "yes" for every criterion already met, so the
clinician answers only what the data could not settle. Criteria the data shows unmet are left blank, not
answered "no": the clinician may hold documentation the EHR lacks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from cds_service.clinical.facts import ClinicalFacts, Fact
from cds_service.dtr.questionnaire_items import (
    COMPUTED_GROUP,
    COMPUTED_ITEMS,
    COVERAGE_GROUP,
    COVERAGE_ITEM,
    CRITERION_LINK_IDS,
    PATHWAY_QUESTIONS,
)
from cds_service.policy.determination import Determination
from cds_service.policy.outcome import Outcome

# DTR qr-context: the order(s) the response documents (DTR §spec-154).
QR_CONTEXT_URL = "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context"

DIAGNOSIS_LABELS: dict[str, str] = {
    "metastatic_breast_cancer": "Metastatic breast cancer",
    "acute_lymphoblastic_leukemia": "Acute lymphoblastic leukemia",
    "ph_positive": "Philadelphia chromosome-positive ALL",
    "relapsed_or_refractory": "Relapsed or refractory disease",
    "aggressive_mature_b_cell_lymphoma": "Aggressive mature B-cell lymphoma",
    "hodgkin_lymphoma": "Hodgkin lymphoma",
    "wilms_tumor": "Wilms tumor (nephroblastoma)",
    "neuroblastoma": "Neuroblastoma",
    "soft_tissue_sarcoma": "Soft tissue sarcoma",
    "anthracycline_extravasation": "Anthracycline-induced extravasation",
}


def _decimal(value: float | None) -> list[dict[str, Any]]:
    return [] if value is None else [{"valueDecimal": round(value, 2)}]


def computed_answers(facts: ClinicalFacts) -> dict[str, list[dict[str, Any]]]:
    """Answers by linkId for the read-only computed items; a value the data cannot give stays blank."""
    diagnoses: list[dict[str, Any]] = []
    for name, label in DIAGNOSIS_LABELS.items():
        fact: Fact[bool] = getattr(facts, name)
        if fact.value is True:
            diagnoses.append({"valueString": label})
    age = facts.age_years.value
    return {
        "age-years": [] if age is None else [{"valueInteger": age}],
        "bsa-m2": _decimal(facts.bsa_m2.value),
        "cumulative-doxorubicin-mg-m2": _decimal(facts.cumulative_doxorubicin.value),
        "cumulative-anthracycline-mg-m2": _decimal(facts.cumulative_anthracycline.value),
        "planned-doxorubicin-mg-m2": _decimal(facts.planned_doxorubicin.value),
        "planned-anthracycline-mg-m2": _decimal(facts.planned_anthracycline.value),
        "dexrazoxane-dose-mg-m2": _decimal(facts.dexrazoxane_dose_mg_m2.value),
        "doxorubicin-dose-mg-m2": _decimal(facts.doxorubicin_dose_mg_m2.value),
        "dose-ratio": _decimal(facts.dose_ratio.value),
        "diagnoses": diagnoses,
    }


def met_criteria(determination: Determination) -> set[str]:
    if determination.criteria is None:
        return set()
    return {
        node.id
        for node in determination.criteria.walk()
        if node.outcome is Outcome.MET and node.id in CRITERION_LINK_IDS
    }


def _answered_items(answers: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """QuestionnaireResponse items mirroring the Questionnaire's groups, only where there is an answer."""
    groups = [
        (pathway.link_id, pathway.text, [criterion for criterion, _ in pathway.criteria])
        for pathway in PATHWAY_QUESTIONS
    ]
    groups.append((*COVERAGE_GROUP, [COVERAGE_ITEM.link_id]))
    groups.append((*COMPUTED_GROUP, [item.link_id for item in COMPUTED_ITEMS]))
    items = []
    for link_id, text, children in groups:
        answered = [{"linkId": child, "answer": answers[child]} for child in children if answers.get(child)]
        if answered:
            items.append({"linkId": link_id, "text": text, "item": answered})
    return items


def prefill_answers(determination: Determination) -> dict[str, list[dict[str, Any]]]:
    """Answers by linkId: what the service computed and a "yes" per criterion met. Plain JSON: this is
    what the store keeps for DTR (dtr/store.py), not the determination itself."""
    answers: dict[str, list[dict[str, Any]]] = {}
    if determination.facts is not None:
        answers.update(computed_answers(determination.facts))
        line = determination.facts.line_of_business.value
        if line is not None:  # known: the clinician need not answer it
            answers[COVERAGE_ITEM.link_id] = [{"valueString": f"line of business: {line}"}]
    answers.update({criterion: [{"valueBoolean": True}] for criterion in met_criteria(determination)})
    return answers


def questionnaire_response(
    *,
    canonical: str,
    answers: dict[str, list[dict[str, Any]]],
    subject: str | None,
    orders: list[str],
    authored: datetime,
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(uuid.uuid4()),
        "questionnaire": canonical,
        "status": "in-progress",
        "authored": authored.isoformat(timespec="seconds"),
    }
    if orders:
        response["extension"] = [
            {"url": QR_CONTEXT_URL, "valueReference": {"reference": ref}} for ref in orders
        ]
    if subject:
        response["subject"] = {"reference": subject}
    items = _answered_items(answers)
    if items:
        response["item"] = items
    return response
