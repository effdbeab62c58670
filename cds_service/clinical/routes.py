"""Whether a dose reached the circulation, read from its route (docs/facts.md "Routes").

CP.PHAR.418 I.A.3 counts "a cumulative doxorubicin dose", the label's measure of systemic exposure: a dose
instilled in the bladder is not one. A route is read from its SNOMED CT code (``codes.ROUTES_*``), else from
its words:

* ``SYSTEMIC`` (intravenous, intramuscular, ...) and no route at all (the usual record: a dose charted with
  no route is given as charted) count;
* ``LOCAL`` (intravesical, topical, ...) is not a systemic dose: set aside, and said;
* ``REGIONAL`` (intra-arterial chemoembolization, intraperitoneal, intrapleural, intralesional, ...) reaches
  the circulation in a share the record does not tell: an unknown part, never a dose and never nothing;
* ``NOT_READ`` (a code the service does not list, a system it does not read, words it does not know, or a
  code and words naming different kinds of route): not read is not absent, an unknown part.

Pure: one CodeableConcept in, one reading out.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from cds_service.clinical import codes
from cds_service.clinical.fhir_read import codings, concept_text, dicts

SYSTEMIC, LOCAL, REGIONAL, NOT_READ = "systemic", "local", "regional", "not read"

_BY_CODE = {
    **dict.fromkeys(codes.ROUTES_SYSTEMIC, SYSTEMIC),
    **dict.fromkeys(codes.ROUTES_LOCAL, LOCAL),
    **dict.fromkeys(codes.ROUTES_REGIONAL, REGIONAL),
}


def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    # A word, or the start of one ("intratumo" for intratumoral), never inside another ("iv" in "five")
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(word) for word in words) + r")")


_BY_WORDS = (
    (LOCAL, _words(codes.ROUTE_WORDS_LOCAL)),
    (REGIONAL, _words(codes.ROUTE_WORDS_REGIONAL)),
    (SYSTEMIC, _words(codes.ROUTE_WORDS_SYSTEMIC)),
)


class Route(NamedTuple):
    """How a dose's route reads (``SYSTEMIC``, ``LOCAL``, ``REGIONAL``, ``NOT_READ``, or "" when no route
    is written) and the route as charted, for reasons."""

    kind: str
    said: str = ""

    @property
    def counts(self) -> bool:
        """Whether a dose by this route is a dose of the cumulative totals as charted."""
        return self.kind in {"", SYSTEMIC}


def _named_in_words(text: str) -> set[str]:
    return {kind for kind, pattern in _BY_WORDS if pattern.search(text)}


def _as_charted(concepts: list[dict[str, Any]]) -> str:
    """The route's own words, as charted: its text, else the display of its first coding that has one."""
    for concept in concepts:
        if isinstance(concept.get("text"), str) and concept["text"].strip():
            return str(concept["text"]).strip()[:60]
    for concept in concepts:
        for coding in dicts(concept.get("coding")):
            if isinstance(coding.get("display"), str) and coding["display"].strip():
                return str(coding["display"]).strip()[:60]
    return ""


def route_of(route: Any) -> Route:
    """The reading of a dosage's ``route`` (a CodeableConcept as sent: any shape)."""
    concepts = list(dicts(route))
    if not concepts:
        return Route("")
    text = concept_text(concepts)
    found = list(codings(concepts))
    said = _as_charted(concepts) or ", ".join(code for _, code in found)[:60] or "with no code or text"
    coded = {_BY_CODE[code] for system, code in found if system == codes.SNOMED and code in _BY_CODE}
    worded = _named_in_words(text)
    if len(coded) > 1:
        return Route(NOT_READ, f"{said} (its codes name different kinds of route)")
    if coded:
        kind = next(iter(coded))
        if worded - {kind}:
            return Route(NOT_READ, f"{said} (its code and its words name different kinds of route)")
        return Route(kind, said)
    if len(worded) == 1:
        return Route(next(iter(worded)), said)
    if worded:
        return Route(NOT_READ, f"{said} (its words name different kinds of route)")
    return Route(NOT_READ, said)


def _key(route: Any) -> tuple[Any, ...] | None:
    """A hashable copy of the usual route (one concept of plain codings and a text), else ``None``: a
    course charts the same route on every dose, read once."""
    if not isinstance(route, dict) or not set(route) <= {"coding", "text"}:
        return None
    text, found = route.get("text"), []
    codings_ = route.get("coding") or []
    if not isinstance(text, str | None) or not isinstance(codings_, list):
        return None
    for coding in codings_:
        if not isinstance(coding, dict) or not set(coding) <= {"system", "code", "display"}:
            return None
        values = (coding.get("system"), coding.get("code"), coding.get("display"))
        if not all(isinstance(value, str | None) for value in values):
            return None
        found.append(values)
    return (text, *found)


# Routes read, by their key (``_key``); a record's routes are a handful, the cap bounds a hostile one.
_READ: dict[tuple[Any, ...], Route] = {}
_READ_CAP = 256


def administration_route(resource: dict[str, Any]) -> Route:
    """The route a MedicationAdministration charts (R4, STU3 and DSTU2 ``dosage.route``)."""
    dosage = resource.get("dosage")
    route = dosage.get("route") if isinstance(dosage, dict) else None
    if route is None:
        return Route("")
    key = _key(route)
    if key is None:
        return route_of(route)
    found = _READ.get(key)
    if found is None:
        found = route_of(route)
        if len(_READ) < _READ_CAP:
            _READ[key] = found
    return found


def order_route(order: dict[str, Any]) -> Route:
    """How an order's routes read together (each ``dosageInstruction.route``): ``LOCAL`` when every line
    is a local instillation, a line ``REGIONAL`` or ``NOT_READ`` (its doses' systemic share not known)
    when one is, else one that counts."""
    found = [route_of(dosage.get("route")) for dosage in dicts(order.get("dosageInstruction"))]
    if found and all(route.kind == LOCAL for route in found):
        return found[0]
    return next((route for route in found if route.kind in {REGIONAL, NOT_READ}), Route(""))


def why_not_counted(route: Route, drug: str) -> str:
    """What a dose by ``route`` is for the totals, in words ("" for one that counts)."""
    if route.kind == LOCAL:
        return f"{drug} given by the route {route.said!r}: not a systemic dose"
    if route.kind == REGIONAL:
        return (
            f"{drug} given by the route {route.said!r}: how much reached the circulation is not known: "
            "not counted"
        )
    if route.kind == NOT_READ:
        return f"its route {route.said!r} is not one the service reads: not counted"
    return ""
