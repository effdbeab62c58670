"""Determination for one dexrazoxane order. (First cut: pends everything; the criteria tree replaces it.)"""

from __future__ import annotations

from cds_service.clinical.facts import ClinicalFacts
from cds_service.fhir.pool import Resource
from cds_service.policy.determination import Decision, Determination


def determine(facts: ClinicalFacts, order: Resource) -> Determination:
    return Determination(
        order=facts.order,
        decision=Decision.PEND,
        pathway=None,
        criteria=None,
        facts=facts,
        order_resource=order,
    )
