"""Stable identifiers of a coverage assertion (CRD coverage-information `coverage-assertion-id` and
`satisfied-pa-id`).

DTR §spec-47 uses (coverage, coverage-assertion-id) as the key for replacing an assertion, so the id is the
same every time the same order is assessed against the same coverage. Local ids like `MedicationRequest/1`
repeat across EHRs and patients, so what is identified also carries the FHIR server and the patient: two
patients never share an assertion id.

The DTR store hands out pre-filled answers by the assertion id, so the id must not be computable by anyone
from the public identifiers it is derived from: it is an HMAC-SHA256 keyed by a server secret
(``CDS_ASSERTION_SECRET``; unset, a random secret per process, and the ids then change across restarts).

The ids of an order are computed once per hook call (``evaluation``) and handed, as plain values, both to
the DTR store that records them and to the response that carries them: one computation, so the
two can never disagree.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit, urlunsplit

from cds_service.policy.basis import Revision
from cds_service.policy.determination import Determination
from cds_service.settings import Settings

# Used when CDS_ASSERTION_SECRET is unset: ids are stable within this process only (and its decision
# processes, which are given it as their secret: hooks.decision.settings_for_processes, hence text).
_PROCESS_KEY = secrets.token_hex(32).encode()


def assertion_key(settings: Settings) -> bytes:
    """The HMAC key: the configured secret, else this process's random one."""
    if settings.assertion_secret is not None and settings.assertion_secret.get_secret_value():
        return settings.assertion_secret.get_secret_value().encode()
    return _PROCESS_KEY


def normalised_server(fhir_server: str | None) -> str:
    """One spelling per FHIR base, so the ids stay the same for the same order and coverage: scheme and host
    lower-case (RFC 3986 §6.2.2.1), no trailing slash (the same base written as `.../fhir/`)."""
    if not fhir_server:
        return ""
    try:
        parts = urlsplit(fhir_server.strip())
    except ValueError:  # not a URL ("http://[::1"): the same text is still the same scope
        return fhir_server.strip()
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, parts.fragment)
    )


def assertion_scope(patient_id: str, fhir_server: str | None, client: str = "") -> str:
    """What makes local references unique: the calling client (its verified JWT issuer, so that one
    client can never reach or overwrite another's assertion), the EHR's FHIR server and the patient."""
    return f"{client}|{normalised_server(fhir_server)}|{patient_id}"


def _digest(purpose: str, order: str, coverage: str, *, scope: str, key: bytes) -> bytes:
    message = "\x1f".join((purpose, scope, order, coverage)).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def order_key(order: str, *, scope: str) -> str:
    """What the store finds an order's latest determination by, whatever its coverage (order-dispatch
    looks up what was asserted at signing): the order within its scope. A plain SHA-256, not keyed, so
    every replica finds it even where their assertion secrets differ; it is never handed out."""
    return hashlib.sha256("\x1f".join(("order", scope, order)).encode()).hexdigest()


def coverage_assertion_id(order: str, coverage: str, *, scope: str, key: bytes) -> str:
    return str(uuid.UUID(bytes=_digest("coverage-assertion-id", order, coverage, scope=scope, key=key)[:16]))


def satisfied_pa_id(order: str, coverage: str, *, scope: str, key: bytes) -> str:
    # CRD §resp-32: distinct per coverage; under CMS enforcement discretion it goes into the X12 837
    # prior-authorization REF segment (at most 50 characters), hence the compact form.
    return "CP418-" + _digest("satisfied-pa-id", order, coverage, scope=scope, key=key).hex()[:20].upper()


@dataclass(frozen=True)
class CoverageAssertion:
    """The identifiers under which an order's determination is asserted against its Coverage."""

    coverage: str
    assertion_id: str
    pa_id: str
    order_key: str = ""  # ``order_key``: how the store finds the order's latest determination
    # The day an assertion reused from the store was made (order-dispatch, nothing changed): the date its
    # coverage information carries. None: made now.
    asserted_on: date | None = None


@dataclass(frozen=True)
class Assessed:
    """A determination with its coverage assertion (``None``: no Coverage was found, nothing to assert),
    and, at order-dispatch, how it stands against the determination on record for its order."""

    determination: Determination
    assertion: CoverageAssertion | None
    revision: Revision | None = None


def assess(determinations: Iterable[Determination], *, scope: str, key: bytes) -> list[Assessed]:
    """Each determination with its assertion ids, computed once (``scope``: ``assertion_scope``)."""
    assessed = []
    for determination in determinations:
        facts = determination.facts
        coverage = facts.coverage.value if facts is not None else None
        assertion = None
        if coverage is not None:
            order = determination.order
            assertion = CoverageAssertion(
                coverage,
                coverage_assertion_id(order, coverage, scope=scope, key=key),
                satisfied_pa_id(order, coverage, scope=scope, key=key),
                order_key(order, scope=scope),
            )
        assessed.append(Assessed(determination, assertion))
    return assessed
