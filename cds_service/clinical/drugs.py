"""Which drug a medication resource is about: RxNorm, ATC, HCPCS, then name text (docs/facts.md "Drugs").

Not plausible is not a fact (docs/facts.md "Drugs"): a concept whose codes, or whose codes and names,
name different anthracyclines (a legacy conversion coding epirubicin as doxorubicin, its text still
"EPIrubicin 100 mg/m2") is no drug the service can identify: ``agent_of`` gives ``None`` and
``unidentified`` says which drugs conflict, so its doses are an unknown part. Doxorubicin beside
liposomal doxorubicin is one drug told more precisely, not a conflict; a name only mentioned after the
medication's own name ("ondansetron - pre-doxorubicin") is not read.

Works on any resource that names a medication the FHIR R4/STU3/DSTU2 way (``medicationCodeableConcept``
or ``medicationReference``: MedicationRequest, MedicationOrder, MedicationAdministration,
MedicationStatement, MedicationDispense) and on a Medication itself (``code``, then its ingredients).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from cds_service.clinical.codes import (
    ANTHRACYCLINES,
    ATC,
    ATC_CODES,
    DRUG_CODE_SYSTEMS,
    HCPCS,
    HCPCS_CODES,
    LIPOSOMAL_MARKERS,
    NAME_PATTERNS,
    RXNORM,
    RXNORM_CODES,
    Agent,
)
from cds_service.clinical.fhir_read import as_list, codings, concept_text, dicts, obj
from cds_service.fhir.pool import Resource, ResourcePool

# A name counts only where a medication's name starts: after at most a quantity, a form or a formulation
# word ("10 ML doxorubicin hydrochloride 2 MG/ML Injection", the RxNorm SCD style; "Injection, doxorubicin
# hydrochloride, 10 mg", the HCPCS style). A drug merely mentioned later ("ondansetron - pre-doxorubicin",
# "R-CHOP: prednisone ... doxorubicin") is another drug.
_LEADING = (
    r"^(?:[\s,;:()\-]*(?:\d[\d.,/]*\s*(?:ml|mg|mcg|g|l|units?)?\b"
    r"|injection|inj\.?|iv|intravenous|for|pegylated|liposomal|liposome|lipid))*[\s,;:()\-]*"
)
_WORD_PATTERNS = tuple(
    (agent, re.compile(_LEADING + r"(?:" + "|".join(map(re.escape, names)) + r")", re.IGNORECASE))
    for agent, names in NAME_PATTERNS
)
# "non-liposomal", "not Doxil": a negated marker says conventional doxorubicin.
_LIPOSOMAL = re.compile(r"(?<!non-)(?<!non )(?<!not )(?:" + "|".join(LIPOSOMAL_MARKERS) + ")", re.IGNORECASE)


def _code_agents(concept: Any) -> list[tuple[str, Agent]]:
    """``(source, agent)`` of every coding that names an agent: RxNorm, ATC, HCPCS."""
    found: list[tuple[str, Agent]] = []
    for system, code in codings(concept):
        if system == RXNORM and code in RXNORM_CODES:
            found.append(("rxnorm", RXNORM_CODES[code]))
        elif system == ATC and code.upper() in ATC_CODES:
            found.append(("atc", ATC_CODES[code.upper()]))
        elif system in HCPCS and code.upper() in HCPCS_CODES:
            found.append(("hcpcs", HCPCS_CODES[code.upper()]))
    return found


def _by_code(concept: Any) -> Agent | None:
    """The agent a coding names, trying RxNorm, then ATC, then HCPCS."""
    found: dict[str, Agent] = {}
    for source, agent in _code_agents(concept):
        found.setdefault(source, agent)
    for source in ("rxnorm", "atc", "hcpcs"):
        if source in found:
            # RxNorm 3639 and ATC L01DB01 do not tell liposomal doxorubicin from conventional; a liposomal
            # code beside them (HCPCS J9001) does, and "concurrent doxorubicin" must be conventional.
            if found[source] is Agent.DOXORUBICIN and Agent.LIPOSOMAL_DOXORUBICIN in found.values():
                return Agent.LIPOSOMAL_DOXORUBICIN
            return found[source]
    return None


def _by_name(names: list[str]) -> Agent | None:
    """The agent a name (``text`` or a coding's ``display``) starts with."""
    for name in names:
        for agent, pattern in _WORD_PATTERNS:
            if pattern.match(name):
                return agent
    return None


def _family(agent: Agent) -> Agent:
    """Liposomal doxorubicin is doxorubicin told more precisely: one drug, for telling conflicts."""
    return Agent.DOXORUBICIN if agent is Agent.LIPOSOMAL_DOXORUBICIN else agent


def _conflicting(concept: dict[str, Any], names: list[str]) -> str:
    """Why a concept names two anthracyclines (its codes among themselves, or its codes and the names its
    text and displays start with), or "" when it does not."""
    named: dict[Agent, str] = {}
    for source, agent in _code_agents(concept):
        if agent in ANTHRACYCLINES:
            named.setdefault(_family(agent), f"{source} code")
    for name in names:
        for agent, pattern in _WORD_PATTERNS:
            if agent in ANTHRACYCLINES and pattern.match(name):
                named.setdefault(_family(agent), f"name {name.strip()[:40]!r}")
                break
    if len(named) < 2:
        return ""
    said = ", ".join(f"{agent.value} ({where})" for agent, where in sorted(named.items()))
    return f"its codes and names conflict, naming {said}: which drug was given is not known"


def agent_of_concept(concept: Any) -> Agent | None:
    """The agent a CodeableConcept names: by code first, by name text as the last resort.

    Doxorubicin codes (RxNorm 3639, ATC L01DB01) do not tell the liposomal product from the
    conventional one, so a liposomal marker in the name turns doxorubicin into liposomal doxorubicin.
    """
    if not isinstance(concept, dict):
        return None
    try:
        raw = orjson.dumps(concept)
    except TypeError:  # orjson.JSONEncodeError: not JSON (an integer past 64 bits, say)
        return _agent_of_key.__wrapped__(_concept_key(concept))
    if len(raw) > _SEEN_MAX_BYTES:
        # Not cached anywhere: a caller's oversized text kept in a cache would pin megabytes per entry.
        return _agent_of_key.__wrapped__(_concept_key(concept))
    try:
        return _SEEN[raw]
    except KeyError:
        pass
    if len(_SEEN) >= _SEEN_MAX:
        _SEEN.clear()
    agent = _SEEN[raw] = _agent_of_key(_concept_key(concept))
    return agent


# The agent of every CodeableConcept seen, keyed on its JSON: a patient's hundreds of administrations
# share a handful of drug codings, and orjson writes the key in a fifth of the time the tuple key below
# takes to build. Bounded in entries and in the size of each key (a concept is a few hundred
# bytes; a larger one is recognised without the cache); emptied when full.
_SEEN: dict[bytes, Agent | None] = {}
_SEEN_MAX = 4096
_SEEN_MAX_BYTES = 2048


def _text(value: Any) -> str | None:
    """A coding element as the key holds it: a string, else nothing (a malformed object is unhashable)."""
    return value if isinstance(value, str) else None


def _concept_key(concept: dict[str, Any]) -> tuple[Any, ...]:
    """A hashable image of what recognition reads, so the same coding is recognised once per process
    (a patient's hundreds of administrations share a handful of drug codings)."""
    # A list comprehension over as_list, not the dicts() generator: this runs once per medication
    # resource, and building the key is most of what recognising a drug costs once the cache is warm.
    codings_key = tuple(
        [
            (_text(c.get("system")), _text(c.get("code")), _text(c.get("display")))
            for c in as_list(concept.get("coding"))
            if isinstance(c, dict)
        ]
    )
    text = concept.get("text")
    return (codings_key, text if isinstance(text, str) else None)


@lru_cache(maxsize=4096)
def _conflict_of_key(key: tuple[Any, ...]) -> str:
    codings_key, text_value = key
    concept = {"coding": [{"system": s, "code": c} for s, c, _d in codings_key if s and c]}
    names = [n for n in [text_value, *(d for _s, _c, d in codings_key)] if isinstance(n, str)]
    return _conflicting(concept, names)


def concept_conflict(concept: Any) -> str:
    """Why a CodeableConcept names two anthracyclines (``_conflicting``), or ""."""
    if not isinstance(concept, dict):
        return ""
    key = _concept_key(concept)
    if len(repr(key)) > _SEEN_MAX_BYTES:
        return _conflict_of_key.__wrapped__(key)
    return _conflict_of_key(key)


@lru_cache(maxsize=4096)
def _agent_of_key(key: tuple[Any, ...]) -> Agent | None:
    codings_key, text_value = key
    concept = {
        "coding": [
            {k: v for k, v in (("system", s), ("code", c), ("display", d)) if v is not None}
            for s, c, d in codings_key
        ],
        "text": text_value,
    }
    text = concept_text(concept)
    names = [n for n in [text_value, *(d for _s, _c, d in codings_key)] if isinstance(n, str)]
    if _conflict_of_key(key):
        return None  # not plausible is not a fact: ``unidentified`` says why
    agent = _by_code(concept) or _by_name(names)
    if agent is Agent.DOXORUBICIN and _LIPOSOMAL.search(text):
        return Agent.LIPOSOMAL_DOXORUBICIN
    return agent


def agent_of_medication(medication: Resource) -> Agent | None:
    """A Medication resource's agent from its ``code``, else from its (single-agent) ingredients; none
    when its code names two anthracyclines (``concept_conflict``)."""
    if concept_conflict(medication.get("code")):
        return None
    agent = agent_of_concept(medication.get("code"))
    if agent is Agent.DOXORUBICIN:
        # The code names the ingredient; the ingredient's own name or the dose form may say liposomal.
        details = [medication.get("form")] + [
            ingredient.get("itemCodeableConcept") for ingredient in dicts(medication.get("ingredient"))
        ]
        if _LIPOSOMAL.search(concept_text([d for d in details if isinstance(d, dict)])):
            return Agent.LIPOSOMAL_DOXORUBICIN
    if agent is not None:
        return agent
    for ingredient in dicts(medication.get("ingredient")):
        # R4 itemCodeableConcept; R5 item.concept; DSTU2/STU3 item (a Reference) is not followed.
        item = ingredient.get("itemCodeableConcept") or (ingredient.get("item") or {}).get("concept")
        agent = agent_of_concept(item)
        if agent is not None:
            return agent
    return None


def medication_of(resource: Resource, pool: ResourcePool) -> Resource | None:
    """The Medication a ``medicationReference`` points to (``#contained``, the pool or a fullUrl)."""
    reference = resource.get("medicationReference")
    if reference is None and isinstance(resource.get("medication"), dict):
        reference = resource["medication"].get("reference")  # R5 CodeableReference
    if reference is None:
        return None
    found = pool.resolve(reference, within=resource)
    return found if found is not None and found.get("resourceType") == "Medication" else None


def _by_ingredient_reference(medication: Resource, pool: ResourcePool) -> Agent | None:
    """The agent of a Medication whose ingredients are other Medications (a compounded bag: R4
    ``itemReference``, R5 ``item.reference``, STU3/DSTU2 ``item`` as a Reference), one level deep: the
    first ingredient Medication that names an agent."""
    for ingredient in dicts(medication.get("ingredient")):
        item = obj(ingredient.get("item"))
        reference = (
            ingredient.get("itemReference")
            or item.get("reference")
            or (item if "reference" in item else None)
        )
        if reference is None:
            continue
        found = pool.resolve(reference, within=medication)
        if found is not None and found.get("resourceType") == "Medication":
            agent = agent_of_medication(found)
            if agent is not None:
                return agent
    return None


def agent_of(resource: Resource, pool: ResourcePool) -> Agent | None:
    """The agent of a medication-bearing resource or of a Medication (its ingredients included)."""
    if resource.get("resourceType") == "Medication":
        return agent_of_medication(resource) or _by_ingredient_reference(resource, pool)
    concept = resource.get("medicationCodeableConcept")
    if concept is None and isinstance(resource.get("medication"), dict):
        concept = resource["medication"].get("concept")  # R5 CodeableReference
    agent = agent_of_concept(concept) if concept is not None else None
    if agent is not None:
        return agent
    medication = medication_of(resource, pool)
    if medication is not None:
        return agent_of_medication(medication) or _by_ingredient_reference(medication, pool)
    reference = resource.get("medicationReference")
    if isinstance(reference, dict) and isinstance(reference.get("display"), str):
        return agent_of_concept({"text": reference["display"]})  # the same liposomal reading as a name
    return None


# Every name an anthracycline goes by (NAME_PATTERNS), anywhere in a text: a drug the service cannot
# identify whose text mentions one could be it ("AC regimen: doxorubicin + cyclophosphamide").
_ANTHRACYCLINE_MENTION = re.compile(
    "|".join(re.escape(name) for agent, names in NAME_PATTERNS if agent in ANTHRACYCLINES for name in names),
    re.IGNORECASE,
)


def unidentified(resource: Resource, pool: ResourcePool) -> str:
    """Why a medication-bearing resource whose drug the service cannot identify (``agent_of`` is None)
    could be an anthracycline, or "" when it cannot (not read is not absent): its drug is coded only in
    systems not read (NDC, a local code) or by codes not listed, and its text names an anthracycline
    anywhere or there is no text at all; or it names a Medication that is not in the data."""
    concept = resource.get("medicationCodeableConcept")
    if concept is None and isinstance(resource.get("medication"), dict):
        concept = resource["medication"].get("concept")  # R5 CodeableReference
    medication = medication_of(resource, pool)
    if medication is not None:
        concept = medication.get("code")
    elif concept is None:
        reference = resource.get("medicationReference")
        display = obj(reference).get("display")
        if isinstance(display, str):
            return f"its medication {display[:60]!r} cannot be identified" if _mentions(display) else ""
        return "its medication is a reference not in the data" if reference is not None else ""
    if not isinstance(concept, dict):
        return ""
    key = _concept_key(concept)
    if len(repr(key)) > _SEEN_MAX_BYTES:
        return _unidentified_concept.__wrapped__(key)
    return _unidentified_concept(key)


@lru_cache(maxsize=4096)
def _unidentified_concept(key: tuple[Any, ...]) -> str:
    codings_key, text_value = key
    parts = [p for p in [text_value, *(d for _s, _c, d in codings_key)] if isinstance(p, str)]
    conflict = _conflict_of_key(key)
    if conflict:
        return conflict
    text = " ".join(parts).lower()
    if text.strip() and not _mentions(text):
        return ""
    written = "; ".join(f"{c!r} in {s}" for s, c, _d in codings_key if s and c) or "no code"
    said = f"text {text[:60]!r}" if text.strip() else "no text"
    return f"its drug cannot be identified ({written}, {said}): it could be an anthracycline"


def _mentions(text: str) -> bool:
    return bool(_ANTHRACYCLINE_MENTION.search(text))


# A drug named anywhere in words (not only where a medication's name starts, as an order's drug is read):
# "AC: doxorubicin 60 mg/m2 and cyclophosphamide every 21 days" names doxorubicin. Whole words, so a name
# inside another ("hydroxydaunorubicin", "epidoxorubicin") is never read as its own drug.
# (Matched in lower case: a case-insensitive pattern of many names is ten times slower.)
_NAMED_IN_WORDS = tuple(
    (agent, re.compile(r"\b(?:" + "|".join(re.escape(n.lower()) for n in names) + r")\b"))
    for agent, names in NAME_PATTERNS
)
_EVERY_NAME = tuple(name.lower() for _agent, names in NAME_PATTERNS for name in names)


def named_in_words(text: str) -> list[Agent]:
    """Every agent whose name (``codes.NAME_PATTERNS``) appears in ``text`` as a word, in the table's
    order."""
    lowered = text.lower()
    if not any(name in lowered for name in _EVERY_NAME):  # most words name no drug at all
        return []
    return [agent for agent, pattern in _NAMED_IN_WORDS if pattern.search(lowered)]


class DrugNamed(NamedTuple):
    """What a medication-bearing resource writes its drug as, read to tell whether it names a drug other
    than a dose's (docs/facts.md "A dose under an order of another drug"): every agent its codes or words
    name anywhere (doxorubicin for liposomal doxorubicin: one drug told more precisely), and whether it
    identifies a drug at all, by a code in a drug code system (``codes.DRUG_CODE_SYSTEMS``, listed or not)
    or by words. A local code alone, with no words, identifies nothing the service can read."""

    agents: frozenset[Agent]
    identified: bool
    said: str  # the drug as written, for a reason: its words, else its first code

    def names(self, agent: Agent) -> bool:
        return _family(agent) in self.agents


def drug_named(resource: Resource, pool: ResourcePool) -> DrugNamed:
    """What ``resource`` (an order, an administration) writes its drug as: its concept (R4
    ``medicationCodeableConcept``, R5 ``medication.concept``), else the Medication it names (its code and
    its ingredients' concepts), else a reference's ``display`` as words."""
    concept = resource.get("medicationCodeableConcept")
    if concept is None and isinstance(resource.get("medication"), dict):
        concept = resource["medication"].get("concept")  # R5 CodeableReference
    concepts: list[Any] = [concept] if isinstance(concept, dict) else []
    medication = medication_of(resource, pool) if not concepts else None
    if medication is not None:
        concepts = [medication.get("code")] + [
            ingredient.get("itemCodeableConcept") for ingredient in dicts(medication.get("ingredient"))
        ]
    words = concept_text(concepts)
    display = obj(resource.get("medicationReference")).get("display")
    if not concepts and isinstance(display, str):
        words = display.lower()
    agents = {_family(agent) for _source, agent in _code_agents(concepts)}
    agents |= {_family(agent) for agent in named_in_words(words)}
    in_drug_systems = [
        (system, code)
        for system, code in codings(concepts)
        if system in DRUG_CODE_SYSTEMS or system.lower() in DRUG_CODE_SYSTEMS
    ]
    # Said as written: its first text or display, else its first drug code
    written = [c.get("text") for c in dicts(concepts)] + [
        coding.get("display") for c in dicts(concepts) for coding in dicts(c.get("coding"))
    ]
    first = next((w for w in [*written, display] if isinstance(w, str) and w.strip()), "")
    said = " ".join(first.split())[:60] or next((f"{s} {c}" for s, c in in_drug_systems), "")
    return DrugNamed(frozenset(agents), bool(words.strip() or in_drug_systems), said)
