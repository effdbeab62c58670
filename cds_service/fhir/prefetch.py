"""What a prefetch value tells the service (CDS Hooks 2.0, "Prefetch").

A client MAY honour any subset of the templates; for each key the service reads one of four states:

* ``PRESENT``: a resource or a Bundle (possibly paged: its ``next`` link is followed on ``fhirServer``);
* ``NO_DATA``: ``null``, "the CDS Client has no data to populate a template prefetch key" (S2 L280):
  an answer, so it is never fetched;
* ``ERROR``: an OperationOutcome in place of the data, the client's way to report a failed prefetch
  (S2 L280), or a Bundle carrying one with an ``error``/``fatal`` issue (a search that failed part-way,
  FHIR R4 search.html "outcome" entries): treated as absent, since an empty or partial result read as
  complete would make a routinely structured fact look absent and deny wrongly (docs/decisions.md);
* ``ABSENT``: the client chose not to, or could not, prefetch it: fetched from ``fhirServer``.

Anything else under a key (a list, a string, a dict without ``resourceType``) cannot be read; it is
noted and treated as absent, so the data is fetched rather than the request rejected (docs/api.md "Bad
input").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from cds_service.fhir.pool import Resource


class PrefetchState(StrEnum):
    PRESENT = "present"
    NO_DATA = "no-data"
    ERROR = "error"
    ABSENT = "absent"
    UNREADABLE = "unreadable"


def classify(prefetch: Mapping[str, Any] | None, key: str) -> PrefetchState:
    """The state of one prefetch key."""
    if prefetch is None or key not in prefetch:
        return PrefetchState.ABSENT
    value = prefetch[key]
    if value is None:
        return PrefetchState.NO_DATA
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        return PrefetchState.UNREADABLE
    if value["resourceType"] == "OperationOutcome" or reports_error(value):
        return PrefetchState.ERROR
    return PrefetchState.PRESENT


def reports_error(bundle: Resource) -> bool:
    """Whether a Bundle holds an OperationOutcome with an ``error`` or ``fatal`` issue."""
    if bundle.get("resourceType") != "Bundle" or not isinstance(bundle.get("entry"), list):
        return False
    for entry in bundle["entry"]:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "OperationOutcome":
            issues = resource.get("issue")
            for issue in issues if isinstance(issues, list) else [issues]:
                if isinstance(issue, dict) and issue.get("severity") in ("error", "fatal"):
                    return True
    return False


def next_link(bundle: Resource) -> str | None:
    """The ``next`` page URL of a Bundle, if it has one."""
    if bundle.get("resourceType") != "Bundle":
        return None
    links = bundle.get("link")
    for link in links if isinstance(links, list) else [links]:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            if isinstance(url, str) and url.strip():
                return url.strip()
    return None
