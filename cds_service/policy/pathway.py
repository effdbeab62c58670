"""Which section of CP.PHAR.418 judges an order (CONTRACT §2, "Pathways")."""

from __future__ import annotations

from cds_service.clinical.facts import ClinicalFacts

EXTRAVASATION = "I.B"
CONTINUED_CARDIOPROTECTION = "II.A"
INITIAL_CARDIOPROTECTION = "I.A"


def select_pathway(facts: ClinicalFacts) -> str:
    """I.B for an anthracycline extravasation (never re-authorized, II.B: each request is judged on I.B);
    else II.A when the patient already had dexrazoxane for cardioprotection; else I.A.

    An extravasation the data cannot place in time (a Condition with no onset or recorded date) is judged
    on I.B too: its I.B.1 is then unknown, so the order pends for the date instead of being denied on
    cardioprotection criteria it was never meant to meet.
    """
    extravasation = facts.anthracycline_extravasation
    if extravasation.value or (extravasation.value is None and extravasation.evidence):
        return EXTRAVASATION
    if facts.prior_dexrazoxane_cardioprotection.value:
        return CONTINUED_CARDIOPROTECTION
    return INITIAL_CARDIOPROTECTION
