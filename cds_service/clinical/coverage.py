"""The line of business of the patient's active Coverage (docs/facts.md "Line of business").

The Coverage used is the active one the order names in ``insurance``, else, among the active Coverages
in force on the approval start (``period``), the one first in order of benefits (``Coverage.order``): a
member with Medicare first and Medicaid second is a Medicare member.
Its line of business comes from the configured map first (payer / plan identifier value -> line of
business; plan values, ``Coverage.class[].value``, are tried before payer identifiers, being the more
specific), then from ``Coverage.type`` in the Source of Payment Typology. HIM/ICHRA ("marketplace")
can only come from the map or the text: SOPT does not tell a marketplace plan from other commercial
insurance. Self-pay in any standard code system (Coverage SelfPay Codes, v3 ActCode PAY, SOPT 8*) is
outside the policy. When none decides, the Coverage's own text naming Medicare, Medicaid or a Marketplace
plan decides, the coverage type and plan (``type`` text, ``class`` name and value, the STU3/DSTU2 plan
texts) outweighing the payer's name; the payer "Centers for Medicare & Medicaid Services" is Medicare
(Medicaid plans are run by states and their contractors). Self-pay written only in words ("Self Pay",
"self-pay") is self-pay. A type code and the coverage's type or plan text that name different lines of
business (SOPT 5 private insurance beside a plan named "... Medicare Advantage") conflict: the Coverage names
more than one line of business, which is unknown (SOPT cannot tell a marketplace plan from other private
insurance, so "Marketplace" beside SOPT 5 or 6 is no conflict; two lines both outside the policy are not
one to pend on). A line of business still unknown pends the order (docs/decisions.md "Line of business
unknown never approves or denies").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date

from cds_service.clinical import codes
from cds_service.clinical.facts import Fact
from cds_service.clinical.fhir_read import codings, dicts, obj, read_period, status_of
from cds_service.fhir.pool import Resource, ResourcePool, reference_of

_IN_FORCE = frozenset({"", "active"})


def normalized_line_of_business(value: object) -> str | None:
    """``commercial`` | ``marketplace`` | ``medicaid`` | ``medicare`` for a configured spelling, else None."""
    return codes.LINE_OF_BUSINESS_SYNONYMS.get(value.strip().lower()) if isinstance(value, str) else None


def line_of_business_map_problem(mapping: Mapping[str, str]) -> str | None:
    """Why a configured plan -> line-of-business map cannot be used, or None. A value the policy does not
    know would be ignored silently and the plan judged by its SOPT type (a marketplace plan as commercial,
    naming the wrong off-label policy), so the app and the CLI refuse it at start-up."""
    unknown = sorted(key for key, value in mapping.items() if normalized_line_of_business(value) is None)
    if not unknown:
        return None
    return f"{', '.join(unknown)} must map to commercial, marketplace (HIM, ICHRA), medicaid or medicare"


def _in_force(coverage: Resource, on: date | None) -> bool:
    """Status in force and ``on`` within its period; a period that ends before it starts does not say the
    Coverage was not in force: it is kept, and its line of business is unknown (``_line_of``)."""
    if status_of(coverage) not in _IN_FORCE:
        return False
    period = read_period(coverage.get("period"), "period")
    if period.contradiction:
        return True
    start, end = period.start, period.end
    return on is None or ((start is None or start <= on) and (end is None or on <= end))


# A Coverage that does not state its place in the order of benefits ranks between one stated primary (1)
# and one stated secondary (2): a Medicare plan that says it is secondary does not outrank a commercial
# plan that says nothing.
_UNSTATED_ORDER = 1.5


def _benefit_order(coverage: Resource) -> float:
    order = coverage.get("order")
    return order if isinstance(order, int) and not isinstance(order, bool) and order > 0 else _UNSTATED_ORDER


def _named_by_order(pool: ResourcePool, order: Resource, on: date | None) -> Resource | None:
    for insurance in dicts(order.get("insurance")):
        found = pool.resolve(insurance, within=order)
        if found is not None and found.get("resourceType") == "Coverage" and _in_force(found, on):
            return found
    return None


def primary_candidates(pool: ResourcePool, order: Resource, on: date | None = None) -> list[Resource]:
    """The Coverage the order names, else the in-force Coverages first in order of benefits (several when
    none says which comes first), by id so the Bundle's order does not matter."""
    named = _named_by_order(pool, order, on)
    if named is not None:
        return [named]
    in_force = [coverage for coverage in pool.of_type("Coverage") if _in_force(coverage, on)]
    if not in_force:
        return []
    best = min(_benefit_order(coverage) for coverage in in_force)
    return sorted((c for c in in_force if _benefit_order(c) == best), key=lambda c: str(c.get("id", "")))


