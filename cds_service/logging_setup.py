"""Structured logs: one JSON object per line on stdout (structlog).

Tokens, JWTs, patient and user identifiers are never passed to a log call (best practices in
CDS Hooks 2.0 "fhirAuthorization", "Security and Safety"); as a second guard, fields with such names are
dropped before rendering, whoever logs them.

No line grows with what a client sent: every string field is clipped to ``MAX_FIELD_CHARS`` and every
list or tuple to its first ``MAX_FIELD_ITEMS`` items (``clip_fields``), whoever logs it. Callers that may
log once per item a client sent (a prefetch key, a resource) also bound the number of lines they write
(``fhir.gather.LOGGED_NOTES``).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

import structlog

from cds_service.errors import clip

# Field names that would carry a secret or an identifier; removed from every event.
SENSITIVE_FIELDS: frozenset[str] = frozenset(
    {
        "access_token",
        "authorization",
        "fhirauthorization",
        "jwt",
        "token",
        "patient",
        "patientid",
        "patient_id",
        "user",
        "userid",
        "user_id",
        "subject",
    }
)


# Longest string field, and most items of a list field, written to a log line.
MAX_FIELD_CHARS = 1000
MAX_FIELD_ITEMS = 20


def _clipped(value: Any) -> Any:
    if isinstance(value, str):
        return clip(value, MAX_FIELD_CHARS)
    if isinstance(value, list | tuple):
        items = [_clipped(item) for item in value[:MAX_FIELD_ITEMS]]
        if len(value) > MAX_FIELD_ITEMS:
            items.append(f"... and {len(value) - MAX_FIELD_ITEMS} more")
        return items
    return value


def clip_fields(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for name, value in event.items():
        event[name] = _clipped(value)
    return event


def drop_sensitive_fields(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for name in [key for key in event if key.lower() in SENSITIVE_FIELDS]:
        del event[name]
    return event


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stdout`` as it is when a record is emitted, not as it was at set-up: a server
    (or a test harness) may replace the stream after logging is configured."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class _Stderr(io.TextIOBase):
    """``sys.stderr`` as it is when an event is written, for structlog (see ``_StdoutHandler``)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: int = logging.INFO, *, stderr: bool = False) -> None:
    """structlog for every module of ours (one logging system); the standard-library loggers
    (the server's, a library's under ``cds_service``) are rendered to the same JSON lines, through the
    same field filter. Lines go to stdout; ``stderr=True`` sends them to the stderr of the moment (the
    CLI, whose stdout is its answer)."""
    handler = _StderrHandler() if stderr else _StdoutHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                # A library's line logged during a hook call carries its hook_instance too (log_context).
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                drop_sensitive_fields,
                clip_fields,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    package_logger = logging.getLogger("cds_service")
    package_logger.handlers[:] = [handler]
    package_logger.setLevel(level)
    # The server's own lines (start-up, shutdown, errors) as JSON too: one format for a log shipper.
    for name in ("uvicorn", "uvicorn.error"):
        server_logger = logging.getLogger(name)
        server_logger.handlers[:] = [handler]
        server_logger.setLevel(level)
        server_logger.propagate = False
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_sensitive_fields,
            clip_fields,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(cast(TextIO, _Stderr()) if stderr else None),
        cache_logger_on_first_use=False,
    )
