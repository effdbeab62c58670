"""CDS Hooks 2.0 feedback (§Feedback): validated, then recorded as append-only JSON lines without PHI.

A feedback item is ``card`` (the card's uuid), ``outcome`` accepted | overridden, ``acceptedSuggestions``
(required for accepted), an optional ``overrideReason`` {reason: Coding, userComment} and ``outcomeTimestamp``
(reference/cds-hooks-spec.md §5). Feedback is data: only what cannot be recorded is refused (no card id, an
unknown outcome, malformed JSON, a wrong JSON type, past a bound); an accepted item without
``acceptedSuggestions``, or an item without a readable ``outcomeTimestamp``, is recorded with a flag and
counted (``FEEDBACK_FLAGGED``, per item received). The free-text ``userComment`` may hold anything a clinician
typed, so only the fact that one was given is recorded. A client may send the same feedback more than once
(spec: "may receive feedback for the same card instance multiple times"): each item is recorded once per
process, and carries a stable ``id`` so a reader can drop repeats across restarts.

Bounded: at most ``MAX_ITEMS`` items per request and ``MAX_SUGGESTIONS`` accepted suggestions per item;
the strings that are recorded (card and suggestion ids, reason code and system) at most ``MAX_ID_CHARS``
characters; anything beyond is a 400. Lines are written off the event loop; a log that cannot be written
is logged as an error and the feedback is still answered 200 (it was received).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import anyio.to_thread
import orjson
import structlog
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from cds_service.errors import InvalidRequest, clip
from cds_service.hooks.parse import check_depth
from cds_service.metrics import FEEDBACK_FLAGGED

log = structlog.get_logger("cds_service.feedback")

# How many feedback ids one process remembers for de-duplication.
_REMEMBERED_IDS = 10_000
# Bounds of one request (cards and suggestion ids are uuids; codes are short).
MAX_ITEMS = 100
MAX_SUGGESTIONS = 100
MAX_ID_CHARS = 256
# The flag of an accepted item that names no suggestion (FEEDBACK_FLAGGED's label, the record's "flags").
ACCEPTED_WITHOUT_SUGGESTIONS = "accepted_without_suggestions"
# The flag of an item whose outcomeTimestamp is missing or unreadable (recorded without it).
NO_OUTCOME_TIMESTAMP = "outcome_timestamp_unreadable"
# RFC 3339 §5.6 date-time (a zone required). Checked before pydantic reads it, since pydantic also takes
# Unix times and other ISO 8601 spellings that are not RFC 3339.
RFC3339_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_AWARE_DATETIME: TypeAdapter[datetime] = TypeAdapter(AwareDatetime)
# How many invalid fields a 400 names.
_FIELDS_NAMED = 10


class AcceptedSuggestion(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)


class Coding(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    system: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    display: str | None = None


class OverrideReason(BaseModel):
    model_config = ConfigDict(extra="allow")

    reason: Coding | None = None
    userComment: str | None = None


class FeedbackItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    card: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = Field(default=None, max_length=MAX_SUGGESTIONS)
    overrideReason: OverrideReason | None = None
    # RFC 3339 by the spec; one that is missing or cannot be read is no reason to lose the item: it is
    # recorded without it, flagged (``outcome_time``).
    outcomeTimestamp: Any = None

    @cached_property
    def outcome_time(self) -> datetime | None:
        """``outcomeTimestamp`` in UTC, or None when it is not an RFC 3339 date-time with a zone that UTC can
        represent (9999-12-31T23:59:59-14:00 is past the last datetime there)."""
        value = self.outcomeTimestamp
        if not isinstance(value, str) or not RFC3339_DATE_TIME.fullmatch(value):
            return None
        try:
            return _AWARE_DATETIME.validate_python(value).astimezone(UTC)
        except (ValidationError, OverflowError):
            return None

    @property
    def flags(self) -> list[str]:
        """What the item lacks although it is recorded (issue 14: feedback is data, keep it). The spec
        requires ``acceptedSuggestions`` for an accepted outcome and an ``outcomeTimestamp``; an item
        without them is a client's slip, not an attack, and the EHR's report is still worth keeping."""
        flags = []
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            flags.append(ACCEPTED_WITHOUT_SUGGESTIONS)
        if self.outcome_time is None:
            flags.append(NO_OUTCOME_TIMESTAMP)
        return flags


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    feedback: list[FeedbackItem] = Field(min_length=1, max_length=MAX_ITEMS)


def parse_feedback(body: bytes) -> list[FeedbackItem]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The body is not valid JSON") from None
    check_depth(payload)
    try:
        items = FeedbackRequest.model_validate(payload).feedback
    except ValidationError as exc:
        errors = exc.errors()
        fields = tuple(".".join(str(p) for p in error["loc"]) or "feedback" for error in errors)
        named = fields[:_FIELDS_NAMED]
        text = "Invalid CDS Hooks feedback: " + "; ".join(
            f"{field} (at most {error['ctx']['max_length']})"
            if error["type"] in ("too_long", "string_too_long")
            # the rule that failed, in its own words ("acceptedSuggestions is required for accepted
            # outcomes"), clipped: pydantic's message, never the client's value
            else f"{field}: {clip(str(error['msg']).removeprefix('Value error, '))}"
            for field, error in zip(named, errors, strict=False)
        )
        if len(fields) > len(named):
            text += f" and {len(fields) - len(named)} more"
        raise InvalidRequest(text, expression=named) from None
    for item in items:
        for flag in item.flags:
            FEEDBACK_FLAGGED.labels(flag).inc()
    return items


def feedback_record(service_id: str, item: FeedbackItem) -> dict[str, Any]:
    """What is kept of one item: identifiers the service issued, codes, times; never free text."""
    record: dict[str, Any] = {
        "service": service_id,
        "card": item.card,
        "outcome": item.outcome,
    }
    if item.outcome_time is not None:
        record["outcomeTimestamp"] = item.outcome_time.isoformat().replace("+00:00", "Z")
    if item.acceptedSuggestions:
        record["acceptedSuggestions"] = sorted(s.id for s in item.acceptedSuggestions)
    if item.flags:
        record["flags"] = item.flags
    if item.overrideReason is not None:
        if item.overrideReason.reason is not None:
            record["overrideReason"] = {
                "system": item.overrideReason.reason.system,
                "code": item.overrideReason.reason.code,
            }
        record["userComment"] = bool(item.overrideReason.userComment)
    record["id"] = hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
    return record


class FeedbackLog:
    """Append-only JSON-lines file; an empty path records nothing (feedback is still answered 200)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path) if path else None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    async def record(self, service_id: str, items: list[FeedbackItem]) -> list[dict[str, Any]]:
        """Append the items not recorded before; return the records written."""
        fresh: list[dict[str, Any]] = []
        for item in items:
            record = feedback_record(service_id, item)
            if record["id"] in self._seen:
                continue
            self._seen[record["id"]] = None
            while len(self._seen) > _REMEMBERED_IDS:
                self._seen.popitem(last=False)
            record["received"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            fresh.append(record)
        if fresh and self.path is not None:
            try:
                await anyio.to_thread.run_sync(self._append, fresh)
            except OSError as exc:
                for record in fresh:  # not written: a retry by the client must be able to record it
                    self._seen.pop(record["id"], None)
                # The feedback was received; the operator's log is what failed: said here, not as a 500.
                log.error("feedback_not_recorded", error=type(exc).__name__, items=len(fresh))
                return []
        return fresh

    def _append(self, records: list[dict[str, Any]]) -> None:
        assert self.path is not None
        data = b"".join(orjson.dumps(r) + b"\n" for r in records)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as handle:
                handle.write(data)