def active_coverage(pool: ResourcePool, order: Resource, on: date | None = None) -> Resource | None:
    candidates = primary_candidates(pool, order, on)
    return candidates[0] if candidates else None


def _identifier_values(coverage: Resource, pool: ResourcePool) -> Iterator[str]:
    for plan_class in dicts(coverage.get("class")):
        if isinstance(plan_class.get("value"), str):
            yield plan_class["value"]
    for payor in [*dicts(coverage.get("payor")), *dicts(coverage.get("insurer"))]:
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
    """``(line of business, "Coverage/<id>")`` of the Coverage in force on ``on`` (the approval start).

    Several Coverages, none first in order of benefits, that name different lines of business leave the
    line of business unknown: the policy is applied (naming every off-label policy on a deny) rather than
    one plan picked by chance, and never silently "not applicable"."""
    candidates = primary_candidates(pool, order, on)
    if not candidates:
        return Fact(None, (), "no active Coverage in the data"), Fact(None, (), "no active Coverage")
    lines = [_line_of(coverage, pool, line_of_business_map) for coverage in candidates]
    if any(line.value != "self-pay" for line in lines):
        # Self-pay beside a plan is no competing payer: the plan decides.
        kept = [(c, line) for c, line in zip(candidates, lines, strict=True) if line.value != "self-pay"]
        candidates, lines = [c for c, _ in kept], [line for _, line in kept]
    reference = reference_of(candidates[0])
    used: Fact[str] = Fact(reference, (reference,), "active Coverage")
    values = {line.value for line in lines}
    if len(values) > 1 and all(value in codes.LINES_OUTSIDE_POLICY for value in values):
        return lines[0], used  # whichever is primary, the member is outside the policy
    if len(values) > 1:
        references = tuple(reference_of(coverage) for coverage in candidates)
        return Fact(
            None,
            references,
            "several active Coverages, none first in order of benefits, differ in line of business",
        ), used
    return _beside_the_later(
        lines[0], _later_in_order(pool, order, on, candidates, line_of_business_map)
    ), used


def _later_in_order(
    pool: ResourcePool,
    order: Resource,
    on: date | None,
    first: list[Resource],
    line_of_business_map: Mapping[str, str],
) -> list[tuple[Resource, Fact[str]]]:
    """The Coverages in force after the first in order of benefits, each with its line of business (none
    when the order names the Coverage it bills: the order says which one)."""
    if _named_by_order(pool, order, on) is not None:
        return []
    chosen = {id(coverage) for coverage in first}
    later = [c for c in pool.of_type("Coverage") if _in_force(c, on) and id(c) not in chosen]
    later.sort(key=lambda c: (_benefit_order(c), str(c.get("id", ""))))
    return [(coverage, _line_of(coverage, pool, line_of_business_map)) for coverage in later]


def _beside_the_later(first: Fact[str], later: list[tuple[Resource, Fact[str]]]) -> Fact[str]:
    """The line of business of the Coverage first in order of benefits, read beside the ones after it
    (docs/facts.md "Line of business", several Coverages). Medicaid is the payer of last resort (Social
    Security Act §1902(a)(25); 42 CFR 433.139): stated first before a line outside the policy (Medicare,
    another government program) the order of benefits contradicts itself, and whether the policy applies
    is not known; Medicaid after such a line is set aside, the first deciding, and said."""
    if first.value is None:
        return first
    beside = [(reference_of(c), line) for c, line in later if line.value not in {None, "self-pay"}]
    outside = [(ref, line) for ref, line in beside if line.value in codes.LINES_OUTSIDE_POLICY]
    if first.value == "medicaid" and outside:
        ref, line = outside[0]
        return Fact(
            None,
            (*first.evidence, ref),
            f"{first.evidence[0]} (Medicaid) is first in order of benefits before {ref} ({line.value}): "
            "Medicaid pays last (payer of last resort), so the order of benefits contradicts itself",
        )
    if not beside:
        return first
    aside = "; ".join(
        f"{ref} ({line.value}, later in order of benefits) set aside: the Coverage first in order of "
        "benefits decides whether the policy applies"
        + (" (Medicaid pays last)" if line.value == "medicaid" else "")
        for ref, line in beside
    )
    return Fact(first.value, first.evidence, f"{first.reason}; {aside}", first.unread)


