"""RFC 3986 normalisation of the URLs a response names, before they are compared with fhirServer."""

from __future__ import annotations

import pytest

from cds_service.fhir.url_normal import normalised, remove_dot_segments, within


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # RFC 3986 §5.2.4's own examples, then edge cases of the algorithm
        ("/a/b/c/./../../g", "/a/g"),
        ("/mid/content=5/../6", "/mid/6"),
        ("/a/b/..", "/a/"),
        ("/a/b/.", "/a/b/"),
        ("/..", "/"),
        ("/../../x", "/x"),
        ("/a//b/../c", "/a//c"),
        ("/", "/"),
    ],
)
def test_dot_segments_are_removed_as_rfc_3986_says(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://EHR.Example.org:443/fhir/%7euser/%41", "https://ehr.example.org/fhir/~user/A"),
        ("http://ehr.example.org:80/fhir?q=%2d%3f", "http://ehr.example.org/fhir?q=-%3F"),
        ("https://ehr.example.org:8443/fhir/%2e%2e/admin#frag", "https://ehr.example.org:8443/admin"),
        ("https://[::1]:9/x", "https://[::1]:9/x"),
        ("https://ehr.example.org", "https://ehr.example.org/"),
    ],
)
def test_a_url_is_put_in_its_normal_form(url: str, expected: str) -> None:
    assert normalised(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "ftp://ehr.example.org/fhir",
        "https://user:pw@ehr.example.org/fhir",
        "https://ehr.example.org/fhir/..%2fadmin",
        "https://ehr.example.org/fhir/%5c",
        "https://ehr.example.org/fhir\\..\\admin",
        "https://ehr.example.org/fh ir",
        "https://ehr.example.org:99999/fhir",
        "http://[::1/fhir",
    ],
)
def test_a_url_that_cannot_be_normalised_is_refused(url: str) -> None:
    assert normalised(url) is None
    assert not within(url, "https://ehr.example.org/fhir/")


def test_within_compares_whole_segments_of_the_normal_forms() -> None:
    base = "https://ehr.example.org/fhir/"
    assert within("https://EHR.example.org:443/fhir/Patient/1", base)
    assert within("https://ehr.example.org/fhir", base)
    assert not within("https://ehr.example.org/fhirx/Patient", base)
    assert not within("https://ehr.example.org/fhir/%2E%2E/admin", base)
    assert not within("http://ehr.example.org/fhir/Patient", base)
    assert not within("https://ehr.example.org:8443/fhir/Patient", base)
