"""CDS Hooks 2.0 feedback (§Feedback): validated, then recorded in the service's store without PHI.

A feedback item is ``card`` (the card's uuid), ``outcome`` accepted | overridden, ``acceptedSuggestions``
(required for accepted), an optional ``overrideReason`` {reason: Coding, userComment} and ``outcomeTimestamp``
(CDS Hooks 2.0, "Feedback"). Feedback is data: only what cannot be recorded is refused (no card id, an
unknown outcome, malformed JSON, a wrong JSON type, past a bound); an accepted item without
``acceptedSuggestions``, or an item without a readable ``outcomeTimestamp``, is recorded with a flag and
counted (``FEEDBACK_FLAGGED``, per item received). The free-text ``userComment`` may hold anything a clinician
typed, so only the fact that one was given is recorded. A client may send the same feedback more than once
(spec: "may receive feedback for the same card instance multiple times"): each item is recorded once:
it carries a stable ``id``, the store's key.

Bounded (20 requests wrote 44 MB in a security review): a body of at most ``MAX_BODY_BYTES`` (413 beyond), at
most ``MAX_ITEMS`` items per request and ``MAX_SUGGESTIONS`` accepted suggestions per item, card and
suggestion ids of at most ``MAX_ID_CHARS`` characters and reason codes and systems of at most
``MAX_CODE_CHARS`` (400 beyond); the route is admitted like the hook (``CDS_MAX_FEEDBACK_IN_FLIGHT``, 503
beyond). Only feedback on cards the service issued is recorded (``card_ids``: a uuid minted with the service's
key): an item about any other card is answered like the rest but not recorded, and counted
(``FEEDBACK_FLAGGED{flag="card_not_issued"}``); a suggestion id the service did not issue is left out of the
record, which is flagged ``suggestion_not_issued``. So what is stored is bounded by the cards the service gave
out, and each record by the bounds above. A store that cannot be reached is logged as an error and the
feedback is still answered 200 (it was received).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
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

from cds_service.card_ids import was_issued
from cds_service.errors import InvalidRequest, clip
from cds_service.hooks.parse import check_depth
from cds_service.metrics import FEEDBACK_FLAGGED
from cds_service.store.protocol import Store, StoreUnavailable
from cds_service.store.records import FeedbackRecord

log = structlog.get_logger("cds_service.feedback")

# Bounds of one request. A body of 100 items, each with a clinician's comment of a few KiB, fits the body
# bound; card and suggestion ids are uuids (36 characters); a card the service issues has one suggestion
# at most; a reason's code and system are short codes and URIs.
MAX_BODY_BYTES = 1024 * 1024
MAX_ITEMS = 100
MAX_SUGGESTIONS = 10
MAX_ID_CHARS = 64
MAX_CODE_CHARS = 256
# The flag of an accepted item that names no suggestion (FEEDBACK_FLAGGED's label, the record's "flags").
ACCEPTED_WITHOUT_SUGGESTIONS = "accepted_without_suggestions"
# The flag of an item whose outcomeTimestamp is missing or unreadable (recorded without it).
NO_OUTCOME_TIMESTAMP = "outcome_timestamp_unreadable"
# Counted, never recorded: an item about a card the service did not issue.
CARD_NOT_ISSUED = "card_not_issued"
# The flag of a record whose item named suggestion ids the service did not issue (left out of it).
SUGGESTION_NOT_ISSUED = "suggestion_not_issued"
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

    code: str = Field(min_length=1, max_length=MAX_CODE_CHARS)
    system: str = Field(min_length=1, max_length=MAX_CODE_CHARS)
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
        """What the item lacks although it is recorded (feedback is data: keep it). The spec
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


def feedback_record(service_id: str, item: FeedbackItem, *, key: bytes | None = None) -> dict[str, Any]:
    """What is kept of one item: identifiers the service issued, codes, times; never free text. With
    ``key``, suggestion ids not issued under it are left out and the record flagged."""
    record: dict[str, Any] = {
        "service": service_id,
        "card": item.card,
        "outcome": item.outcome,
    }
    if item.outcome_time is not None:
        record["outcomeTimestamp"] = item.outcome_time.isoformat().replace("+00:00", "Z")
    suggestions = [s.id for s in item.acceptedSuggestions or []]
    issued = [s for s in suggestions if key is None or was_issued(s, key)]
    if issued:
        record["acceptedSuggestions"] = sorted(issued)
    flags = item.flags + ([SUGGESTION_NOT_ISSUED] if len(issued) < len(suggestions) else [])
    if flags:
        record["flags"] = flags
    if item.overrideReason is not None:
        if item.overrideReason.reason is not None:
            record["overrideReason"] = {
                "system": item.overrideReason.reason.system,
                "code": item.overrideReason.reason.code,
            }
        record["userComment"] = bool(item.overrideReason.userComment)
    record["id"] = hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
    return record


@dataclass(frozen=True)
class Recorded:
    """What became of a request's items: the records written, and the items about cards not issued."""

    written: list[dict[str, Any]]
    not_issued: int


class FeedbackLog:
    """Records feedback items in the service's store (shared by every replica, kept across
    restarts). The item's stable id is the row's primary key, so feedback sent twice, to any replica, is
    recorded once. Kept ``CDS_RETENTION_DAYS``. ``key``: the one cards are minted with (``card_ids``)."""

    def __init__(self, store: Store, *, retention_days: int, key: bytes) -> None:
        self.store = store
        self.retention = timedelta(days=retention_days)
        self._key = key

    async def record(self, service_id: str, items: list[FeedbackItem]) -> Recorded:
        """Record the items about cards the service issued and not recorded before."""
        now = datetime.now(UTC)
        received = now.isoformat().replace("+00:00", "Z")
        records: dict[str, dict[str, Any]] = {}
        not_issued = 0
        for item in items:
            if not was_issued(item.card, self._key):
                not_issued += 1
                FEEDBACK_FLAGGED.labels(CARD_NOT_ISSUED).inc()
                continue
            record = feedback_record(service_id, item, key=self._key)
            if SUGGESTION_NOT_ISSUED in record.get("flags", ()):
                FEEDBACK_FLAGGED.labels(SUGGESTION_NOT_ISSUED).inc()
            records.setdefault(record["id"], {**record, "received": received})
        if not records:
            return Recorded([], not_issued)
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
            return Recorded([], not_issued)
        return Recorded([records[key] for key in written], not_issued)
