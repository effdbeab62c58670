"""Every code system is read by each of its published identifiers, through the one alias table."""

from __future__ import annotations

import pytest

from cds_service.clinical import code_systems as cs
from cds_service.clinical.fhir_read import codings


@pytest.mark.parametrize("uri", sorted(cs.KNOWN))
def test_every_published_identifier_names_its_system(uri: str) -> None:
    for identifier in cs.identifiers(uri):
        assert cs.canonical(identifier) == uri
        # the OID alone, the other scheme, a trailing slash, another letter case
        assert cs.canonical(identifier.removeprefix("urn:oid:")) == uri
        assert cs.canonical(identifier.upper() + "/") == uri
        twin = identifier.replace("https://", "http://") if "https://" in identifier else identifier
        assert cs.canonical(twin.replace("http://", "https://")) == uri


def test_a_snomed_edition_uri_is_snomed_ct() -> None:
    assert cs.canonical("http://snomed.info/sct/731000124108") == cs.SNOMED
    assert cs.canonical("http://snomed.info/sct/not-an-edition") is None


def test_a_system_not_read_is_none() -> None:
    assert cs.canonical("urn:oid:1.2.3.4.5") is None
    assert cs.canonical("http://example.org/local-codes") is None
    assert cs.canonical("x" * 500) is None  # a caller's long string: read, not cached


def test_codings_give_the_canonical_uri_or_the_system_as_written() -> None:
    concept = {
        "coding": [
            {"system": "urn:oid:2.16.840.1.113883.6.90", "code": "C50.911"},
            {"system": " https://snomed.info/sct ", "code": "254837009"},
            {"system": "urn:oid:1.2.3", "code": "X1"},
        ]
    }
    assert list(codings(concept)) == [
        (cs.ICD10CM, "C50.911"),
        (cs.SNOMED, "254837009"),
        ("urn:oid:1.2.3", "X1"),
    ]
