"""Which section of CP.PHAR.418 judges an order (docs/decisions.md "Pathways")."""

from __future__ import annotations

from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.order_purpose import extravasation_recorded, judged_as_extravasation

EXTRAVASATION = "I.B"
CONTINUED_CARDIOPROTECTION = "II.A"
INITIAL_CARDIOPROTECTION = "I.A"


def select_pathway(facts: ClinicalFacts) -> str:
    """The order's own purpose decides first (docs/decisions.md): its reason an extravasation → I.B; its
    reason the cancer or cardioprotection → the cardiomyopathy pathways. Without a reason, I.B only when an
    extravasation is recorded in the 7 days before the order *and* the order is an extravasation course
    (one run of at most 3 consecutive days, not repeating, not signed with a doxorubicin order); a
    repeating order, or one signed together with doxorubicin, is cardioprotection. I.B is never
    re-authorized (II.B): each request is judged on I.B. Cardiomyopathy: II.A when the patient already
    had dexrazoxane for cardioprotection, else I.A.

    An extravasation counts as recorded whenever a record of it is the evidence, settled or not (no
    onset date, no drug identified, another drug's), or could not be read (a code that names no drug, with
    words naming an extravasation): I.B.1 then says which, so the order is judged on what it was meant
    for (``clinical.order_purpose.judged_as_extravasation``).
    """
    # A T80.810 record in the window, whatever drug it turns out to be (a vincristine extravasation
    # treated with a 3-day course is judged, and not met, on I.B.1, not on cardioprotection criteria), and
    # an extravasation recorded under a code the service cannot classify (WHO T80.8 with words naming it).
    if judged_as_extravasation(
        facts.order_purpose, facts.anthracycline_extravasation, facts.extravasation_course_order
    ):
        return EXTRAVASATION
    if facts.prior_dexrazoxane_cardioprotection.value:
        return CONTINUED_CARDIOPROTECTION
    return INITIAL_CARDIOPROTECTION


def pathway_reason(facts: ClinicalFacts, pathway: str) -> str:
    """Why the order is judged where it is, when an extravasation is in play (else empty): the reader
    sees which rule of docs/decisions.md chose the pathway."""
    purpose = facts.order_purpose
    recorded = extravasation_recorded(facts.anthracycline_extravasation)
    if pathway == EXTRAVASATION and purpose.value == "extravasation":
        return purpose.reason
    if pathway == EXTRAVASATION:
        course = facts.extravasation_course_order.reason
        return (
            "no reason on the order; an extravasation is recorded and the order is an extravasation "
            f"course ({course})"
        )
    if purpose.value == "cardioprotection" and recorded:
        return f"{purpose.reason}, so not the extravasation pathway"
    if recorded:
        course = facts.extravasation_course_order.reason or "not an extravasation course"
        return (
            f"an extravasation is recorded, but the order is not an extravasation course ({course}): "
            "cardioprotection"
        )
    return ""
