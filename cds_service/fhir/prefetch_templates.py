"""The prefetch templates discovery advertises (CONTRACT §3): CDS Hooks 2.0 tokens only."""

from __future__ import annotations

PREFETCH_TEMPLATES: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "coverage": "Coverage?patient={{context.patientId}}&status=active",
    "practitioner": "Practitioner/{{userPractitionerId}}",
    "practitionerRoles": "PractitionerRole?practitioner={{userPractitionerId}}",
    "medicationAdministrations": "MedicationAdministration?patient={{context.patientId}}",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}&status=active",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": (
        "Observation?patient={{context.patientId}}"
        "&code=http://loinc.org|8302-2,http://loinc.org|29463-7,http://loinc.org|8277-6"
    ),
    "procedures": "Procedure?patient={{context.patientId}}",
}
