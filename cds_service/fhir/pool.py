"""The FHIR resources of one hook request, indexed for lookup.

Everything the service reads about a patient (draft orders, prefetch values, what the data layer
fetched) lands in one ``ResourcePool`` of plain JSON dicts. Resources stay dicts: full
fhir.resources validation costs ~0.4 ms per resource (docs/performance.md), so facts are
read through light views instead, and only what the service emits is validated.

Lenient by design (docs/api.md "Bad input"): anything that is not a JSON object with a ``resourceType`` is
skipped and noted in ``problems``; it never rejects the rest of the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

Resource = dict[str, Any]

# The resource types a medication order comes as: R4/STU3 MedicationRequest; DSTU2 MedicationOrder (the
# CDS Hooks sandbox still sends it).
MEDICATION_ORDER_TYPES = ("MedicationRequest", "MedicationOrder")
# Types whose earlier copies under one id (versions, the same resource under several keys) are kept beside
# the last (``ResourcePool.copies``): the Patient's, whose copies that disagree leave its birth date and
# vital status unknown (clinical.plausibility.patient_copies). Others are replaced by their last copy.
KEEPS_COPIES = frozenset({"Patient"})


def relative_part(reference: str) -> str | None:
    """``Type/id`` of a reference string: relative, or absolute ending in ``Type/id`` (a version
    ``/_history/n`` dropped); ``None`` when it has no such part."""
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 else None


def reference_of(resource: Resource) -> str:
    """``Type/id`` of a resource (``Type/#n`` style is never produced; id-less resources get ``Type``)."""
    rtype = str(resource.get("resourceType", "Resource"))
    rid = resource.get("id")
    return f"{rtype}/{rid}" if rid else rtype


@dataclass
class ResourcePool:
    """Resources by type, deduplicated by ``Type/id``; the later copy of a resource wins where one copy is
    read (``get``, ``of_type``), and every distinct copy sent is kept for the readers that must hear them all
    (``copies``: a Patient's versions, or the same Patient under two prefetch keys, may disagree)."""

    _by_type: dict[str, dict[str, Resource]] = field(default_factory=dict)
    # (Type, id) -> the distinct copies sent before the one indexed, in the order they came
    _earlier: dict[tuple[str, str], list[Resource]] = field(default_factory=dict)
    _by_full_url: dict[str, Resource] = field(default_factory=dict)
    _anonymous: int = 0
    _draft_keys: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    # The orders being signed (CDS Hooks order-sign ``context.draftOrders``), also indexed above.
    draft_orders: list[Resource] = field(default_factory=list)
    patient_id: str | None = None
    user_reference: str | None = None  # context.userId, e.g. "Practitioner/abc" (the signing clinician)
    # Resource type -> why its read is partial ("A partial read is not a record", docs/prefetch.md "Partial
    # reads"): a search or prefetch Bundle of that type could not be read whole, so what the type feeds is
    # unknown.
    incomplete: dict[str, str] = field(default_factory=dict)
    # Resources the client sent as this patient's (in the prefetch) that name another patient, with the
    # key they came under: not this patient's facts, and not nothing either (docs/facts.md "Another
    # patient's records"): never indexed above, read only by ``clinical.other_patients``.
    other_patients: list[tuple[str, Resource]] = field(default_factory=list)

    def mark_incomplete(self, rtypes: Iterable[str], reason: str) -> None:
        for rtype in rtypes:
            self.incomplete.setdefault(rtype, reason)

    def add(
        self, item: Any, *, source: str = "", skip: Callable[[Resource], bool] | None = None
    ) -> list[Resource]:
        """Add a resource or a Bundle (its entries, recursively); note and skip what is not a resource,
        and the resources ``skip`` refuses (another patient's: ``fhir.patient_scope``, checked in the
        same pass that indexes them).

        Returns the resources added, in the order they were sent.
        """
        added: list[Resource] = []
        self._add(item, source, added, skip)
        return added

    def _add(
        self, item: Any, source: str, added: list[Resource], skip: Callable[[Resource], bool] | None
    ) -> None:
        if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
            self.problems.append(f"{source or 'input'}: not a FHIR resource, ignored")
            return
        if item["resourceType"] == "Bundle":
            entries = item.get("entry")
            if entries is None:
                return
            if isinstance(entries, dict):
                entries = [entries]  # one entry sent as an object where a list belongs (lenient)
            if not isinstance(entries, list):
                self.problems.append(f"{source or 'Bundle'}: entry is not a list, ignored")
                return
            for index, entry in enumerate(entries):
                if not isinstance(entry, dict) or "resource" not in entry:
                    self.problems.append(f"{source or 'Bundle'}.entry[{index}]: no resource, ignored")
                    continue
                resource = entry["resource"]
                if (
                    isinstance(resource, dict)
                    and isinstance(resource.get("resourceType"), str)
                    and resource["resourceType"] != "Bundle"
                ):
                    # The usual entry, indexed straight away: no where-it-came-from text is written for
                    # it (one per entry of a long history) unless there is a problem to name.
                    self._index(resource, added, skip)
                else:
                    self._add(resource, f"{source or 'Bundle'}.entry[{index}]", added, skip)
                full_url = entry.get("fullUrl")
                if isinstance(full_url, str) and isinstance(resource, dict):
                    self._by_full_url[full_url] = resource
            return
        self._index(item, added, skip)

    def _index(self, item: Resource, added: list[Resource], skip: Callable[[Resource], bool] | None) -> None:
        """Index one resource (a JSON object with a ``resourceType`` other than Bundle)."""
        if skip is not None and skip(item):
            return
        rtype = item["resourceType"]
        rid = item.get("id")
        if isinstance(rid, int) and not isinstance(rid, bool):
            rid = item["id"] = str(rid)  # a numeric id, as some servers send it, still resolves "Type/123"
        if not isinstance(rid, str) or not rid:
            self._anonymous += 1
            rid = f"#anonymous-{self._anonymous}"
        if (rtype, rid) in self._draft_keys:
            # The order being signed, as the client holds it now, wins over a copy of it in a prefetch
            # or search result (an earlier status would make it read as an active order).
            return
        by_id = self._by_type.get(rtype)
        if by_id is None:
            by_id = self._by_type[rtype] = {}
        before = by_id.get(rid)
        if rtype in KEEPS_COPIES and before is not None and before is not item and before != item:
            # (compared only for the types whose copies are read: every other re-sent resource is replaced)
            earlier = self._earlier.setdefault((rtype, rid), [])
            if all(copy != before for copy in earlier):
                earlier.append(before)
        by_id[rid] = item
        added.append(item)

    def add_draft_orders(self, bundle: Any) -> None:
        """Index ``context.draftOrders`` (a Bundle, possibly without ``type``) and remember its resources,
        in the order the EHR sent them."""
        added: list[Resource] = []
        for order in self.add(bundle, source="context.draftOrders"):
            rid = order.get("id")
            key = (str(order["resourceType"]), rid)
            if isinstance(rid, str) and key in self._draft_keys:
                # The same order twice is one order: one determination, not two that disagree.
                self.problems.append(f"context.draftOrders: {key[0]} sent twice, the first copy used")
                continue
            if isinstance(rid, str):
                self._draft_keys.add((key[0], rid))
                self._by_type[key[0]][rid] = order
            added.append(order)
        self.draft_orders.extend(added)

    def add_all(self, items: Iterable[Any], *, source: str = "") -> None:
        for item in items:
            self.add(item, source=source)

    def of_type(self, *types: str) -> list[Resource]:
        """Every resource of the given types, in insertion order."""
        found: list[Resource] = []
        for rtype in types:
            found.extend(self._by_type.get(rtype, {}).values())
        return found

    def get(self, rtype: str, rid: str) -> Resource | None:
        return self._by_type.get(rtype, {}).get(rid)

    def copies(self, rtype: str, rid: str) -> list[Resource]:
        """Every distinct copy of ``Type/id`` sent (versions of it, or copies under several keys), each once,
        in the order they came; the one ``get`` gives is the last. Kept for ``KEEPS_COPIES`` only."""
        found = self.get(rtype, rid)
        if found is None:
            return []
        return [*(copy for copy in self._earlier.get((rtype, rid), ()) if copy != found), found]

    def types(self) -> Iterator[str]:
        return iter(self._by_type)

    def resolve(self, reference: Any, *, within: Resource | None = None) -> Resource | None:
        """Resolve a FHIR Reference (dict) or reference string.

        ``#id`` looks in ``within.contained``; ``Type/id`` and absolute URLs ending in ``Type/id`` look
        in the pool; a ``fullUrl`` (e.g. ``urn:uuid:...``) is matched as given.
        """
        ref = reference.get("reference") if isinstance(reference, dict) else reference
        if not isinstance(ref, str) or not ref:
            return None
        if ref.startswith("#"):
            contained_list = (within or {}).get("contained") or []
            if isinstance(contained_list, dict):
                contained_list = [contained_list]  # one contained resource sent as an object
            for contained in contained_list:
                if isinstance(contained, dict) and contained.get("id") == ref[1:]:
                    return contained
            return None
        if ref in self._by_full_url:
            return self._by_full_url[ref]
        relative = relative_part(ref)
        if relative is None:
            return None
        rtype, rid = relative.split("/")
        return self.get(rtype, rid)
