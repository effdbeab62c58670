"""The line of business of the patient's active Coverage (CONTRACT §3 "Line of business").

The Coverage used is the active one the order names in ``insurance``, else, among the active Coverages
in force on the approval start (``period``), the one first in order of benefits (``Coverage.order``): a
member with Medicare first and Medicaid second is a Medicare member.
Its line of business comes from the configured map first (payer / plan identifier value -> line of
business; plan values, ``Coverage.class[].value``, are tried before payer identifiers, being the more
specific), then from ``Coverage.type`` in the Source of Payment Typology. HIM/ICHRA ("marketplace")
can only come from the map: SOPT does not tell a marketplace plan from other commercial insurance.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from cds_service.clinical import codes
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import codings, dicts, obj, parse_date, status_of
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_IN_FORCE = frozenset({"", "active"})


def normalized_line_of_business(value: object) -> str | None:
    """``commercial`` | ``marketplace`` | ``medicaid`` | ``medicare`` for a configured spelling, else None."""
    return codes.LINE_OF_BUSINESS_SYNONYMS.get(value.strip().lower()) if isinstance(value, str) else None


def _in_force(coverage: Resource, on: date | None) -> bool:
    if status_of(coverage) not in _IN_FORCE:
        return False
    period = obj(coverage.get("period"))
    start, end = parse_date(period.get("start")), parse_date(period.get("end"))
    return on is None or ((start is None or start <= on) and (end is None or on <= end))


def _benefit_order(coverage: Resource) -> float:
    order = coverage.get("order")
    return order if isinstance(order, int) and not isinstance(order, bool) and order > 0 else float("inf")


def active_coverage(pool: ResourcePool, order: Resource, on: date | None = None) -> Resource | None:
    for insurance in dicts(order.get("insurance")):
        found = pool.resolve(insurance, within=order)
        if found is not None and found.get("resourceType") == "Coverage" and _in_force(found, on):
            return found
    in_force = [coverage for coverage in pool.of_type("Coverage") if _in_force(coverage, on)]
    return min(in_force, key=_primary_first) if in_force else None


def _primary_first(coverage: Resource) -> tuple[float, int, str]:
    """Order of benefits; between Coverages that do not say theirs, Medicare first (it is primary for
    dual-eligible members, and outside this policy: a tie never becomes an approval under it), then by id
    so the choice does not depend on the order the Bundle lists them in."""
    medicare = any(system in codes.SOPT and code[:1] == "1" for system, code in codings(coverage.get("type")))
    return _benefit_order(coverage), 0 if medicare else 1, str(coverage.get("id", ""))


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
    pool: ResourcePool, order: Resource, line_of_business_map: Mapping[str, str], on: date | None = None
) -> tuple[Fact[str], Fact[str]]:
    """``(line of business, "Coverage/<id>")`` of the Coverage in force on ``on`` (the approval start)."""
    coverage = active_coverage(pool, order, on)
    if coverage is None:
        return Fact(None, (), "no active Coverage in the data"), Fact(None, (), "no active Coverage")
    reference = reference_of(coverage)
    used: Fact[str] = Fact(reference, (reference,), "active Coverage")
    for value in _identifier_values(coverage, pool):
        mapped = normalized_line_of_business(line_of_business_map.get(value))
        if mapped is not None:
            return Fact(mapped, (reference,), f"configured for payer/plan identifier {value}"), used
    for system, code in codings(coverage.get("type")):
        if system in codes.SOPT and code[:1] in codes.SOPT_LINE_OF_BUSINESS:
            return (
                Fact(codes.SOPT_LINE_OF_BUSINESS[code[:1]], (reference,), f"Coverage.type SOPT {code}"),
                used,
            )
    return Fact(None, (reference,), "Coverage has no mapped payer/plan and no SOPT type"), used