def _line_of(coverage: Resource, pool: ResourcePool, line_of_business_map: Mapping[str, str]) -> Fact[str]:
    reference = reference_of(coverage)
    contradiction = read_period(coverage.get("period"), "period").contradiction
    if contradiction:
        # Not plausible is not a fact: whether it was in force on the order date is not known
        return Fact(None, (reference,), f"{reference}: {contradiction}: whether it is in force is not known")
    for value in _identifier_values(coverage, pool):
        mapped = normalized_line_of_business(line_of_business_map.get(value))
        if mapped is not None:
            return Fact(mapped, (reference,), f"configured for payer/plan identifier {value}")
    coded = _line_from_code(coverage, reference)
    if coded is None:
        return _line_from_text(coverage, pool, reference)
    return _against_plan_text(coded, coverage, pool)


def _line_from_code(coverage: Resource, reference: str) -> Fact[str] | None:
    """The line of business ``Coverage.type`` codes: self-pay codes, then SOPT."""
    for system, code in codings(coverage.get("type")):
        if system in codes.COVERAGE_SELFPAY and code in codes.COVERAGE_SELFPAY_CODES:
            return Fact("self-pay", (reference,), f"Coverage.type coverage-selfpay {code}")
        if system in codes.V3_ACT_CODE and code in codes.V3_SELF_PAY_CODES:
            return Fact("self-pay", (reference,), f"Coverage.type v3 ActCode {code}")
        if system not in codes.SOPT:
            continue
        for prefix in (code[:3], code[:1]):  # the more specific SOPT prefix first (361 State CHIP)
            if prefix in codes.SOPT_LINE_OF_BUSINESS:
                return Fact(codes.SOPT_LINE_OF_BUSINESS[prefix], (reference,), f"Coverage.type SOPT {code}")
    return None


def _compatible(coded: str, named: str) -> bool:
    """Whether a line the text names agrees with the one the type code gives: the same line, a marketplace
    plan beside SOPT private insurance (SOPT cannot tell them apart), or both outside the policy."""
    return (
        coded == named
        or (coded == "commercial" and named == "marketplace")
        or (coded in codes.LINES_OUTSIDE_POLICY and named in codes.LINES_OUTSIDE_POLICY)
    )


def _against_plan_text(coded: Fact[str], coverage: Resource, pool: ResourcePool) -> Fact[str]:
    """The coded line of business, unless the Coverage's type or plan text names another (not plausible is
    not a fact: a Coverage naming two lines of business names none the service can apply). The payer's
    name is not read here: type and plan outweigh it."""
    value = coded.value
    if value is None:
        return coded
    conflicting: dict[str, str] = {}
    for where, text in _coverage_texts(coverage, pool):
        if where == "payor":
            continue
        for line, quoted in _lines_named(where, text):
            if not _compatible(value, line):
                conflicting.setdefault(line, quoted)
    if not conflicting:
        return coded
    named = "; ".join(f"{line} ({quoted})" for line, quoted in sorted(conflicting.items()))
    return Fact(
        None,
        coded.evidence,
        f"the Coverage names more than one line of business: {coded.reason} ({value}) but {named}",
    )


# "Line of business, last resort", docs/facts.md "Record integrity": the Coverage's own text naming Medicare,
# Medicaid or a Marketplace plan. Words, case-insensitive, not after "non-" ("non-Medicaid"). Medi-Cal is
# California's Medicaid and CHIP is read as Medicaid (as SOPT 361 is); "Medicare Advantage", "Medicare Part D"
# and "Medicare Supplement" name Medicare. Marketplace plans: "Marketplace", "Exchange", "HIM", "ICHRA" (the
# policy's own "HIM/ICHRA"); not "ACA" (an employer plan is "ACA-compliant" too). Text naming two lines
# ("Medicare-Medicaid Plan", a dual) decides none.
_TEXT_LINES = (
    ("medicare", re.compile(r"(?<!non-)(?<!non )\bmedicare\b", re.IGNORECASE)),
    ("medicaid", re.compile(r"(?<!non-)(?<!non )\b(?:medicaid|medi-cal|chip)\b", re.IGNORECASE)),
    (
        "marketplace",
        re.compile(
            r"(?<!non-)(?<!non )\b(?:marketplace|exchange|him|ichra|health insurance marketplace)\b",
            re.IGNORECASE,
        ),
    ),
    # Self-pay in words ("Self Pay", "self-pay", "Self-Payment"): outside the policy, as its codes are.
    ("self-pay", re.compile(r"(?<!non-)(?<!non )\bself[- ]?pay(?:ment)?\b", re.IGNORECASE)),
    # Private insurance in words (SOPT 5's own display "PRIVATE HEALTH INSURANCE", "Commercial"): never
    # decides alone (the last-resort text rule reads Medicare, Medicaid and marketplace plans only,
    # docs/facts.md "Line of business"), but beside a text naming another line it is a Coverage naming two
    # (``_line_from_text``).
    (
        "commercial",
        re.compile(r"(?<!non-)(?<!non )\b(?:commercial|private (?:health )?insurance)\b", re.IGNORECASE),
    ),
)


