"""Facts from the FHIR resources of a request. (First cut: nothing read yet.)"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cds_service.clinical.facts import ClinicalFacts
from cds_service.fhir.pool import Resource, ResourcePool, reference_of


def extract_facts(
    pool: ResourcePool, order: Resource, *, today: date, line_of_business_map: Mapping[str, str]
) -> ClinicalFacts:
    return ClinicalFacts(order=reference_of(order), approval_start=today)
