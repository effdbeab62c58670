"""Light, lenient readers over FHIR JSON dicts: codings, dates, quantities.

Every function accepts whatever the wire holds (docs/api.md "Bad input": a ``category`` sent as an object
instead of a list, a missing element, a wrong type) and answers ``None`` or an empty sequence instead of
raising.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from cds_service.clinical.code_systems import canonical
from cds_service.clinical.limits import LARGEST_MAGNITUDE
from cds_service.clinical.units import KNOWN_UNITS, disagreeing, normalize, same_unit

_SMALLEST_MAGNITUDE = 1 / LARGEST_MAGNITUDE


def as_list(value: Any) -> list[Any]:
    """A FHIR repeating element as a list (a lone object or scalar becomes a one-item list)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def dicts(value: Any) -> Iterator[dict[str, Any]]:
    """The JSON objects of a repeating element, skipping anything else."""
    for item in as_list(value):
        if isinstance(item, dict):
            yield item


def codings(concepts: Any) -> Iterator[tuple[str, str]]:
    """``(system, code)`` of every coding in one CodeableConcept or a list of them (codes stripped). The
    system is the canonical URI of the code system it names by any of its published identifiers (an OID,
    ``https`` for ``http``...: ``code_systems.canonical``), else as written (a system not read)."""
    for concept in dicts(concepts):
        for coding in dicts(concept.get("coding")):
            system, code = coding.get("system"), coding.get("code")
            if isinstance(system, str) and isinstance(code, str) and code.strip():
                yield canonical(system) or system.strip(), code.strip()


def concept_text(concepts: Any) -> str:
    """Lower-cased ``text`` and coding ``display`` of CodeableConcept(s), for the last-resort name match."""
    parts: list[str] = []
    for concept in dicts(concepts):
        if isinstance(concept.get("text"), str):
            parts.append(concept["text"])
        for coding in dicts(concept.get("coding")):
            if isinstance(coding.get("display"), str):
                parts.append(coding["display"])
    return " ".join(parts).lower()


def has_code(concepts: Any, systems: Iterable[str], codes: frozenset[str] | set[str]) -> bool:
    """Whether any coding is in one of ``systems`` with a code in ``codes``."""
    wanted = set(systems)
    return any(system in wanted and code in codes for system, code in codings(concepts))


# Dates outside these years are typing errors in clinical data (and "0001-01-01" would overflow the
# calendar arithmetic of windows and approval periods): read as no date.
_PLAUSIBLE_YEARS = range(1800, 2300)
# FHIR R4 dateTime and instant: a time zone offset runs from -14:00 to +14:00 (the datatype's regular
# expression); "+99:99" or "+23:59" is not a time zone, so the instant it would give is not read.
_LARGEST_OFFSET = timedelta(hours=14)


def parse_date(value: Any) -> date | None:
    """The calendar date of a FHIR date, dateTime or instant (``YYYY``/``YYYY-MM`` read as the 1st).

    A dateTime's date is the one written (local to its offset). A dateTime whose time or offset cannot be
    read (``T25:00``, ``+99:99``) is unreadable as a whole, date included: what it says is not known."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    text = value.strip()
    if len(text) > 10:
        moment = read_datetime(text)
        return moment.date() if moment is not None else None
    try:
        if len(text) == 4:
            found = date(int(text), 1, 1)
        elif len(text) == 7:
            found = date(int(text[:4]), int(text[5:7]), 1)
        else:
            found = date.fromisoformat(text)
    except ValueError:
        return None
    return found if found.year in _PLAUSIBLE_YEARS else None


def read_datetime(text: str) -> datetime | None:
    """A dateTime with a time (``text`` stripped, longer than a date), as written (aware when it has an
    offset), or ``None`` when its date, time or offset is not one FHIR allows or its year is not
    plausible. ``parse_date`` takes its date, ``parse_datetime`` the instant (UTC when naive)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # FHIR allows a leap second (":60"), Python does not: the same minute's last second is as good.
        if text[16:19] != ":60":
            return None
        try:
            moment = datetime.fromisoformat((text[:17] + "59" + text[19:]).replace("Z", "+00:00"))
        except ValueError:
            return None
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > _LARGEST_OFFSET:
        return None
    return moment if moment.year in _PLAUSIBLE_YEARS else None


