"""Drug administrations that count (CONTRACT §3 "Administered dose"), read from MedicationAdministration
in its R4, STU3 and DSTU2 shapes.

Counted: ``completed`` and ``in-progress``; ``stopped`` only when a dose is recorded (what was given
before the stop). Never: ``not-done`` (or DSTU2 ``wasNotGiven`` / STU3 ``notGiven``), ``entered-in-error``,
``on-hold``, ``unknown``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from cds_service.clinical.codes import Agent
from cds_service.clinical.drugs import agent_of
from cds_service.clinical.fhir_read import dose_quantity, obj, parse_date, status_of
from cds_service.fhir.pool import Resource, ResourcePool, reference_of, relative_part

COUNTED_STATUSES = frozenset({"completed", "in-progress"})


class Administration(NamedTuple):
    resource: Resource
    reference: str
    agent: Agent
    status: str
    when: date | None
    amount: tuple[float, str] | None
    request: str | None  # "Type/id" of the order it fulfils, when it names one


def administered_on(resource: Resource) -> date | None:
    """The day of a MedicationAdministration: R4/STU3 ``effective[x]``, DSTU2 ``effectiveTime[x]``."""
    for key in ("effectiveDateTime", "effectiveTimeDateTime"):
        if key in resource:
            return parse_date(resource[key])
    for key in ("effectivePeriod", "effectiveTimePeriod"):
        period = obj(resource.get(key))
        if period:
            return parse_date(period.get("start") or period.get("end"))
    return None


def _amount(resource: Resource) -> tuple[float, str] | None:
    dosage = obj(resource.get("dosage"))
    return dose_quantity(dosage.get("dose")) or dose_quantity(dosage.get("quantity"))  # DSTU2: quantity


def request_reference(reference: Any, pool: ResourcePool, within: Resource) -> str | None:
    """``Type/id`` of a referenced order (resolved when it is in the pool, else read from the string)."""
    found = pool.resolve(reference, within=within)
    if found is not None:
        return reference_of(found)
    ref = obj(reference).get("reference")
    return relative_part(ref) if isinstance(ref, str) else None


def _request_of(resource: Resource, pool: ResourcePool, seen: dict[str, str | None]) -> str | None:
    """The order an administration fulfils; a course's administrations all name the same few orders, so
    each reference string is resolved once (``#contained`` ones depend on the resource: never shared)."""
    request = resource.get("request") or resource.get("prescription")
    if not request:
        return None
    ref = request.get("reference") if isinstance(request, dict) else None
    if not isinstance(ref, str) or ref.startswith("#"):
        return request_reference(request, pool, resource)
    if ref not in seen:
        seen[ref] = request_reference(request, pool, resource)
    return seen[ref]


def counted_administrations(pool: ResourcePool, agents: frozenset[Agent]) -> list[Administration]:
    """Administrations of ``agents`` that count toward a total, in no particular order.

    Each resource is read once, cheapest test first: the status settles most of those that do not count
    before the drug or the dose is looked at (a long history is hundreds of these per hook call).
    """
    found: list[Administration] = []
    requests: dict[str, str | None] = {}
    for resource in pool.of_type("MedicationAdministration"):
        if resource.get("wasNotGiven") is True or resource.get("notGiven") is True:
            continue
        status = status_of(resource)
        amount = _amount(resource) if status == "stopped" else None
        if status not in COUNTED_STATUSES and amount is None:
            continue
        agent = agent_of(resource, pool)
        if agent is None or agent not in agents:
            continue
        if status != "stopped":
            amount = _amount(resource)
        found.append(
            Administration(
                resource=resource,
                reference=reference_of(resource),
                agent=agent,
                status=status,
                when=administered_on(resource),
                amount=amount,
                request=_request_of(resource, pool, requests),
            )
        )
    return found
