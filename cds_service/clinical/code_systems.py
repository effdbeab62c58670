"""Every code system the facts are read in, by each of its published identifiers: the one alias table.

A system's canonical URI is what the readers compare with (``codes.ICD10CM``, ``codes.SNOMED``...);
``canonical`` turns any published identifier of it into that URI, and ``fhir_read.codings`` passes every
coding's system through it, so every reader reads a code written with an OID, a bare OID, ``https`` for
``http``, a trailing slash or another letter case exactly as it reads the canonical URI. A system that is
none of these is *not read*: a coding in it is reported as such (docs/facts.md "What is not read").

Sources: the canonical URIs and OIDs of HL7 FHIR R4 "Using Codes in Resources" (terminologies-systems:
SNOMED CT 2.16.840.1.113883.6.96, LOINC 2.16.840.1.113883.6.1, RxNorm 2.16.840.1.113883.6.88, UCUM
2.16.840.1.113883.6.8, ICD-10 2.16.840.1.113883.6.3, ICD-10-CM 2.16.840.1.113883.6.90, NUCC
2.16.840.1.113883.6.101, CPT 2.16.840.1.113883.6.12, ATC 2.16.840.1.113883.6.73, ICD-O-3
2.16.840.1.113883.6.43.1) and HL7 Terminology (THO): HCPCS Level II ``https://www.cms.gov/Medicare/Coding/
HCPCSReleaseCodeSets`` (2.16.840.1.113883.6.285, its ``http`` spelling also in use)
and the older "HCPCS all codes" identifiers ``http://terminology.hl7.org/CodeSystem/HCPCS``
(2.16.840.1.113883.6.14); the Source of Payment Typology ``https://nahdo.org/sopt``
(2.16.840.1.113883.3.221.5). A SNOMED CT edition URI (``http://snomed.info/sct/<module id>``, which some
senders put in ``system`` instead of ``version``) is SNOMED CT.
"""

from __future__ import annotations

from functools import lru_cache

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"  # WHO ICD-10
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
UCUM = "http://unitsofmeasure.org"
NUCC = "http://nucc.org/provider-taxonomy"
CPT = "http://www.ama-assn.org/go/cpt"
SOPT = "https://nahdo.org/sopt"

# Canonical URI -> every other identifier published for it (the http/https twin and the letter case are
# read by ``canonical`` itself, for every system).
ALIASES: dict[str, tuple[str, ...]] = {
    RXNORM: ("urn:oid:2.16.840.1.113883.6.88",),
    ATC: ("urn:oid:2.16.840.1.113883.6.73",),
    HCPCS: (
        "urn:oid:2.16.840.1.113883.6.285",
        "http://terminology.hl7.org/CodeSystem/HCPCS",
        "urn:oid:2.16.840.1.113883.6.14",
    ),
    LOINC: ("urn:oid:2.16.840.1.113883.6.1",),
    SNOMED: ("urn:oid:2.16.840.1.113883.6.96",),
    ICD10CM: ("urn:oid:2.16.840.1.113883.6.90",),
    ICD10: ("urn:oid:2.16.840.1.113883.6.3",),
    ICDO3: ("urn:oid:2.16.840.1.113883.6.43.1",),
    UCUM: ("urn:oid:2.16.840.1.113883.6.8",),
    NUCC: ("urn:oid:2.16.840.1.113883.6.101",),
    CPT: ("urn:oid:2.16.840.1.113883.6.12",),
    SOPT: ("urn:oid:2.16.840.1.113883.3.221.5",),
}

_SNOMED_EDITION = "snomed.info/sct/"
_OID_PREFIX = "urn:oid:"


def _key(identifier: str) -> str:
    """The identifier as compared: no scheme (http and https are one), no trailing slash, lower case, an
    OID with or without its ``urn:oid:`` prefix."""
    key = identifier.strip().rstrip("/").lower()
    for scheme in ("https://", "http://"):
        if key.startswith(scheme):
            return key[len(scheme) :]
    return key.removeprefix(_OID_PREFIX)


_BY_KEY: dict[str, str] = {
    _key(identifier): uri for uri, aliases in ALIASES.items() for identifier in (uri, *aliases)
}
KNOWN = frozenset(ALIASES)
# A caller's system string longer than any published identifier is read, not kept in the cache.
_CACHED_CHARS = 120


@lru_cache(maxsize=1024)
def _canonical_cached(system: str) -> str | None:
    key = _key(system)
    found = _BY_KEY.get(key)
    if found is None and key.startswith(_SNOMED_EDITION) and key[len(_SNOMED_EDITION) :].isdigit():
        return SNOMED
    return found


def canonical(system: str) -> str | None:
    """The canonical URI of the code system ``system`` names, or ``None`` when it is none we read."""
    if len(system) > _CACHED_CHARS:
        return _canonical_cached.__wrapped__(system)
    return _canonical_cached(system)


def identifiers(uri: str) -> tuple[str, ...]:
    """Every published identifier of a canonical URI, the URI first (for the alias property tests)."""
    return (uri, *ALIASES.get(uri, ()))
