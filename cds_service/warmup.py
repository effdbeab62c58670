"""Warm up the fhir.resources R4B models the service emits, so the first hook call is not the slow one.

fhir.resources imports resource modules lazily: the first validation of a type costs ~120 ms, later
ones ~20 ms (measured; so one bundled sample resource per type is validated
at start-up, before readiness turns green). Each sample goes through the same nested types the service emits
(a Bundle entry, a contained resource, an extension, a Questionnaire item), so their modules load too.
"""

from __future__ import annotations

from typing import Any

_MEDICATION_REQUEST: dict[str, Any] = {
    "resourceType": "MedicationRequest",
    "id": "warm-up",
    "status": "draft",
    "intent": "order",
    "medicationCodeableConcept": {
        "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1"}]
    },
    "subject": {"reference": "Patient/warm-up"},
    "authoredOn": "2026-01-01",
    "extension": [
        {
            "url": "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information",
            "extension": [
                {"url": "covered", "valueCode": "covered"},
                {"url": "date", "valueDate": "2026-01-01"},
            ],
        }
    ],
    "dosageInstruction": [
        {
            "timing": {"repeat": {"count": 1, "frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [
                {"doseQuantity": {"value": 1, "unit": "mg/m2", "system": "http://unitsofmeasure.org"}}
            ],
        }
    ],
}

_QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "id": "warm-up",
    "url": "http://example.org/Questionnaire/warm-up",
    "status": "active",
    "item": [
        {
            "linkId": "1",
            "text": "warm-up",
            "type": "choice",
            "answerOption": [{"valueCoding": {"code": "y"}}],
            "enableWhen": [{"question": "0", "operator": "exists", "answerBoolean": True}],
        }
    ],
}

_QUESTIONNAIRE_RESPONSE: dict[str, Any] = {
    "resourceType": "QuestionnaireResponse",
    "status": "in-progress",
    "questionnaire": "http://example.org/Questionnaire/warm-up",
    "item": [{"linkId": "1", "answer": [{"valueDecimal": 1.0}, {"valueString": "x"}]}],
}

_OPERATION_OUTCOME: dict[str, Any] = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "invalid", "details": {"text": "warm-up"}}],
}


def warm_up_models() -> None:
    """Validate and serialise one sample of each emitted type (blocking: run it off the event loop).

    The imports are here so that importing the app stays fast and liveness answers at once.
    """
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.medicationrequest import MedicationRequest
    from fhir.resources.R4B.operationoutcome import OperationOutcome
    from fhir.resources.R4B.parameters import Parameters
    from fhir.resources.R4B.questionnaire import Questionnaire
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    samples = [
        MedicationRequest.model_validate(_MEDICATION_REQUEST),
        Questionnaire.model_validate(_QUESTIONNAIRE),
        QuestionnaireResponse.model_validate(_QUESTIONNAIRE_RESPONSE),
        OperationOutcome.model_validate(_OPERATION_OUTCOME),
        Bundle.model_validate(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": _QUESTIONNAIRE}, {"resource": _QUESTIONNAIRE_RESPONSE}],
            }
        ),
        Parameters.model_validate(
            {"resourceType": "Parameters", "parameter": [{"name": "return", "resource": _MEDICATION_REQUEST}]}
        ),
    ]
    for sample in samples:
        sample.model_dump_json()
    # The ICD-10 tables the diagnoses are read with (280 KiB of JSON): read now, not on the first hook.
    from cds_service.clinical import icd10

    icd10.warm()
