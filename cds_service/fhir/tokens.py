"""Rendering CDS Hooks 2.0 prefetch tokens from a hook's context (CDS Hooks 2.0, "Prefetch tokens").

2.0 tokens are ``{{context.X}}`` for a root-level primitive context field and the user identifiers
``{{userPractitionerId}}``, ``{{userPractitionerRoleId}}``, ``{{userPatientId}}``,
``{{userRelatedPersonId}}``, derived from ``context.userId`` (``Type/id``). A template with a token that
has no value (e.g. ``userPractitionerId`` when the user is a PractitionerRole) is not rendered at all:
the CDS Hooks sandbox skips such templates too, and a half-filled query would ask the wrong thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
# An id goes into a URL only if it is made of RFC 3986 "unreserved" characters, so a crafted context value
# cannot add query parameters or path segments. That is the FHIR R4 id alphabet
# (http://hl7.org/fhir/R4/datatypes.html#id) plus "_" and "~", and up to 256 characters rather than 64:
# lenient toward servers whose ids overstep the spec a little (docs/api.md "Bad input"), never toward URL
# syntax. At least one letter or digit, so "." and ".." cannot climb the URL path.
_ID = r"(?=[\-._~]*[A-Za-z0-9])[A-Za-z0-9\-._~]{1,256}"
_FHIR_ID = re.compile(_ID)
_RELATIVE_REFERENCE = re.compile(rf"([A-Z][A-Za-z]+)/({_ID})")

# CDS Hooks 2.0 user tokens (S2 L313-319): the FHIR id of the user, by the type userId names.
USER_TOKENS: dict[str, str] = {
    "Practitioner": "userPractitionerId",
    "PractitionerRole": "userPractitionerRoleId",
    "Patient": "userPatientId",
    "RelatedPerson": "userRelatedPersonId",
}


def token_values(context: Mapping[str, Any]) -> dict[str, str]:
    """Every token the context can fill, by token name (without braces)."""
    values: dict[str, str] = {}
    for name, value in context.items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue  # only root-level primitives are tokens; draftOrders is not
        text = str(value)
        if _FHIR_ID.fullmatch(text) or _RELATIVE_REFERENCE.fullmatch(text):
            values[f"context.{name}"] = text
    user = _RELATIVE_REFERENCE.fullmatch(str(context.get("userId", "")))
    if user is not None and user.group(1) in USER_TOKENS:
        values[USER_TOKENS[user.group(1)]] = user.group(2)
    return values


def render(template: str, values: Mapping[str, str]) -> str | None:
    """The template with every token replaced, or ``None`` if any token has no value."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return value

    rendered = _TOKEN.sub(fill, template)
    return None if missing else rendered


def fhir_id(value: str) -> str | None:
    """``value`` if it is safe to use as a FHIR id in a URL, else ``None``."""
    return value if _FHIR_ID.fullmatch(value) else None


def relative_reference(value: str) -> tuple[str, str] | None:
    """``(type, id)`` of a ``Type/id`` reference, else ``None``."""
    match = _RELATIVE_REFERENCE.fullmatch(value)
    return (match.group(1), match.group(2)) if match else None
