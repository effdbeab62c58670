"""Radiation with potential impact to the heart: chest, abdomen, spine or total body (docs/facts.md
"Protocol enrollment and radiation"; HL7 mCODE radiotherapy profiles).

A Procedure done (completed / in-progress) or a ServiceRequest planned (active / draft / on-hold /
completed) for radiotherapy (SNOMED CT code or category in the radiotherapy set, or a CPT code in the
radiation oncology range) whose ``bodySite`` is in the chest, abdomen, spine or whole-body sets. CPT
carries no site, so the site must be coded. Radiation plans are seldom structured: found is ``True``,
not found is unknown.
"""

from __future__ import annotations

from cds_service.clinical import codes
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import as_list, codings, status_of
from cds_service.clinical.orders import not_going_ahead
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_DONE = frozenset({"completed", "in-progress"})
_PLANNED = frozenset({"active", "draft", "on-hold", "completed"})


def _is_cpt_radiation(code: str) -> bool:
    low, high = codes.CPT_RADIATION_RANGE
    return code.isdigit() and low <= int(code) <= high


def is_radiotherapy(resource: Resource) -> bool:
    for system, code in codings([resource.get("code"), *as_list(resource.get("category"))]):
        if system == codes.SNOMED and code in codes.SCT_RADIOTHERAPY:
            return True
        if system == codes.CPT and _is_cpt_radiation(code):
            return True
    return False


def near_heart(resource: Resource) -> bool:
    return any(
        system == codes.SNOMED and code in codes.SCT_HEART_IMPACT_SITES
        for system, code in codings(resource.get("bodySite"))
    )


def heart_radiation(pool: ResourcePool) -> Fact[bool]:
    evidence = [
        reference_of(r)
        for r in pool.of_type("Procedure")
        if status_of(r) in _DONE and is_radiotherapy(r) and near_heart(r)
    ] + [
        reference_of(r)
        for r in pool.of_type("ServiceRequest")
        if status_of(r) in _PLANNED and not not_going_ahead(r) and is_radiotherapy(r) and near_heart(r)
    ]
    if evidence:
        return Fact(True, tuple(evidence), "radiotherapy to the chest, abdomen, spine or total body")
    return Fact(None, (), "no radiotherapy with potential impact to the heart recorded (seldom structured)")
