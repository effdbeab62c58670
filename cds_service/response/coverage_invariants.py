"""The invariants of `ext-coverage-information` as code, for the tests to hold every emitted extension to.

crd-ci-q1..q9 as in CRD 2.2.1 (IG CoverageInformation.fsh; q4 read as intended: no `withpa` with
`satisfied` / `no-auth`), the 1..1 elements, and for the default (CRD 2.0.1-safe) output the 2.0.1 rules
Inferno validates against: q2 "covered ≠ not-covered ⇒ pa-needed", only 2.0.1 elements and codes
(docs/response.md "Coverage information").
"""

from __future__ import annotations

from typing import Any

from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL, CrdVersion

_REQUIRED_ONCE = ("coverage", "covered", "date", "coverage-assertion-id")
_AT_MOST_ONCE = ("pa-needed", "satisfied-pa-id", "expiry-date")

# CRD 2.0.1 sub-extensions and value sets (2.0.1 input/fsh/extensions/CoverageInformation.fsh).
_V2_0_1_ELEMENTS = frozenset(
    {
        "coverage", "covered", "pa-needed", "doc-needed", "doc-purpose", "info-needed", "billingCode",
        "reason", "detail", "dependency", "questionnaire", "response", "date", "coverage-assertion-id",
        "satisfied-pa-id", "contact",
    }
)  # fmt: skip
_V2_0_1_CODES: dict[str, frozenset[str]] = {
    "covered": frozenset({"covered", "not-covered", "conditional"}),
    "pa-needed": frozenset({"no-auth", "auth-needed", "satisfied", "performpa", "conditional"}),
    "doc-needed": frozenset({"clinical", "admin", "both", "conditional"}),
    "doc-purpose": frozenset({"withpa", "withclaim", "withorder", "retain-doc", "OTH"}),
}
_CODES: dict[str, frozenset[str]] = {
    "covered": frozenset({"covered", "not-covered", "conditional", "indeterminate"}),
    "pa-needed": frozenset(
        {"no-auth", "auth-needed", "satisfied", "performpa", "conditional", "indeterminate"}
    ),
    "doc-needed": frozenset({"clinical", "admin", "patient", "conditional", "indeterminate"}),
    "doc-purpose": frozenset({"withpa", "withclaim", "withorder", "retain-doc", "OTH"}),
}


def _values(subs: list[dict[str, Any]], url: str) -> list[Any]:
    found: list[Any] = []
    for sub in subs:
        if sub.get("url") == url:
            found.extend(value for key, value in sub.items() if key.startswith("value"))
            if "extension" in sub:
                found.append(sub["extension"])
    return found


def invariant_violations(extension: dict[str, Any], *, version: CrdVersion = CrdVersion.V2_2) -> list[str]:
    """Every rule `extension` breaks, as "<key>: <why>"; empty when it is valid."""
    if extension.get("url") != COVERAGE_INFORMATION_URL:
        return ["url: not ext-coverage-information"]
    subs: list[dict[str, Any]] = extension.get("extension", [])
    found = {url: _values(subs, url) for url in {sub.get("url") for sub in subs} if isinstance(url, str)}

    def has(url: str, *codes: str) -> bool:
        values = found.get(url, [])
        return bool(values) and (not codes or any(value in codes for value in values))

    problems = [f"{url}: exactly one required" for url in _REQUIRED_ONCE if len(found.get(url, [])) != 1]
    problems += [f"{url}: at most one allowed" for url in _AT_MOST_ONCE if len(found.get(url, [])) > 1]
    codes = _V2_0_1_CODES if version is CrdVersion.SAFE else _CODES
    for url, allowed in codes.items():
        problems += [f"{url}: {value!r} not allowed" for value in found.get(url, []) if value not in allowed]
    if has("questionnaire") and not has("doc-needed"):
        problems.append("crd-ci-q1: questionnaire without doc-needed")
    if has("covered", "not-covered") and has("pa-needed"):
        problems.append("crd-ci-q2: pa-needed with not-covered")
    if any(has(url, "conditional") for url in ("covered", "pa-needed", "doc-needed")) != has("info-needed"):
        problems.append("crd-ci-q3: info-needed iff something is conditional")
    if has("pa-needed", "satisfied", "no-auth") and has("doc-purpose", "withpa"):
        problems.append("crd-ci-q4: doc-purpose withpa with pa-needed satisfied or no-auth")
    if has("pa-needed", "satisfied") != has("satisfied-pa-id"):
        problems.append("crd-ci-q5: satisfied-pa-id iff pa-needed is satisfied")
    if has("info-needed", "OTH") and not has("reason"):
        problems.append("crd-ci-q6: info-needed OTH without reason")
    if any(not (isinstance(reason, dict) and reason.get("text")) for reason in found.get("reason", [])):
        problems.append("crd-ci-q7: reason without text (our reasons are not from the value set)")
    if has("doc-purpose") and not has("reason"):
        problems.append("crd-ci-q8: doc-purpose without reason")
    if any(has(url, "indeterminate") for url in ("covered", "pa-needed", "doc-needed")) and not has("reason"):
        problems.append("crd-ci-q9: indeterminate without reason")
    if version is CrdVersion.SAFE:
        if not has("covered", "not-covered") and not has("pa-needed"):
            problems.append("crd-ci-q2 (2.0.1): pa-needed required unless not-covered")
        problems += [f"{url}: not a CRD 2.0.1 element" for url in found if url not in _V2_0_1_ELEMENTS]
        if len(found.get("doc-needed", [])) > 1:
            problems.append("doc-needed: at most one in CRD 2.0.1")
    return problems