# STU3 Coverage.grouping (group, plan, subPlan... and their displays); DSTU2 plan / subPlan / group strings.
_PLAN_TEXT_KEYS = frozenset(
    {
        "group",
        "groupDisplay",
        "subGroup",
        "subGroupDisplay",
        "plan",
        "planDisplay",
        "subPlan",
        "subPlanDisplay",
    }
)


def _coverage_texts(coverage: Resource, pool: ResourcePool) -> Iterator[tuple[str, str]]:
    """``(where, text)``: ``type`` text and displays (DSTU2's type is a Coding), ``payor`` display (and
    the payer's name; STU3 ``insurer``, DSTU2 ``issuer``), each ``class`` name and value, and the STU3 /
    DSTU2 plan and group texts."""
    concept = obj(coverage.get("type"))
    displays = [c.get("display") for c in dicts(concept.get("coding"))]
    for text in (concept.get("text"), concept.get("display"), *displays):
        if isinstance(text, str):
            yield "type", text
    payors = [payor for key in ("payor", "insurer", "issuer") for payor in dicts(coverage.get(key))]
    for payor in payors:
        if isinstance(payor.get("display"), str):
            yield "payor", payor["display"]
        organization = pool.resolve(payor, within=coverage)
        if organization is not None and isinstance(organization.get("name"), str):
            yield "payor", organization["name"]
    for plan_class in dicts(coverage.get("class")):
        for key in ("name", "value"):
            if isinstance(plan_class.get(key), str):
                yield f"class.{key}", plan_class[key]
    for key, value in [*obj(coverage.get("grouping")).items(), *coverage.items()]:
        if key in _PLAN_TEXT_KEYS and isinstance(value, str):
            yield key, value


# The federal agency that runs Medicare (and funds, but does not run, Medicaid: states and their
# contractors do): as a payer's name it means Medicare, never "Medicare and Medicaid".
_CMS = re.compile(r"\bcenters\s+for\s+medicare\s*(?:&|&amp;|and)\s*medicaid\s+services\b", re.IGNORECASE)


def _lines_named(where: str, text: str) -> Iterator[tuple[str, str]]:
    """``(line, quoted)`` for each line of business ``text`` names."""
    quoted = f"{where} {text.strip()[:60]!r}"
    if _CMS.search(text) or text.strip().upper() == "CMS":
        yield "medicare", quoted
        text = _CMS.sub(" ", text)
    for line, pattern in _TEXT_LINES:
        if pattern.search(text):
            yield line, quoted


def _line_from_text(coverage: Resource, pool: ResourcePool, reference: str) -> Fact[str]:
    """The line of business the Coverage's text names: the coverage type and plan first, the payer's
    name only when they name none (a "Medicare Part B" plan whose payer is "Centers for Medicare &
    Medicaid Services" is Medicare, not "Medicare and Medicaid")."""
    by_source: dict[str, dict[str, str]] = {"plan": {}, "payor": {}}
    for where, text in _coverage_texts(coverage, pool):
        found = by_source["payor" if where == "payor" else "plan"]
        for line, quoted in _lines_named(where, text):
            found.setdefault(line, quoted)
    for found in by_source.values():
        if "marketplace" in found:
            found.pop("commercial", None)  # a marketplace plan is private insurance told more precisely
        if len(found) == 1 and "commercial" not in found:
            line, quoted = next(iter(found.items()))
            return Fact(line, (reference,), f"line of business read from Coverage text: {quoted}")
        if len(found) > 1:
            named = "; ".join(f"{line} ({quoted})" for line, quoted in sorted(found.items()))
            return Fact(
                None, (reference,), f"the Coverage text names more than one line of business: {named}"
            )
    return Fact(
        None,
        (reference,),
        "Coverage has no mapped payer/plan, no SOPT type and no text naming a line of business",
    )
