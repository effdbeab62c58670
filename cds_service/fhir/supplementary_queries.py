"""FHIR searches the decision reads beyond the advertised prefetch (docs/prefetch.md "What is read beyond the
advertised keys").

These are not advertised in discovery (every extra key costs the client time against the ~500 ms budget
of CDS Hooks 2.0, S2 L230), but a client that prefetches one under the same key is used as is. Each is
fetched from ``fhirServer`` only for a dexrazoxane order, and none is required: the facts they carry
are "seldom structured" (docs/decisions.md), so their absence leaves the criteria unknown, not unmet.
"""

from __future__ import annotations

# The Ph status results (clinical.codes.LOINC_BCR_ABL1 and LOINC_KARYOTYPE, where each code's source is
# named; tests/fhir/test_supplementary_queries.py holds the two lists equal): BCR-ABL1 ratios, the
# International Scale, qualitative presence and FISH, and the karyotype in ISCN.
BCR_ABL1_LOINC = (
    "46434-7",
    "55147-3",
    "50195-7",
    "82905-1",
    "69380-4",
    "21821-4",
    "21822-2",
    "21823-0",
    "42714-6",
    "21795-0",
    "62356-1",
)

# Response to therapy: the mCODE Cancer Disease Status (clinical.codes.LOINC_DISEASE_STATUS, held equal).
DISEASE_STATUS_LOINC = ("97509-4", "88040-1")

SUPPLEMENTARY_QUERIES: dict[str, str] = {
    # Referrals ("in consultation with" an oncologist/hematologist) and planned radiation.
    "serviceRequests": "ServiceRequest?patient={{context.patientId}}",
    # Protocol enrollment (DFCI 11-001, DFCI 16-001, COG AALL1331); the studies come along by _include,
    # and any a server leaves out are read by id afterwards (fhir.references).
    "researchSubjects": "ResearchSubject?patient={{context.patientId}}&_include=ResearchSubject:study",
    "carePlans": "CarePlan?patient={{context.patientId}}",
    "bcrAbl1Observations": (
        "Observation?patient={{context.patientId}}&code="
        + ",".join(f"http://loinc.org|{c}" for c in BCR_ABL1_LOINC)
    ),
    # Response to therapy (II.A.3): the mCODE Cancer Disease Status the treating team records
    # (clinical.codes.LOINC_DISEASE_STATUS: 97509-4, and 88040-1 of mCODE STU1).
    "diseaseStatusObservations": (
        "Observation?patient={{context.patientId}}&code="
        + ",".join(f"http://loinc.org|{c}" for c in DISEASE_STATUS_LOINC)
    ),
    # Home oral dasatinib or imatinib, often charted only as what the patient takes (I.A.3.b.i.2), and
    # anthracycline given elsewhere, charted as "outside records" (completed statements): every status,
    # since a completed statement of doxorubicin is an unknown part of the cumulative dose (not read is
    # not absent, clinical.outside_doses). MedicationDispense is read when the EHR sends it but not asked
    # for: an infusion's dispense comes with its administration, which is read.
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}",
    # Documentation a clinician already completed (the DTR Questionnaire, docs/response.md "Documentation
    # template (DTR)").
    "questionnaireResponses": "QuestionnaireResponse?patient={{context.patientId}}",
}
