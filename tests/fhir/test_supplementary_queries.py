"""The searches read beside the prefetch ask for exactly the codes the facts read (one list each: the
fhir layer cannot import the clinical code lists, so the two are held equal here)."""

from __future__ import annotations

from cds_service.clinical import codes
from cds_service.fhir.supplementary_queries import (
    BCR_ABL1_LOINC,
    DISEASE_STATUS_LOINC,
    SUPPLEMENTARY_QUERIES,
)


def test_the_ph_status_search_asks_for_every_code_read_as_a_ph_status() -> None:
    assert set(BCR_ABL1_LOINC) == codes.LOINC_BCR_ABL1 | codes.LOINC_KARYOTYPE
    assert len(BCR_ABL1_LOINC) == len(set(BCR_ABL1_LOINC))
    query = SUPPLEMENTARY_QUERIES["bcrAbl1Observations"]
    assert query.count("http://loinc.org|") == len(BCR_ABL1_LOINC)


def test_the_disease_status_search_asks_for_every_disease_status_code() -> None:
    assert set(DISEASE_STATUS_LOINC) == codes.LOINC_DISEASE_STATUS
    query = SUPPLEMENTARY_QUERIES["diseaseStatusObservations"]
    assert query.count("http://loinc.org|") == len(DISEASE_STATUS_LOINC)
