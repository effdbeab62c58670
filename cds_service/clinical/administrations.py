"""Drug administrations that count (docs/facts.md "Administrations"), read from MedicationAdministration
in its R4, STU3 and DSTU2 shapes.

Counted: ``completed`` and ``in-progress``; ``stopped`` only when a dose is recorded (what was given
before the stop). Never: ``not-done`` (or DSTU2 ``wasNotGiven`` / STU3 ``notGiven``), ``entered-in-error``,
``on-hold``, ``unknown``.

docs/facts.md "Record integrity" then refines what counts:

* "One dose is counted once": records of the same drug, the same dose and the same start time to the
  minute are one dose whatever their ids (``merge_duplicates``); records with one business identifier are
  one charted event, one dose when they agree and one unknown part when they do not (``one_event``);
  records of one drug started within ``SAME_INFUSION_WINDOW`` of each other are one infusion, never two
  known doses: the same amount charted again is an unknown part, different amounts make the dose an
  unknown part (``charted_twice``);
* "Given means given by then": one dated after the order date (or today) is a charting slip, an unknown
  part of a total and never a dose (``given_by``); so is one with no date, none written or one that cannot
  be read (``date_unreadable``; docs/facts.md "An administration with no date").

A dose charted as given whose own words say it was not ("Dose HELD - ANC 0.4, not given") contradicts
itself: an unknown part (``words_say_not_given``, docs/facts.md "A dose its own words say was not given");
so does one whose record was last written before the dose began (``written_before_given``, docs/facts.md
"A dose charted before it happened").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, NamedTuple

from cds_service.clinical.codes import ANTHRACYCLINES, MOST_IN_ONE_DAY_MG_M2, NOT_GIVEN_WORDS, Agent
from cds_service.clinical.drugs import agent_of, agent_of_concept, named_in_words
from cds_service.clinical.fhir_read import (
    concept_text,
    dicts,
    dose_quantity,
    obj,
    parse_date,
    parse_datetime,
    read_datetime,
    read_period,
    status_missing,
    status_of,
)
from cds_service.clinical.limits import ADMINISTRATION_WORDS, LARGEST_MAGNITUDE
from cds_service.clinical.units import KNOWN_UNITS, normalize, to_mg, to_mg_per_kg, to_mg_per_m2
from cds_service.fhir.pool import Resource, ResourcePool, reference_of, relative_part

COUNTED_STATUSES = frozenset({"completed", "in-progress"})
# FHIR R4 (and STU3) medication-admin-status codes that say the dose was not given, or not yet: read, and
# not counted. Every other status (none at all, a data-absent-reason in its place, "unknown", a code of no
# version) says nothing the service can read about whether the dose was given (``status_not_read``).
NOT_GIVEN_STATUSES = frozenset({"not-done", "entered-in-error", "on-hold"})


def status_not_read(resource: Resource) -> str:
    """Why an administration's status does not say whether its dose was given, or "" when it does: no
    status (R4 requires one), only ``_status`` with a data-absent-reason, FHIR's "unknown" ("one of the
    listed statuses is presumed to apply, it's just not known which one"), or a code FHIR does not define.
    Not read is not absent: such a dose is an unknown part of its totals, never dropped."""
    missing = status_missing(resource)
    if missing:
        return f"{missing}: whether it was given is not known"
    code = status_of(resource)
    if code in COUNTED_STATUSES or code in NOT_GIVEN_STATUSES or code == "stopped":
        return ""
    if code == "unknown":
        return "its status is 'unknown' (which applies is not known): whether it was given is not known"
    written = str(resource.get("status")).strip()[:40]
    return f"its status {written!r} is no FHIR administration status: whether it was given is not known"


_NOT_GIVEN = re.compile(
    r"\b(?:" + "|".join(word.replace(" ", r"\s+") for word in NOT_GIVEN_WORDS) + r")\b", re.IGNORECASE
)


def _own_words(resource: Resource) -> str:
    """An administration's own words: its notes (R4/STU3 Annotation ``text``, DSTU2 a string) and the text
    of its status reason (R4 ``statusReason``, STU3 ``reasonNotGiven``, DSTU2 ``reasonNotGiven``)."""
    note = resource.get("note")
    if not (note or resource.get("statusReason") or resource.get("reasonNotGiven")):
        return ""  # the usual dose says nothing of itself: nothing to gather (hundreds per hook)
    parts: list[str] = []
    if isinstance(note, str):
        parts.append(note)
    parts += [item["text"] for item in dicts(note) if isinstance(item.get("text"), str)]
    for key in ("statusReason", "reasonNotGiven"):
        parts.append(concept_text(resource.get(key)))
    return " ".join(part for part in parts if part)


def words_say_not_given(resource: Resource) -> str:
    """Why an administration charted as given says in its own words that the dose was not given ("Dose HELD
    - ANC 0.4, not given"; ``codes.NOT_GIVEN_WORDS``), or "": the record contradicts itself, so the dose is
    an unknown part of its totals, never a dose and never zero. Words that only mention a hold ("held
    pre-hydration", "given after a 1-day hold") say nothing of the sort. Beyond
    ``limits.ADMINISTRATION_WORDS`` characters the rest is not read, and the dose is unknown too."""
    words = _own_words(resource)
    if not words:
        return ""
    cap = ADMINISTRATION_WORDS.value
    found = _NOT_GIVEN.search(words[:cap])
    if found is not None:
        start, end = max(0, found.start() - 30), found.end() + 30
        # The words around, whole ones only
        around = words[start:end].split()
        whole = around[1 if start > 0 else 0 : len(around) - (1 if end < len(words) else 0)]
        said = " ".join(whole or [found.group()])
        return f"charted as given, but its own words say it was not ({said!r}): not counted"
    if len(words) > cap:
        return (
            f"charted as given with notes longer than the service reads ({cap} characters): whether they say "
            "it was not given is not known: not counted"
        )
    return ""


# An amount of drug written in words: a number, then a unit of drug (mg, g, mcg...), alone or per m², per
# kg or per anything else (a concentration, "2 mg/mL", is read as its unit and then not kept: no dose unit
# reads it). "BSA 1.77 m2" is no amount of drug.
_STATED_AMOUNT = re.compile(
    r"(?<![\w.,])(\d{1,6}(?:\.\d{1,4})?)\s*"
    r"((?:mg|g|mcg|ug|µg|μg|milligrams?|grams?|micrograms?)\b(?!-)"
    r"(?:\s*(?:/|per)\s*(?:m\s*2|m²|m\^2|sq\.?\s*m\b|square\s+met(?:er|re)s?|kg|[a-z]+))?)",
    re.IGNORECASE,
)


def stated_amounts(resource: Resource, agent: Agent) -> list[tuple[float, str]]:
    """The amounts of drug an administration's own words state for its dose: every amount its
    ``dosage.text`` writes (the dosage as words, "DOXOrubicin 60 mg/m2 x BSA 1.77 m2 = 106 mg IV push"),
    and those of a note that names the dose's own drug (a note naming none may be about a premedication's
    8 mg). Each as (value, UCUM code) in mg, mg/m² or mg/kg; the first ``limits.ADMINISTRATION_WORDS``
    characters of each are read."""
    dosage = obj(resource.get("dosage"))
    note = resource.get("note")
    if not (dosage.get("text") or note):
        return []  # the usual dose says nothing of itself (hundreds per hook)
    texts = [dosage["text"]] if isinstance(dosage.get("text"), str) else []
    notes = [note] if isinstance(note, str) else []
    notes += [item["text"] for item in dicts(note) if isinstance(item.get("text"), str)]
    texts += [text for text in notes if agent in named_in_words(text[: ADMINISTRATION_WORDS.value])]
    found: list[tuple[float, str]] = []
    for text in texts:
        for value, unit in _STATED_AMOUNT.findall(text[: ADMINISTRATION_WORDS.value]):
            code = normalize(unit)
            amount = float(value)
            if code is not None and amount > 0 and _is_a_dose_unit(amount, code):
                found.append((amount, code))
    return list(dict.fromkeys(found))


def _is_a_dose_unit(value: float, code: str) -> bool:
    return any(convert(value, code) is not None for convert in (to_mg, to_mg_per_m2, to_mg_per_kg))


# How far a record's last update may come before the start it charts before the two are read as a conflict
# (our choice): a day covers a server's clock and a dose charted in another time zone than the server
# stamps its updates in; a record written weeks before the dose it says was given is no such slip.
RECORD_CLOCK_SLACK = timedelta(days=1)
# The earliest a day begins anywhere (UTC+14:00): a dose charted with a date only may have started then.
_EARLIEST_ZONE = timezone(timedelta(hours=14))


def written_before_given(administration: Administration) -> str:
    """Why an administration charted as given was last written (``meta.lastUpdated``, when the server
    stored the version sent) before the dose it documents began, beyond ``RECORD_CLOCK_SLACK``, or "": a
    record cannot document as given a dose that had not yet happened (a dose pre-charted and never
    confirmed), so the dose is an unknown part of its totals, never a dose. A dose charted with a date
    only is taken from the earliest moment its day begins anywhere."""
    meta = administration.resource.get("meta")
    written = meta.get("lastUpdated") if type(meta) is dict else None
    if written is None:
        return ""  # the usual record: no update stamp sent
    updated = parse_datetime(written)
    start = administration.moment
    if start is None and administration.when is not None:
        start = datetime.combine(administration.when, time.min, tzinfo=_EARLIEST_ZONE)
    if updated is None or start is None or start - updated <= RECORD_CLOCK_SLACK:
        return ""
    given = administration.moment.isoformat() if administration.moment else str(administration.when)
    return (
        f"charted as given at {given}, but its record was last written {updated.isoformat()}, before the "
        "dose it documents: a dose charted before it happened: not counted"
    )


# The smallest amount read as a dose (``fhir_read.quantity``: nothing below the inverse of the largest).
_SMALLEST_DOSE = 1 / LARGEST_MAGNITUDE


class Administration(NamedTuple):
    """One administration, read once into what every consumer asks of it (the totals, the BSA lookups,
    duplicate merging, given-by-then, concurrency, the extravasation course, prior dexrazoxane): a long
    history is hundreds of these per hook call, and each consumer then reads fields, not JSON."""

    resource: Resource
    reference: str
    agent: Agent
    status: str
    when: date | None
    amount: tuple[float, str] | None
    request: str | None  # "Type/id" of the order it fulfils, when it names one
    # The start as written: an instant when a time is charted, else None (a bare date has no minute).
    moment: datetime | None = None
    # Every record merged into this one dose (this one included), when more than one (docs/facts.md "Record
    # integrity").
    merged: tuple[str, ...] = ()
    # ``amount`` on one scale (``_same_dose_key``), worked out once: duplicate merging compares it.
    dose_key: tuple[str, float] | None = None
    # Why the records merged into this one, one charted event by their shared identifier, disagree on its
    # date, drug or dose (``merge_duplicates``): the dose is then one unknown part, never a dose.
    disagreement: str = ""


def administered_on(resource: Resource) -> date | None:
    """The day of a MedicationAdministration: R4/STU3 ``effective[x]``, DSTU2 ``effectiveTime[x]``."""
    for key in ("effectiveDateTime", "effectiveTimeDateTime"):
        if key in resource:
            return parse_date(resource[key])
    for key in ("effectivePeriod", "effectiveTimePeriod"):
        period = obj(resource.get(key))
        if period:
            if read_period(period, key).contradiction:
                return None  # a period that ends before it starts dates nothing
            return parse_date(period.get("start") or period.get("end"))
    return None


def period_contradiction(resource: Resource) -> str:
    """Why the administration's period contradicts itself (it ends before it starts), or "": such a record
    does not date its dose, so whether it was given by the order date is not known (an unknown part)."""
    for key in ("effectivePeriod", "effectiveTimePeriod"):
        if key in resource:
            return read_period(resource[key], key).contradiction
    return ""


def dates_disagree(resource: Resource) -> str:
    """Why an administration charted with both an ``effectiveDateTime`` and an ``effectivePeriod`` (R4 allows
    one: a choice) contradicts itself, the day of one outside the days of the other, or ""."""
    if "effectiveDateTime" not in resource or "effectivePeriod" not in resource:
        return ""
    day = parse_date(resource["effectiveDateTime"])
    period = read_period(resource["effectivePeriod"], "effectivePeriod")
    first, last = period.start or period.end, period.end or period.start
    if day is None or first is None or last is None or period.contradiction or first <= day <= last:
        return ""
    return (
        f"its effectiveDateTime ({str(resource['effectiveDateTime']).strip()[:40]}) falls outside its "
        f"effectivePeriod ({first.isoformat()} to {last.isoformat()}): the record contradicts itself"
    )


def date_unreadable(resource: Resource) -> bool:
    """Whether the administration writes when it was given but that cannot be read (``+99:99``, year 1,
    a number, a period that ends before it starts): not the same as no date at all, though either leaves
    whether it was given by the order date unknown, an unknown part of its totals (docs/facts.md "An
    administration with no date"); only the reason said differs."""
    written = [resource.get(key) for key in ("effectiveDateTime", "effectiveTimeDateTime")]
    for key in ("effectivePeriod", "effectiveTimePeriod"):
        period = obj(resource.get(key))
        written.append(period.get("start") or period.get("end"))
    return any(value is not None for value in written) and administered_on(resource) is None


def _start_text(resource: Resource) -> str | None:
    for key in ("effectiveDateTime", "effectiveTimeDateTime"):
        if isinstance(resource.get(key), str):
            return str(resource[key])
    for key in ("effectivePeriod", "effectiveTimePeriod"):
        period = obj(resource.get(key))
        if period and read_period(period, key).contradiction:
            return None
        text = period.get("start") or period.get("end")
        if isinstance(text, str):
            return text
    return None


def administered_at(resource: Resource) -> datetime | None:
    """The instant a dose started, when a time of day is charted (a bare date gives none)."""
    text = _start_text(resource)
    if text is None or len(text.strip()) <= 10:
        return None
    return parse_datetime(text)


def _amount(resource: Resource) -> tuple[float, str] | None:
    dosage = obj(resource.get("dosage"))
    dose = dosage.get("dose")
    if type(dose) is dict:
        # The usual dose, a positive number with a UCUM code the facts read and a unit text that is the
        # same or none, taken as ``dose_quantity`` would take it without its detours (every administration
        # of a long history comes through here); a text that may disagree with the code goes the long way,
        # where a conflict leaves the unit unread (fhir_read.quantity).
        value, code, text = dose.get("value"), dose.get("code"), dose.get("unit")
        if (
            (type(value) is float or type(value) is int)
            and _SMALLEST_DOSE <= value <= LARGEST_MAGNITUDE
            and type(code) is str
            and code in KNOWN_UNITS
            and (text is None or text == code)
        ):
            return float(value), code
        if "comparator" in dose:
            # A bound ("<60 mg/m2") is read as written so records of one dose still merge; the totals count
            # it as an unknown part (``fhir_read.bound_written``), never as its number
            dose = {key: item for key, item in dose.items() if key != "comparator"}
    return dose_quantity(dose) or dose_quantity(dosage.get("quantity"))  # DSTU2: quantity


def request_reference(reference: Any, pool: ResourcePool, within: Resource) -> str | None:
    """``Type/id`` of a referenced order (resolved when it is in the pool, else read from the string)."""
    found = pool.resolve(reference, within=within)
    if found is not None:
        return reference_of(found)
    ref = obj(reference).get("reference")
    return relative_part(ref) if isinstance(ref, str) else None


def _request_of(resource: Resource, pool: ResourcePool, seen: dict[str, str | None]) -> str | None:
    """The order an administration fulfils; a course's administrations all name the same few orders, so
    each reference string is resolved once (``#contained`` ones depend on the resource: never shared)."""
    request = resource.get("request") or resource.get("prescription")
    if not request:
        return None
    ref = request.get("reference") if isinstance(request, dict) else None
    if not isinstance(ref, str) or ref.startswith("#"):
        return request_reference(request, pool, resource)
    if ref not in seen:
        seen[ref] = request_reference(request, pool, resource)
    return seen[ref]


def _start(resource: Resource) -> tuple[date | None, datetime | None]:
    """``(administered_on, administered_at)`` of a resource, its start text parsed once in the usual case
    (an R4 ``effectiveDateTime`` string); any other shape through both readers."""
    text = resource.get("effectiveDateTime")
    if not isinstance(text, str):
        return administered_on(resource), administered_at(resource)
    stripped = text.strip()
    if len(stripped) <= 10:
        return parse_date(text), None  # a bare date: its day, no instant
    # What parse_date and parse_datetime read of the same text, from one parse (fhir_read.read_datetime).
    moment = read_datetime(stripped)
    if moment is None:
        return None, None
    return moment.date(), moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def counted_administrations(
    pool: ResourcePool,
    agents: frozenset[Agent],
    unidentified: list[Resource] | None = None,
    status_unread: list[tuple[Administration, str]] | None = None,
) -> list[Administration]:
    """Administrations of ``agents`` that count toward a total, in no particular order; into
    ``unidentified``, when given, those that count but whose drug the service cannot identify (read in
    the same pass: not read is not absent, ``outside_doses``); into ``status_unread``, when given, those of
    ``agents`` whose status does not say whether the dose was given, with why (``status_not_read``).

    Each resource is read once, cheapest test first: the status settles most of those that do not count
    before the drug or the dose is looked at (a long history is hundreds of these per hook call), and the
    usual R4 shape (a status as written, a coded ``medicationCodeableConcept``, an ``effectiveDateTime``)
    is read without the general readers' detours, to the same result.
    """
    found: list[Administration] = []
    requests: dict[str, str | None] = {}
    for resource in pool.of_type("MedicationAdministration"):
        get = resource.get
        if get("wasNotGiven") is True or get("notGiven") is True:
            continue
        status = get("status")
        if not (status == "completed" or status == "in-progress"):  # the usual case: as written
            status = status_of(resource)
        amount = None
        unread = ""
        if status not in COUNTED_STATUSES:
            if status != "stopped":
                if status_unread is None or not (unread := status_not_read(resource)):
                    continue
            else:
                amount = _amount(resource)
                if amount is None:
                    continue
        concept = get("medicationCodeableConcept")
        agent = agent_of_concept(concept) if concept is not None else None
        if agent is None:
            agent = agent_of(resource, pool)  # a Medication referenced, an R5 concept, a display
        if agent is None:
            # (a stopped dose that records an amount counts: what was given before the stop)
            if unidentified is not None and (status in COUNTED_STATUSES or unread or status == "stopped"):
                unidentified.append(resource)
            continue
        if agent not in agents:
            continue
        if amount is None:
            amount = _amount(resource)
        when, moment = _start(resource)
        request = get("request") or get("prescription")
        read = Administration(
            resource,
            reference_of(resource),
            agent,
            status,
            when,
            amount,
            _request_of(resource, pool, requests) if request else None,
            moment,
            (),
            _same_dose_key(amount),
        )
        if unread and status_unread is not None:
            status_unread.append((read, unread))
        else:
            found.append(read)
    return found


def _same_dose_key(amount: tuple[float, str] | None) -> tuple[str, float] | None:
    """The dose on one scale, so "500 mg" and "0.5 g" are the same dose."""
    if amount is None:
        return None
    if len(amount[1]) > _CACHED_UNIT_CHARS:  # a unit as a caller wrote it: not pinned in the cache
        return _scaled.__wrapped__(amount)
    return _scaled(amount)


# UCUM units are a few characters ("mg/m2", "mg/kg", "[lb_av]"); a longer one is read, not cached.
_CACHED_UNIT_CHARS = 32


@lru_cache(maxsize=4096)
def _scaled(amount: tuple[float, str]) -> tuple[str, float]:
    # Cached on the amount as written: a course repeats a few doses ("50 mg/m2") hundreds of times.
    mg = to_mg(*amount)
    if mg is not None:
        return "mg", round(mg, 6)
    per_m2 = to_mg_per_m2(*amount)
    if per_m2 is not None:
        return "mg/m2", round(per_m2, 6)
    return amount[1].strip().lower(), round(amount[0], 6)


def _dose_key(administration: Administration) -> tuple[str, float] | None:
    """The record's ``dose_key`` (worked out when it was read), or worked out now for one built by hand."""
    if administration.dose_key is None and administration.amount is not None:
        return _same_dose_key(administration.amount)
    return administration.dose_key


# Two amounts on different scales (mg beside mg/m²) are the same dose when they agree within this, once
# both are in mg/m² (our choice: rounding to 0.1 mg/m² or to the whole mg moves a dose less than 0.5 %).
SAME_DOSE_TOLERANCE = 0.005


def _same_dose(
    one: Administration, other: Administration, per_m2: Callable[[Administration], float | None] | None
) -> bool:
    key = _dose_key(one)
    if key is not None and key == _dose_key(other):
        return True
    if per_m2 is None or one.amount is None or other.amount is None:
        return False
    first, second = per_m2(one), per_m2(other)
    if first is None or second is None or max(first, second) <= 0:
        return False
    return abs(first - second) <= SAME_DOSE_TOLERANCE * max(first, second)


def merge_duplicates(
    administrations: Iterable[Administration],
    per_m2: Callable[[Administration], float | None] | None = None,
) -> list[Administration]:
    """One administration per dose ("One dose is counted once", docs/facts.md "Record integrity"): records of
    the same drug with the same dose and the same start time, to the minute and on one clock (an offset is the
    same instant), are one dose whatever their ids or statuses. The same dose is the same amount on one scale
    (500 mg = 0.5 g), or, through ``per_m2`` (the dose in mg/m² on its date), "90 mg" beside "50 mg/m²"
    for a patient of 1.8 m². The record kept is the first by reference, so the result does not depend
    on the order the records came in; ``merged`` names every record merged.

    Records with the same business identifier (``identifier``, the same system and value: a MAR event's
    id) are one charted event, its versions or copies, whatever else they say (``one_event``): one dose
    when they agree, one unknown part (``disagreement``) when their dates, drugs or doses differ.

    Records with no time of day (a bare date) have no minute to compare: they are left apart here and
    ``same_day_undated`` says which could be one dose."""
    by_minute: dict[tuple[Any, ...], list[Administration]] = {}
    kept: list[Administration] = []
    for administration in one_event(administrations, per_m2):
        if administration.disagreement:
            kept.append(administration)  # one unknown part already: nothing to merge it with
            continue
        if administration.moment is None or administration.amount is None:
            kept.append(administration)
            continue
        # The minute since the epoch, on one clock whatever the offset (cheaper than a UTC datetime).
        minute = administration.moment.timestamp() // 60
        by_minute.setdefault((administration.agent, minute), []).append(administration)
    for at_that_minute in by_minute.values():
        if len(at_that_minute) == 1:
            kept.append(at_that_minute[0])  # the usual minute: one record, nothing to compare
            continue
        at_that_minute.sort(key=lambda a: a.reference)
        doses: list[list[Administration]] = []
        for administration in at_that_minute:
            same = next((dose for dose in doses if _same_dose(dose[0], administration, per_m2)), None)
            if same is None:
                doses.append([administration])
            else:
                same.append(administration)
        for group in doses:
            first = group[0]
            kept.append(_as_one(first, group) if len(group) > 1 else first)
    return kept


def _as_one(kept: Administration, group: list[Administration]) -> Administration:
    """``kept`` as the one dose ``group``'s records chart: ``merged`` names every record, and it keeps the
    order link any of them has (a dose given under that order)."""
    request = kept.request or next((a.request for a in group if a.request), None)
    merged = tuple(sorted(ref for a in group for ref in (a.merged or (a.reference,))))
    return kept._replace(merged=merged, request=request)


def _identifiers(resource: Resource) -> list[tuple[str, str]]:
    """``(system, value)`` of each business identifier a record carries with both (a value alone could be
    any system's)."""
    found = []
    for identifier in dicts(resource.get("identifier")):
        system, value = identifier.get("system"), identifier.get("value")
        if isinstance(system, str) and isinstance(value, str) and system.strip() and value.strip():
            found.append((system.strip(), value.strip()))
    return found


def _one_start(one: Administration, other: Administration) -> bool:
    """Whether two records chart the same start: the same minute (on one clock) when both have a time,
    else the same day."""
    if one.moment is not None and other.moment is not None:
        return one.moment.timestamp() // 60 == other.moment.timestamp() // 60
    return one.when == other.when


def one_event(
    administrations: Iterable[Administration],
    per_m2: Callable[[Administration], float | None] | None = None,
) -> list[Administration]:
    """Records that share a business identifier (the same system and value, directly or through a record
    that carries both) are one charted event ("One dose is counted once", docs/facts.md "One dose, every
    link"): its versions, or copies an interface sent again. When they agree (one drug, one dose as
    ``_same_dose`` reads it, one start to the minute, or to the day when one has no time) they are one
    dose, the first by reference of those charted with a time kept and ``merged`` naming every record.
    When they disagree, the event is one unknown part of its totals (``disagreement`` says how, naming
    every record), kept as its earliest record of an anthracycline (a dose that may count is never dropped
    behind another drug's record). The usual record's identifier is its own: read once per record, into
    one dict."""
    every = list(administrations)
    group_of: dict[tuple[str, str], int] = {}
    parent = list(range(len(every)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    shared = False
    for index, administration in enumerate(every):
        for key in _identifiers(administration.resource):
            other = group_of.setdefault(key, index)
            if other != index:
                parent[root(index)] = root(other)
                shared = True
    if not shared:
        return every  # the usual history: every record its own event
    groups: dict[int, list[Administration]] = {}
    for index, administration in enumerate(every):
        groups.setdefault(root(index), []).append(administration)
    found: list[Administration] = []
    for group in groups.values():
        if len(group) == 1:
            found.append(group[0])
            continue
        # The record kept says when to the minute if any does, then the first by reference
        group.sort(key=lambda a: (a.moment is None, a.reference))
        differ = _how_they_differ(group, per_m2)
        if not differ:
            found.append(_as_one(group[0], group))
            continue
        kept = _as_one(
            min(
                group,
                key=lambda a: (
                    a.agent not in ANTHRACYCLINES,
                    a.when is None,
                    a.when or date.min,
                    a.reference,
                ),
            ),
            group,
        )
        others = ", ".join(ref for ref in kept.merged if ref != kept.reference)
        found.append(
            kept._replace(
                disagreement=(
                    f"one charted event with {others} (the same identifier), but they chart {differ}: which "
                    "is right is not known: not counted"
                ),
            )
        )
    return found


def _how_they_differ(
    group: list[Administration], per_m2: Callable[[Administration], float | None] | None
) -> str:
    """How the records of one event disagree (different drugs, starts or doses), or "" when they agree."""
    first = group[0]
    said = []
    if any(a.agent is not first.agent for a in group):
        said.append(f"different drugs ({', '.join(dict.fromkeys(a.agent.value for a in group))})")
    if not all(_one_start(first, a) for a in group[1:]):
        starts = dict.fromkeys(a.moment.isoformat() if a.moment else str(a.when) for a in group)
        said.append(f"different dates ({', '.join(starts)})")
    if not all(_same_dose(first, a, per_m2) for a in group[1:]):
        said.append(f"different amounts ({', '.join(dict.fromkeys(_amount_said(a) for a in group))})")
    return " and ".join(said)


# Records of one drug whose starts are within this of each other are one infusion charted twice, never two
# doses (our choice): a barcode MAR and a smart-pump feed chart the same push or infusion minutes apart
# (scan, then pump start), and no regimen gives a drug the service counts (an anthracycline, dexrazoxane)
# twice within hours: the shortest interval between its doses is a day (daunorubicin and idarubicin days
# 1-3, dexrazoxane days 1-3 after an extravasation); a continuous infusion charted by its daily bags is 24 h
# apart. An hour covers the gap between two systems' clocks and a push charted at its end.
SAME_INFUSION_WINDOW = timedelta(minutes=60)


# The longest an anthracycline infusion runs (our choice): doxorubicin as a 96-hour continuous infusion
# (dose-adjusted EPOCH: 10 mg/m2/day over 96 hours, Wilson WH et al., Blood 2002;99:2685-2693). A record
# still charted "in-progress" days after that started an infusion nobody closed: how much of the charted
# dose went in is not known (an unknown part, never the whole dose).
LONGEST_INFUSION = timedelta(hours=96)


def open_too_long(administration: Administration, cutoff: date) -> str:
    """Why an administration still charted in progress cannot be counted as its whole dose by ``cutoff``
    (the order date): it started more than ``LONGEST_INFUSION`` before the end of that day; "" otherwise."""
    if administration.status != "in-progress" or administration.when is None:
        return ""
    if (cutoff - administration.when) <= timedelta(days=LONGEST_INFUSION.days):
        return ""
    return (
        f"charted in progress since {administration.when.isoformat()}, longer than any infusion runs: how "
        "much was given is not known: not counted"
    )


class ChartedTwice(NamedTuple):
    """What ``charted_twice`` finds: each record that repeats another's dose within the window, with why
    (an unknown part, never a dose); each dose charted with different amounts within the window, by its
    first record, with why and every record of it (that dose is an unknown part, not the larger and not
    the sum: the other records add nothing)."""

    repeats: dict[str, str]
    conflicting: dict[str, tuple[str, tuple[str, ...]]]

    def folded(self) -> set[str]:
        """Records counted within another record's unknown part (a dose charted with different amounts)."""
        return {ref for first, (_, refs) in self.conflicting.items() for ref in refs if ref != first}

    def not_doses(self) -> set[str]:
        return set(self.repeats) | {ref for _, refs in self.conflicting.values() for ref in refs}


def _amount_said(administration: Administration) -> str:
    if administration.amount is None:
        return "no amount"
    value, unit = administration.amount
    return f"{value:g} {unit}"


def charted_twice(
    administrations: Iterable[Administration],
    per_m2: Callable[[Administration], float | None] | None = None,
) -> ChartedTwice:
    """Records of one drug, charted with a time, whose starts are within ``SAME_INFUSION_WINDOW`` of the
    first of them (on one clock): one infusion, not several doses (docs/facts.md "One dose is counted
    once"; the same minute and the same dose is ``merge_duplicates``' one dose already). The same amount
    (as ``merge_duplicates`` reads it) charted again minutes later cannot be told from a second dose no
    regimen gives: each later record is an unknown part, never a dose. Different amounts for the one dose
    (a correction kept beside the original, two systems disagreeing) conflict: the dose is one unknown
    part. The first record is the earliest, then by reference: the result does not depend on the order
    the records came in."""
    by_agent: dict[Agent, list[tuple[datetime, Administration]]] = {}
    for administration in administrations:
        if administration.moment is not None and administration.amount is not None:
            by_agent.setdefault(administration.agent, []).append((administration.moment, administration))
    found = ChartedTwice({}, {})
    for records in by_agent.values():
        if len(records) < 2:
            continue
        records.sort(key=lambda item: (item[0].timestamp(), item[1].reference))
        index = 0
        while index < len(records):
            start, first = records[index]
            end = index + 1
            while end < len(records) and records[end][0] - start <= SAME_INFUSION_WINDOW:
                end += 1
            cluster, index = records[index:end], end
            if len(cluster) < 2:
                continue
            if all(_same_dose(first, other, per_m2) for _, other in cluster[1:]):
                for when, other in cluster[1:]:
                    minutes = round((when - start).total_seconds() / 60)
                    found.repeats[other.reference] = (
                        f"the same dose as {first.reference} charted {minutes} min after it: one infusion "
                        "charted twice, or a second dose no regimen gives"
                    )
                continue
            amounts = ", ".join(dict.fromkeys(_amount_said(a) for _, a in cluster))
            references = tuple(ref for _, a in cluster for ref in (a.merged or (a.reference,)))
            found.conflicting[first.reference] = (
                f"{', '.join(references)} chart different amounts ({amounts}) for one dose within "
                f"{round(SAME_INFUSION_WINDOW.total_seconds() / 60)} min: which was given is not known",
                tuple(a.reference for _, a in cluster),
            )
    return found


def more_than_a_day_gives(
    administrations: Iterable[Administration], per_m2: Callable[[Administration], float | None]
) -> dict[str, str]:
    """Doses of one anthracycline charted on one day, not all under one order (different orders, or one
    naming none), that add up to more than any regimen gives in a day (``codes.MOST_IN_ONE_DAY_MG_M2``):
    a second charting of the day's dose cannot be told from a dose no regimen gives. The day's doses are
    taken earliest first (a time of day before none, then by reference); each that would take the day
    beyond the most is mapped to why, an unknown part, never a dose. Doses within an hour of each other are
    ``charted_twice``'s; a regimen charted a dose a day, or one order's doses, are not questioned."""
    by_day: dict[tuple[Agent, date], list[Administration]] = {}
    for a in administrations:
        if a.when is not None and a.agent in MOST_IN_ONE_DAY_MG_M2:
            by_day.setdefault((a.agent, a.when), []).append(a)
    found: dict[str, str] = {}
    for (agent, day), doses in by_day.items():
        if len(doses) < 2 or len({a.request for a in doses}) < 2:
            continue  # the usual day: one dose; or every dose under the one order that plans them
        doses.sort(key=lambda a: (a.moment is None, a.moment.timestamp() if a.moment else 0, a.reference))
        most = MOST_IN_ONE_DAY_MG_M2[agent]
        kept: list[tuple[Administration, float]] = []
        for a in doses:
            value = per_m2(a)
            if value is None:
                continue  # an unknown part already
            so_far = sum(v for _, v in kept)
            if kept and so_far + value > most:
                first = kept[0][0]
                found[a.reference] = (
                    f"a second {agent.value} dose on {day.isoformat()} beside {first.reference}, under "
                    f"{a.request or 'no order'} (the first under {first.request or 'no order'}): "
                    f"{so_far + value:.0f} mg/m2 in one day is more than any regimen gives ({most:g} mg/m2): "
                    "the same dose charted again, or a dose not given: not counted"
                )
                continue
            kept.append((a, value))
    return found


def one_record_per_dose(
    resources: Iterable[Resource], drug_of: Callable[[Resource], object]
) -> list[tuple[Resource, tuple[str, ...]]]:
    """Administrations read as no dose of a drug the service counts (another patient's, a drug it cannot
    identify), one per dose: records of the same drug (``drug_of``), the same amount and the same start
    minute (on one clock) are one dose, as ``merge_duplicates`` reads doses; each group's first record by
    reference, with every record of it. Records with no time of day are each their own."""
    groups: dict[tuple[object, ...], list[Resource]] = {}
    for index, resource in enumerate(resources):
        moment = administered_at(resource)
        minute: object = moment.timestamp() // 60 if moment is not None else ("no time", index)
        groups.setdefault((repr(drug_of(resource)), minute, _amount(resource)), []).append(resource)
    found: list[tuple[Resource, tuple[str, ...]]] = []
    for group in groups.values():
        group.sort(key=reference_of)
        found.append((group[0], tuple(reference_of(r) for r in group)))
    found.sort(key=lambda item: reference_of(item[0]))
    return found


def same_day_undated(
    administrations: Iterable[Administration],
    per_m2: Callable[[Administration], float | None] | None = None,
) -> dict[str, str]:
    """Records charted with a bare date that repeat another record of the same drug and dose on that
    day (the same dose as ``merge_duplicates`` reads it): with no time, one dose charted twice cannot be
    told from two doses. Maps each such record to the record it may repeat (a timed record first, else
    the first by reference); the caller counts it as an unknown part, never as a dose and never as zero."""
    # Grouped by drug and day first: most days hold one dose, and only a day with several needs the
    # doses compared (a long history is hundreds of records per hook call).
    by_day: dict[tuple[Any, ...], list[Administration]] = {}
    for a in administrations:
        if a.when is not None and a.amount is not None:
            by_day.setdefault((a.agent, a.when), []).append(a)
    found: dict[str, str] = {}
    for on_the_day in by_day.values():
        if len(on_the_day) < 2 or all(a.moment is not None for a in on_the_day):
            continue
        # A record with a time is the one kept (it says when); among bare dates, the first by reference.
        on_the_day.sort(key=lambda a: (a.moment is None, a.reference))
        doses: list[list[Administration]] = []
        for a in on_the_day:
            same = next((dose for dose in doses if _same_dose(dose[0], a, per_m2)), None)
            if same is None:
                doses.append([a])
            elif a.moment is None:
                found[a.reference] = same[0].reference
            else:
                same.append(a)
    return found


def order_day_clock(order_written: Any) -> tzinfo | None:
    """The zone of the order's ``authoredOn`` when it carries a time and offset, else ``None``."""
    if not isinstance(order_written, str) or len(order_written.strip()) <= 10:
        return None
    moment = parse_datetime(order_written)
    return moment.tzinfo if moment is not None else None


def given_by(administration: Administration, cutoff: date, clock: tzinfo | None) -> bool | None:
    """Whether a dose was given on or before ``cutoff`` (the order date, or today if earlier):
    "Given means given by then", docs/facts.md "Record integrity". Read on the order's clock when it has one
    (a dose at 20:00 -05:00 charted as 01:00Z the next day was given on the order date), else on the date as
    charted; a dose later the same day counts. ``None`` when the dose is undated."""
    if administration.moment is not None and clock is not None:
        end_of_day = datetime.combine(cutoff, time.max, tzinfo=clock)
        return administration.moment <= end_of_day
    if administration.when is None:
        return None
    return administration.when <= cutoff
