from __future__ import annotations

from typing import Any

import pytest

from cds_service.response.coverage_invariants import invariant_violations
from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL, CrdVersion


def extension(**subs: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "coverage": ("valueReference", {"reference": "Coverage/c"}),
        "covered": ("valueCode", "covered"),
        "pa-needed": ("valueCode", "auth-needed"),
        "reason": ("valueCodeableConcept", {"text": "why"}),
        "date": ("valueDate", "2026-11-28"),
        "coverage-assertion-id": ("valueString", "a"),
    }
    base.update(subs)
    items = []
    for url, value in base.items():
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            items.append({"url": url, one[0]: one[1]})
    return {"url": COVERAGE_INFORMATION_URL, "extension": items}


def code(value: str) -> tuple[str, str]:
    return ("valueCode", value)


def test_a_valid_extension_has_no_violations() -> None:
    assert invariant_violations(extension(), version=CrdVersion.SAFE) == []


@pytest.mark.parametrize(
    ("subs", "key"),
    [
        ({"questionnaire": ("valueCanonical", "http://q")}, "crd-ci-q1"),
        ({"covered": code("not-covered")}, "crd-ci-q2"),
        ({"covered": code("conditional")}, "crd-ci-q3"),
        ({"info-needed": code("performer")}, "crd-ci-q3"),
        (
            {
                "pa-needed": code("satisfied"),
                "satisfied-pa-id": ("valueString", "x"),
                "doc-purpose": code("withpa"),
            },
            "crd-ci-q4",
        ),
        ({"pa-needed": code("no-auth"), "doc-purpose": code("withpa")}, "crd-ci-q4"),
        ({"pa-needed": code("satisfied")}, "crd-ci-q5"),
        ({"satisfied-pa-id": ("valueString", "x")}, "crd-ci-q5"),
        ({"info-needed": code("OTH"), "covered": code("conditional"), "reason": None}, "crd-ci-q6"),
        ({"reason": ("valueCodeableConcept", {"coding": [{"code": "x"}]})}, "crd-ci-q7"),
        ({"doc-needed": code("clinical"), "doc-purpose": code("withpa"), "reason": None}, "crd-ci-q8"),
        ({"covered": code("indeterminate"), "reason": None}, "crd-ci-q9"),
        ({"coverage": None}, "coverage"),
        ({"date": None}, "date"),
        ({"coverage-assertion-id": [("valueString", "a"), ("valueString", "b")]}, "coverage-assertion-id"),
    ],
)
def test_each_broken_rule_is_named(subs: dict[str, Any], key: str) -> None:
    problems = invariant_violations(extension(**subs), version=CrdVersion.V2_2)
    assert any(problem.startswith(key) for problem in problems), problems


def test_crd_2_0_1_requires_pa_needed_unless_not_covered() -> None:
    broken = extension(**{"pa-needed": None})
    assert any("2.0.1" in p for p in invariant_violations(broken, version=CrdVersion.SAFE))
    assert invariant_violations(broken, version=CrdVersion.V2_2) == []


@pytest.mark.parametrize(
    "subs",
    [
        {"covered": code("indeterminate")},
        {"doc-needed": code("patient"), "reason": ("valueCodeableConcept", {"text": "x"})},
        {"expiry-date": ("valueDate", "2027-01-01")},
    ],
)
def test_2_2_only_elements_and_codes_break_the_2_0_1_safe_output(subs: dict[str, Any]) -> None:
    assert invariant_violations(extension(**subs), version=CrdVersion.SAFE) != []


def test_another_extension_is_not_coverage_information() -> None:
    assert invariant_violations({"url": "http://example.org/other"}) != []
