"""The prefetch templates discovery advertises (docs/facts.md): CDS Hooks 2.0 tokens only."""

from __future__ import annotations

# order-sign and order-select: their contexts carry userId, so the user tokens can be filled.
PREFETCH_TEMPLATES: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "coverage": "Coverage?patient={{context.patientId}}&status=active",
    "practitioner": "Practitioner/{{userPractitionerId}}",
    "practitionerRoles": "PractitionerRole?practitioner={{userPractitionerId}}",
    "medicationAdministrations": "MedicationAdministration?patient={{context.patientId}}",
    # on-hold too: an order on hold may resume, so it makes concurrency and its doses to come unknown
    # rather than absent (docs/facts.md "Record integrity", orders in play); the service must see it.
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}&status=active,on-hold",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": (
        "Observation?patient={{context.patientId}}"
        "&code=http://loinc.org|8302-2,http://loinc.org|29463-7,http://loinc.org|8277-6"
    ),
    "procedures": "Procedure?patient={{context.patientId}}",
}

# order-dispatch: its context has no userId (patientId, dispatchedOrders, performer, fulfillmentTasks), so
# no user token can be filled and those templates are not advertised (the prescriber is read from the
# order's requester instead). dispatchedOrders is an array, never a CDS Hooks 2.0 token: the dispatched
# orders, active once signed, come with `medicationRequests`, else are read from fhirServer by id.
DISPATCH_PREFETCH_TEMPLATES: dict[str, str] = {
    key: template for key, template in PREFETCH_TEMPLATES.items() if "{{user" not in template
}
