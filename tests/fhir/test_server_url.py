from __future__ import annotations

import pytest

from cds_service.fhir.server_url import allowed_by, server_refusal, settings_to_allow

ALLOWLIST = ["https://ehr.example.org/fhir", "https://other.example.com/r4/"]


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data",
        "https://10.0.0.5:8500/",
        "https://192.168.1.1/fhir",
        "https://172.16.0.1/",
        "https://100.64.0.1/",  # shared address space: not global
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://240.0.0.1/",
        "https://0x7f000001/",
        "https://2130706433/",
        "https://0177.0.0.1/",
        "https://127.1/",
        "https://127.0.0.1./",
        "https://[::1]/",
        "https://[::]/",
        "https://[fe80::1]/",
        "https://[fc00::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:a9fe:a9fe]/",
        "https://[64:ff9b::7f00:1]/",
        "https://127\u30020\u30020\u30021/",  # ideographic full stops: the HTTP client reads 127.0.0.1
        "https://localhost/",
        "https://LOCALHOST/admin",
        "https://api.localhost/",
        "https://user@ehr.example.org/fhir",
        "https://user:pw@ehr.example.org/fhir",
        "http://127.0.0.1\\@evil.example/",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "ftp://ehr.example.org/",
        "https://",
        "http://[::1",
        "https://ehr.example.org:99999/",
        "https://exa mple.org/",
        "https://ex\x00ample.org/",
        "https://ehr.example.org/fhir/../admin",
    ],
)
def test_without_an_allowlist_internal_and_malformed_servers_are_refused(base: str) -> None:
    assert server_refusal(base, allowlist=[], allow_http=True) is not None


@pytest.mark.parametrize(
    "base",
    [
        "https://ehr.example.org/fhir",
        "https://8.8.8.8/fhir",
        "https://[2001:4860:4860::8888]/fhir",
        "HTTPS://EHR.EXAMPLE.ORG/fhir/",
        "https://launch.smarthealthit.org/v/r4/fhir",
    ],
)
def test_without_an_allowlist_public_https_servers_are_queried(base: str) -> None:
    assert server_refusal(base, allowlist=[], allow_http=False) is None


def test_http_needs_unauthenticated_fhir_to_be_allowed() -> None:
    """CDS Hooks 2.0: production data over https; plain http is for open test servers."""
    assert server_refusal("http://ehr.example.org/fhir", allowlist=[], allow_http=False) is not None
    assert server_refusal("http://ehr.example.org/fhir", allowlist=[], allow_http=True) is None


@pytest.mark.parametrize(
    ("base", "allowed"),
    [
        ("https://ehr.example.org/fhir", True),
        ("https://ehr.example.org/fhir/", True),
        ("https://ehr.example.org/fhir/tenant-1", True),
        ("https://other.example.com/r4", True),
        ("https://other.example.com/r4/x", True),
        ("https://ehr.example.org/fhirx", False),
        ("https://ehr.example.org/", False),
        ("https://ehr.example.org.evil.example/fhir", False),
        ("https://ehr.example.org/fhir/../admin", False),
        ("http://ehr.example.org/fhir", False),
        ("https://8.8.8.8/fhir", False),  # public, but not listed
    ],
)
def test_with_an_allowlist_only_listed_bases_are_queried(base: str, allowed: bool) -> None:
    refusal = server_refusal(base, allowlist=ALLOWLIST, allow_http=True)
    assert (refusal is None) is allowed, refusal


def test_allowed_by_matches_whole_path_segments() -> None:
    assert allowed_by("https://a.example/fhir/x", ["https://a.example/fhir"])
    assert not allowed_by("https://a.example/fhir2", ["https://a.example/fhir"])
    assert not allowed_by("https://a.example/fhir", ["", "  "])


@pytest.mark.parametrize(
    ("base", "allowlist", "allow_unauthenticated", "authorized", "needed"),
    [
        ("https://ehr.example.org/fhir", [], False, True, ()),
        ("https://ehr.example.org/fhir", [], False, False, ("CDS_ALLOW_UNAUTHENTICATED_FHIR=true",)),
        ("http://ehr.example.org/fhir", [], False, True, ("CDS_ALLOW_UNAUTHENTICATED_FHIR=true",)),
        ("http://ehr.example.org/fhir", [], True, False, ()),
        ("https://127.0.0.1:8443/fhir", [], False, True, ("CDS_FHIR_SERVER_ALLOWLIST",)),
        (
            "http://localhost:8080/fhir",
            [],
            False,
            False,
            ("CDS_ALLOW_UNAUTHENTICATED_FHIR=true", "CDS_FHIR_SERVER_ALLOWLIST"),
        ),
        ("http://localhost:8080/fhir", ["http://localhost:8080/fhir"], True, False, ()),
        (
            "https://ehr.example.org/fhir",
            ["https://other.example.org"],
            False,
            True,
            ("CDS_FHIR_SERVER_ALLOWLIST",),
        ),
        ("ftp://ehr.example.org/fhir", [], True, True, None),
        ("https://ehr.example.org/../fhir", [], True, True, None),
    ],
)
def test_a_refusal_can_name_the_settings_that_would_allow_the_server(
    base: str,
    allowlist: list[str],
    allow_unauthenticated: bool,
    authorized: bool,
    needed: tuple[str, ...] | None,
) -> None:
    assert (
        settings_to_allow(
            base, allowlist=allowlist, allow_unauthenticated=allow_unauthenticated, authorized=authorized
        )
        == needed
    )


@pytest.mark.parametrize("base", ["https://xn--zz.example/fhir", "https://xn--ls8h.la/r4"])
def test_a_host_that_is_not_valid_idna_is_refused_not_raised(base: str) -> None:
    assert server_refusal(base, allowlist=[], allow_http=False) == "fhirServer is not a well-formed URL"
    assert settings_to_allow(base, allowlist=[], allow_unauthenticated=False, authorized=True) is None
