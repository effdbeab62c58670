"""References the decision follows that the pool cannot resolve yet, as FHIR searches to fetch them.

docs/facts.md: ``medicationReference`` is resolved "from ``contained``, the prefetch or the server"; the
prescriber's specialty comes from PractitionerRole or Practitioner; protocol enrollment from the
ResearchStudy a ResearchSubject names. What the pool already holds (by ``#id``, ``Type/id``, an absolute
URL or a ``fullUrl``) is never fetched again. What is missing is read (``GET Type/id``, which every FHIR
server supports) when a type has a few ids, and searched by ``Type?_id=a,b,...`` when it has many (an
administration history whose every entry names its own Medication), so the round trips stay few.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from cds_service.fhir.pool import Resource, ResourcePool
from cds_service.fhir.tokens import fhir_id, relative_reference

# Resource types whose medicationReference names the drug given or ordered (R4/STU3 and DSTU2).
MEDICATION_BEARING = (
    "MedicationAdministration",
    "MedicationRequest",
    "MedicationOrder",
    "MedicationStatement",
)
PRESCRIBER_TYPES = ("Practitioner", "PractitionerRole")
# Up to this many ids of one type are read one by one (concurrently); more are searched by _id.
MAX_READS_PER_TYPE = 5
# FHIR servers accept comma-separated token values (OR); kept short so URLs stay well under 2 kB.
IDS_PER_SEARCH = 40


def _reference(value: Any) -> str | None:
    ref = value.get("reference") if isinstance(value, dict) else None
    return ref if isinstance(ref, str) and ref else None


def target_of(reference: str, owns: Callable[[str], bool]) -> tuple[str, str] | None:
    """``(type, id)`` a reference names on fhirServer: relative ``Type/id`` or an absolute URL on it."""
    if reference.startswith(("#", "urn:")):
        return None
    path = reference.split("/_history/")[0].rstrip("/")
    if "://" in path:
        if not owns(path):
            return None
        path = "/".join(path.split("/")[-2:])
    return relative_reference(path)


def medication_references(
    pool: ResourcePool, resources: Iterable[Resource]
) -> Iterator[tuple[Resource, str]]:
    for resource in resources:
        ref = _reference(resource.get("medicationReference"))
        if ref is not None:
            yield resource, ref


def prescriber_references(pool: ResourcePool, orders: Iterable[Resource]) -> Iterator[str]:
    """The orders' requesters (DSTU2: ``prescriber``) and the signing user."""
    for order in orders:
        for element in ("requester", "prescriber"):
            ref = _reference(order.get(element))
            if ref is not None:
                yield ref
    if pool.user_reference:
        yield pool.user_reference


def missing_references(
    pool: ResourcePool, orders: Iterable[Resource], owns: Callable[[str], bool], *, draft_only: bool = False
) -> dict[str, set[str]]:
    """Ids to fetch, by resource type, for references the pool cannot resolve."""
    orders = list(orders)
    wanted: dict[str, set[str]] = {}

    def want(ref: str, within: Resource | None, types: tuple[str, ...]) -> None:
        if pool.resolve(ref, within=within) is not None:
            return
        target = target_of(ref, owns)
        if target is not None and target[0] in types:
            wanted.setdefault(target[0], set()).add(target[1])

    bearers = pool.draft_orders if draft_only else [*pool.draft_orders, *pool.of_type(*MEDICATION_BEARING)]
    for resource, ref in medication_references(pool, bearers):
        want(ref, resource, ("Medication",))
    if draft_only:
        return wanted
    for subject in pool.of_type("ResearchSubject"):
        study = _reference(subject.get("study"))
        if study is not None:
            want(study, subject, ("ResearchStudy",))
    for ref in prescriber_references(pool, orders):
        want(ref, None, PRESCRIBER_TYPES)
        role = pool.resolve(ref)
        if role is not None and role.get("resourceType") == "PractitionerRole":
            practitioner = _reference(role.get("practitioner"))
            if practitioner is not None:
                want(practitioner, role, ("Practitioner",))
    return wanted


def roles_wanted(pool: ResourcePool, orders: Iterable[Resource]) -> set[str]:
    """Practitioner ids (requester or user) with no PractitionerRole in the pool: their specialty
    is usually on a role (US Core PractitionerRole)."""
    known = {_reference(role.get("practitioner")) or "" for role in pool.of_type("PractitionerRole")}
    ids: set[str] = set()
    for ref in prescriber_references(pool, orders):
        target = relative_reference(ref)
        if (
            target is not None
            and target[0] == "Practitioner"
            and not any(k == ref or k.endswith("/" + ref) for k in known)
        ):
            ids.add(target[1])
    return ids


def queries_for(wanted: dict[str, set[str]]) -> list[tuple[str, str]]:
    """``(label, query)``: ``Type/id`` reads, or ``Type?_id=...`` searches in chunks (ids sorted)."""
    queries: list[tuple[str, str]] = []
    for rtype in sorted(wanted):
        ids = sorted(i for i in wanted[rtype] if fhir_id(i))
        if len(ids) <= MAX_READS_PER_TYPE:
            queries.extend((f"{rtype} by id", f"{rtype}/{i}") for i in ids)
            continue
        for start in range(0, len(ids), IDS_PER_SEARCH):
            chunk = ",".join(ids[start : start + IDS_PER_SEARCH])
            queries.append((f"{rtype} by id", f"{rtype}?_id={chunk}"))
    return queries
