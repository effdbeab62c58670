"""Which section of CP.PHAR.418 judges an order (CONTRACT §2, "Pathways")."""

from __future__ import annotations

from cds_service.clinical.facts import ClinicalFacts

EXTRAVASATION = "I.B"
CONTINUED_CARDIOPROTECTION = "II.A"
INITIAL_CARDIOPROTECTION = "I.A"


def select_pathway(facts: ClinicalFacts) -> str:
    """I.B for an anthracycline extravasation (never re-authorized, II.B: each request is judged on I.B);
    else II.A when the patient already had dexrazoxane for cardioprotection; else I.A.

    An extravasation the data cannot settle is judged on I.B too, whenever a record of it is the evidence
    (an unknown fact with evidence): a T80.810 Condition with no onset or recorded date, or a T80.810
    with no anthracycline given or ordered in the week before it (the vesicant may be another drug). Its
    I.B.1 is then unknown, so the order pends for the documentation instead of being denied on
    cardioprotection criteria it was never meant to meet. A sequela code (T80.810S) is no extravasation
    record at all: it leaves the fact ``False`` with no evidence.
    """
    extravasation = facts.anthracycline_extravasation
    if extravasation.value or (extravasation.value is None and extravasation.evidence):
        return EXTRAVASATION
    if facts.prior_dexrazoxane_cardioprotection.value:
        return CONTINUED_CARDIOPROTECTION
    return INITIAL_CARDIOPROTECTION
