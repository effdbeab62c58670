"""The FHIR R4 Questionnaire for CP.PHAR.418 (docs/response.md "Documentation template (DTR)"), to the DTR
minimum: `subjectType` Patient and every item with `linkId`, `type` and `text` (Da Vinci DTR 2.2.0,
DTRQuestionnaireBase.fsh). References to it are version-specific (DTR §oper-16), hence
`questionnaire_canonical` with `|version`.
"""

from __future__ import annotations

from typing import Any

from cds_service.clinical.documentation import PAYER_REVIEWED_CRITERIA
from cds_service.dtr.questionnaire_items import (
    COMPUTED_GROUP,
    COMPUTED_ITEMS,
    COVERAGE_GROUP,
    COVERAGE_ITEM,
    PATHWAY_QUESTIONS,
)
from cds_service.policy.cp_phar_418 import POLICY_ID, POLICY_TITLE
from cds_service.policy.outcome import NOT_SHOWN

QUESTIONNAIRE_ID = "cp-phar-418-dexrazoxane"
# The policy's last review (05.26) and this template's revision of it.
QUESTIONNAIRE_VERSION = "2026.05.1"
QUESTIONNAIRE_DATE = "2026-05-01"
DTR_STD_QUESTIONNAIRE = "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/dtr-std-questionnaire"


def questionnaire_url(public_base_url: str) -> str:
    return f"{public_base_url.rstrip('/')}/fhir/Questionnaire/{QUESTIONNAIRE_ID}"


def questionnaire_canonical(public_base_url: str) -> str:
    return f"{questionnaire_url(public_base_url)}|{QUESTIONNAIRE_VERSION}"


def _evidence_item(criterion: str) -> dict[str, Any]:
    """Where the policy asks the prescriber to submit evidence (I.A.5.b, II.A.4.b), a place to attach it:
    the tick alone is never evidence (docs/facts.md "Record integrity"); what is attached goes to the payer's
    review."""
    if criterion not in PAYER_REVIEWED_CRITERIA:
        return {}
    return {
        "item": [
            {
                "linkId": f"{criterion}.evidence",
                "type": "attachment",
                "text": (
                    "Attach the practice guideline or peer-reviewed literature (the health plan reviews it)"
                ),
                "repeats": True,
            }
        ]
    }


def _items() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = [
        {
            "linkId": "instructions",
            "type": "display",
            "text": f"Answer for the pathway that applies to this order, first the criteria the card lists "
            f"as {NOT_SHOWN}. {POLICY_ID}: provider must submit documentation (such as office chart "
            "notes, lab results or other clinical information) supporting that member has met all approval "
            "criteria.",
        }
    ]
    groups += [
        {
            "linkId": pathway.link_id,
            "type": "group",
            "text": pathway.text,
            "item": [
                {"linkId": criterion, "prefix": criterion, "type": "boolean", "text": words}
                | _evidence_item(criterion)
                for criterion, words in pathway.criteria
            ],
        }
        for pathway in PATHWAY_QUESTIONS
    ]
    link_id, text = COVERAGE_GROUP
    groups.append(
        {
            "linkId": link_id,
            "type": "group",
            "text": text,
            "item": [
                {"linkId": COVERAGE_ITEM.link_id, "type": COVERAGE_ITEM.type, "text": COVERAGE_ITEM.text}
            ],
        }
    )
    link_id, text = COMPUTED_GROUP
    groups.append(
        {
            "linkId": link_id,
            "type": "group",
            "text": text,
            "item": [
                {"linkId": item.link_id, "type": item.type, "text": item.text, "readOnly": True}
                | ({"repeats": True} if item.link_id == "diagnoses" else {})
                for item in COMPUTED_ITEMS
            ],
        }
    )
    return groups


def questionnaire(*, public_base_url: str, publisher: str) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "meta": {"profile": [DTR_STD_QUESTIONNAIRE]},
        "url": questionnaire_url(public_base_url),
        "version": QUESTIONNAIRE_VERSION,
        "name": "CPPHAR418Dexrazoxane",
        "title": f"Dexrazoxane prior authorization documentation ({POLICY_TITLE}, {POLICY_ID})",
        "status": "active",
        "subjectType": ["Patient"],
        "date": QUESTIONNAIRE_DATE,
        "publisher": publisher,
        "description": f"Documentation for the criteria of {POLICY_ID} that the EHR data leaves not shown "
        "(documentation needed).",
        "item": _items(),
    }
