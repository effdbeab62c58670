"""Which section of CP.PHAR.418 judges an order (CONTRACT §2, "Pathways")."""

from __future__ import annotations

from cds_service.clinical.facts import ClinicalFacts

EXTRAVASATION = "I.B"
CONTINUED_CARDIOPROTECTION = "II.A"
INITIAL_CARDIOPROTECTION = "I.A"


def select_pathway(facts: ClinicalFacts) -> str:
    """I.B for an anthracycline extravasation (never re-authorized, II.B: each request is judged on I.B);
    else II.A when the patient already had dexrazoxane for cardioprotection; else I.A."""
    if facts.anthracycline_extravasation.value:
        return EXTRAVASATION
    if facts.prior_dexrazoxane_cardioprotection.value:
        return CONTINUED_CARDIOPROTECTION
    return INITIAL_CARDIOPROTECTION
