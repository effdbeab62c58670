"""CDS Hooks 2.0 feedback (§Feedback): validated, then recorded in the service's store without PHI.

A feedback item is ``card`` (the card's uuid), ``outcome`` accepted | overridden, ``acceptedSuggestions``
(required for accepted), an optional ``overrideReason`` {reason: Coding, userComment} and ``outcomeTimestamp``
(reference/cds-hooks-spec.md §5). Feedback is data: only what cannot be recorded is refused (no card id, an
unknown outcome, malformed JSON, a wrong JSON type, past a bound); an accepted item without
``acceptedSuggestions``, or an item without a readable ``outcomeTimestamp``, is recorded with a flag and
counted (``FEEDBACK_FLAGGED``, per item received). The free-text ``userComment`` may hold anything a clinician
typed, so only the fact that one was given is recorded. A client may send the same feedback more than once
(spec: "may receive feedback for the same card instance multiple times"): each item is recorded once:
it carries a stable ``id``, the store's key.

Bounded: at most ``MAX_ITEMS`` items per request and ``MAX_SUGGESTIONS`` accepted suggestions per item;
the strings that are recorded (card and suggestion ids, reason code and system) at most ``MAX_ID_CHARS``
characters; anything beyond is a 400. A store that cannot be reached is logged as an error and the
feedback is still answered 200 (it was received).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Literal

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
from cds_service.store.protocol import Store, StoreUnavailable
from cds_service.store.records import FeedbackRecord

log = structlog.get_logger("cds_service.feedback")

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
    """Records feedback items in the service's store (issue 11: shared by every replica, kept across
    restarts). The item's stable id is the row's primary key, so feedback sent twice, to any replica, is
    recorded once. Kept ``CDS_RETENTION_DAYS``."""

    def __init__(self, store: Store, *, retention_days: int) -> None:
        self.store = store
        self.retention = timedelta(days=retention_days)

    async def record(self, service_id: str, items: list[FeedbackItem]) -> list[dict[str, Any]]:
        """Record the items not recorded before; return the records written."""
        now = datetime.now(UTC)
        received = now.isoformat().replace("+00:00", "Z")
        records: dict[str, dict[str, Any]] = {}
        for item in items:
            record = feedback_record(service_id, item)
            records.setdefault(record["id"], {**record, "received": received})
        try:
            written = await self.store.record_feedback(
                [
                    FeedbackRecord(key, service_id, record, now, now + self.retention)
                    for key, record in records.items()
                ]
            )
        except StoreUnavailable as error:
            # The feedback was received; the operator's store is what failed: said here, not as a 500.
            log.error("feedback_not_recorded", error=str(error), items=len(records))
            return []
        return [records[key] for key in written]