def parse_datetime(value: Any) -> datetime | None:
    """A FHIR date/dateTime/instant as an aware datetime (UTC when no offset; dates at midnight), or
    ``None`` when it cannot be read (``parse_date``)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) <= 10:
        day = parse_date(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    moment = read_datetime(text)
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Period(NamedTuple):
    """A FHIR Period as the facts read it: its start and end days (``None`` when absent or unreadable) and,
    when its end comes before its start, why (``contradiction``): a period that contradicts itself dates
    nothing (docs/facts.md "Plausibility", "A period that ends before it starts")."""

    start: date | None
    end: date | None
    contradiction: str = ""

    @property
    def first(self) -> date | None:
        """The day the period dates: its start, else its end; none when it contradicts itself."""
        return None if self.contradiction else (self.start or self.end)

    @property
    def begins(self) -> date | None:
        """Its start, when the period does not contradict itself."""
        return None if self.contradiction else self.start

    @property
    def ends(self) -> date | None:
        """Its end, when the period does not contradict itself."""
        return None if self.contradiction else self.end


def read_period(value: Any, name: str = "period") -> Period:
    """``value`` (a Period, or anything else the wire holds) read once for every reader of a Period
    (an administration's ``effectivePeriod``, a Timing's ``boundsPeriod``, a Condition's ``onsetPeriod`` and
    ``abatementPeriod``, a Coverage's ``period``...). Both ends written with a time are compared as instants
    (on one clock), otherwise as days: an end on the day the period starts is no contradiction."""
    if not isinstance(value, dict):
        return Period(None, None)
    start_text, end_text = value.get("start"), value.get("end")
    start, end = parse_date(start_text), parse_date(end_text)
    if start is None or end is None:
        return Period(start, end)
    if isinstance(start_text, str) and isinstance(end_text, str) and min(len(start_text), len(end_text)) > 10:
        first, last = parse_datetime(start_text), parse_datetime(end_text)
        ends_before = first is not None and last is not None and last < first
    else:
        ends_before = end < start
    if not ends_before:
        return Period(start, end)
    why = (
        f"{name} ends before it starts ({str(start_text).strip()[:40]} to {str(end_text).strip()[:40]}): "
        "the record contradicts itself"
    )
    return Period(start, end, why)


def number(value: Any) -> float | None:
    """A finite JSON number (not a bool) as float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        found = float(value)
    except OverflowError:  # an integer beyond any float (Python's json reads one; orjson refuses it)
        return None
    return found if math.isfinite(found) else None


def quantity(value: Any) -> tuple[float, str] | None:
    """``(value, unit)`` of a Quantity. The unit is the UCUM ``code`` when it is one the facts read, else
    the ``unit`` text in any common spelling ("MG/M^2", "milligrams per square metre": ``units.normalize``),
    else whatever was written (an unknown unit, said as such by the reader that cannot convert it). A code
    and a unit text read as different units conflict: the unit is ``units.disagreeing`` (converts to
    nothing, names both). A value
    beyond ``limits.LARGEST_MAGNITUDE`` (or a non-zero one below its inverse) is not read."""
    if not isinstance(value, dict):
        return None
    # ``number`` inlined and each key read once: every dose and every vital sign passes through here.
    amount = value.get("value")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        return None
    if not _SMALLEST_MAGNITUDE <= abs(amount) <= LARGEST_MAGNITUDE and amount != 0:
        return None  # not a clinical quantity (clinical.limits), and inf or NaN is not a number
    code, text = value.get("code"), value.get("unit")
    if isinstance(code, str) and code in KNOWN_UNITS and (text is None or text == code):
        return float(amount), code  # the usual case: a UCUM code as written, its text the same or none
    from_code = normalize(code) if isinstance(code, str) else None
    from_text = normalize(text) if isinstance(text, str) else None
    if from_code is not None and from_text is not None and not same_unit(from_code, from_text):
        # Not plausible is not a fact: the Quantity states two units, and which is meant is not known.
        return float(amount), disagreeing(str(code), str(text))
    unit = from_code or from_text
    if unit is not None:
        return float(amount), unit
    unit = code if isinstance(code, str) else text
    if not isinstance(unit, str):
        return None
    return float(amount), unit.strip()


def dose_quantity(value: Any) -> tuple[float, str] | None:
    """A drug amount: a Quantity with a positive value. Zero or a negative number is a charting error,
    never a dose: read as no recorded dose (unknown), so no ratio or cap is ever met on it. Nor is a bound
    (``comparator`` "<", "<=", ">=", ">": "less than 60 mg/m2" is no amount, ``bound_written``)."""
    if type(value) is dict and "comparator" in value:
        return None
    found = quantity(value)
    return found if found is not None and found[0] > 0 else None


def bound_written(value: Any) -> str:
    """A dose Quantity written as a bound ("<60 mg/m2": R4 ``Quantity.comparator``), as written, or "": the
    amount given is not known, only a side of it."""
    if type(value) is not dict or "comparator" not in value:
        return ""
    unit = value.get("unit") or value.get("code") or ""
    return f"{str(value.get('comparator'))[:4]}{str(value.get('value'))[:20]} {str(unit)[:20]}".strip()


def status_of(resource: dict[str, Any]) -> str:
    status = resource.get("status")
    return status.strip().lower() if isinstance(status, str) else ""


def status_missing(resource: dict[str, Any]) -> str:
    """Why ``resource`` has no status to read, or "" when it writes one: none at all, or only ``_status``
    (the element's extensions) with a data-absent-reason in its place (a migrated record). Not read is not
    absent: a reader filtering on the status says what it could not read, never drops the record."""
    status = resource.get("status")
    if isinstance(status, str) and status.strip():
        return ""
    for extension in dicts(obj(resource.get("_status")).get("extension")):
        url = extension.get("url")
        if isinstance(url, str) and url.endswith("data-absent-reason"):
            reason = extension.get("valueCode")
            said = f" (data-absent-reason {reason.strip()[:40]!r})" if isinstance(reason, str) else ""
            return f"its status is not recorded{said}"
    return "it has no status" if status is None else "its status cannot be read"


def obj(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (a missing or malformed element)."""
    return value if isinstance(value, dict) else {}


def plain_codes(concepts: Any) -> set[str]:
    """Every coding's code whatever its system (for status and answer codes sent without a system)."""
    return {
        coding["code"].strip()
        for concept in dicts(concepts)
        for coding in dicts(concept.get("coding"))
        if isinstance(coding.get("code"), str)
    }
