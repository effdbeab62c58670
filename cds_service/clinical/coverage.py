"""The line of business of the patient's active Coverage (CONTRACT §3 "Line of business").

The Coverage used is the active one the order names in ``insurance``, else the first active Coverage.
Its line of business comes from the configured map first (payer / plan identifier value -> line of
business; plan values, ``Coverage.class[].value``, are tried before payer identifiers, being the more
specific), then from ``Coverage.type`` in the Source of Payment Typology. HIM/ICHRA ("marketplace")
can only come from the map: SOPT does not tell a marketplace plan from other commercial insurance.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from cds_service.clinical import codes
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import codings, dicts, status_of
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_IN_FORCE = frozenset({"", "active"})


def active_coverage(pool: ResourcePool, order: Resource) -> Resource | None:
    for insurance in dicts(order.get("insurance")):
        found = pool.resolve(insurance, within=order)
        if found is not None and found.get("resourceType") == "Coverage" and status_of(found) in _IN_FORCE:
            return found
    for coverage in pool.of_type("Coverage"):
        if status_of(coverage) in _IN_FORCE:
            return coverage
    return None


def _identifier_values(coverage: Resource, pool: ResourcePool) -> Iterator[str]:
    for plan_class in dicts(coverage.get("class")):
        if isinstance(plan_class.get("value"), str):
            yield plan_class["value"]
    for payor in dicts(coverage.get("payor")) or dicts(coverage.get("insurer")):
        inline = payor.get("identifier")
        if isinstance(inline, dict) and isinstance(inline.get("value"), str):
            yield inline["value"]
        organization = pool.resolve(payor, within=coverage)
        for identifier in dicts((organization or {}).get("identifier")):
            if isinstance(identifier.get("value"), str):
                yield identifier["value"]


def line_of_business(
    pool: ResourcePool, order: Resource, line_of_business_map: Mapping[str, str]
) -> tuple[Fact[str], Fact[str]]:
    """``(line of business, "Coverage/<id>")``."""
    coverage = active_coverage(pool, order)
    if coverage is None:
        return Fact(None, (), "no active Coverage in the data"), Fact(None, (), "no active Coverage")
    reference = reference_of(coverage)
    used: Fact[str] = Fact(reference, (reference,), "active Coverage")
    for value in _identifier_values(coverage, pool):
        mapped = line_of_business_map.get(value)
        if isinstance(mapped, str) and mapped.strip().lower() in codes.LINES_OF_BUSINESS:
            return Fact(
                mapped.strip().lower(), (reference,), f"configured for payer/plan identifier {value}"
            ), used
    for system, code in codings(coverage.get("type")):
        if system in codes.SOPT and code[:1] in codes.SOPT_LINE_OF_BUSINESS:
            return (
                Fact(codes.SOPT_LINE_OF_BUSINESS[code[:1]], (reference,), f"Coverage.type SOPT {code}"),
                used,
            )
    return Fact(None, (reference,), "Coverage has no mapped payer/plan and no SOPT type"), used
