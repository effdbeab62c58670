"""A small in-memory FHIR server answering reads and the searches the service sends, for respx.

Search semantics are the few the service relies on: ``patient``/``practitioner`` references, ``_id``,
``code`` (``system|code`` lists), ``status``, ``_count`` paging with ``next`` links. Every request is
recorded so tests can assert what was asked (and with which headers).

Servers misbehave in paging (docs/facts.md "Record integrity"); ``paging_faults`` (resource type -> fault)
plays one per type, after real entries: ``"loop"`` (page 2 links back to page 1), ``"reuse-page-id"`` (page 2
links to itself: the id of the page after it is the one it was read by), ``"total-above"`` (``total``
above what the pages hold, no more pages), ``"fail-page-2"`` (pages after the first answer HTTP 500),
``"fail"`` (every search of the type answers HTTP 500).
``max_page_size`` caps ``_count`` as real servers do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

import httpx

Resource = dict[str, Any]
PATIENT_FIELDS = ("subject", "patient", "beneficiary", "individual")


def _ref(value: Any) -> str:
    return value.get("reference", "") if isinstance(value, dict) else ""


def _codes(resource: Resource) -> set[str]:
    code = resource.get("code")
    codings = code.get("coding", []) if isinstance(code, dict) else []
    return {f"{c.get('system')}|{c.get('code')}" for c in codings if isinstance(c, dict)}


class FakeFhirServer:
    def __init__(
        self,
        base: str,
        resources: Iterable[Resource] = (),
        *,
        default_page_size: int = 50,
        max_page_size: int = 1000,
        paging_faults: dict[str, str] | None = None,
    ) -> None:
        self.base = base.rstrip("/")
        self.resources: list[Resource] = list(resources)
        self.default_page_size = default_page_size
        self.max_page_size = max_page_size
        self.paging_faults = paging_faults or {}
        self.requests: list[httpx.Request] = []

    def add(self, *resources: Resource) -> None:
        self.resources.extend(resources)

    @property
    def paths(self) -> list[str]:
        return [r.url.path.removeprefix(httpx.URL(self.base).path) for r in self.requests]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(httpx.URL(self.base).path).strip("/")
        parts = path.split("/")
        if len(parts) == 2:
            for resource in self.resources:
                if resource.get("resourceType") == parts[0] and resource.get("id") == parts[1]:
                    return httpx.Response(200, json=resource)
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})
        params = list(request.url.params.multi_items())
        fault = self.paging_faults.get(parts[0])
        if fault == "fail" or (
            fault == "fail-page-2" and any(k == "_offset" and v != "0" for k, v in params)
        ):
            return httpx.Response(500, json={"resourceType": "OperationOutcome", "issue": []})
        return httpx.Response(200, json=self.search(parts[0], params))

    def search(self, rtype: str, params: list[tuple[str, str]]) -> Resource:
        matches = [r for r in self.resources if r.get("resourceType") == rtype]
        size, offset = self.default_page_size, 0
        for name, value in params:
            if name in ("patient", "subject"):
                wanted = {value, f"Patient/{value}"}
                matches = [r for r in matches if any(_ref(r.get(f)) in wanted for f in PATIENT_FIELDS)]
            elif name == "practitioner":
                wanted = {value, f"Practitioner/{value}"}
                matches = [r for r in matches if _ref(r.get("practitioner")) in wanted]
            elif name == "_id":
                ids = set(value.split(","))
                matches = [r for r in matches if r.get("id") in ids]
            elif name == "code":
                codes = set(value.split(","))
                matches = [r for r in matches if _codes(r) & codes]
            elif name == "status":
                matches = [r for r in matches if r.get("status") in value.split(",")]
            elif name == "_count":
                size = int(value)
            elif name == "_offset":
                offset = int(value)
        size = min(size, self.max_page_size)
        page = matches[offset : offset + size]
        fault = self.paging_faults.get(rtype)
        bundle: Resource = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matches) + (3 if fault == "total-above" else 0),
            "entry": [
                {
                    "fullUrl": f"{self.base}/{r['resourceType']}/{r['id']}",
                    "resource": r,
                    "search": {"mode": "match"},
                }
                for r in page
            ],
        }
        following_offset = offset + size
        if fault == "loop" and offset > 0:
            following_offset = 0  # back to the first page, after real entries
        elif fault == "reuse-page-id" and offset > 0:
            following_offset = offset  # the page links to itself
        elif fault == "total-above":
            following_offset = len(matches)  # no next page, whatever the total says
        if following_offset < len(matches):
            following = [(k, v) for k, v in params if k != "_offset"] + [("_offset", str(following_offset))]
            bundle["link"] = [{"relation": "next", "url": f"{self.base}/{rtype}?{urlencode(following)}"}]
        return bundle
