"""The few things that can go wrong with a call, named for what went wrong.

Each carries the HTTP status of docs/api.md "Errors"; ``app`` maps them to an OperationOutcome in one
place. An unmet business rule is never one of these: it is a 200 with a decision.
"""

from __future__ import annotations

# Longest piece of a client's own text quoted back in an error body.
QUOTE_CHARS = 64


def clip(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` as it may be quoted in an error body or a log line: at most ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class ServiceError(Exception):
    status: int = 500
    code: str = "exception"  # OperationOutcome.issue.code (FHIR R4 IssueType)

    def __init__(self, message: str, *, expression: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression


class InvalidRequest(ServiceError):
    """The body is not JSON, or lacks what CDS Hooks requires."""

    status = 400
    code = "invalid"


class TooManyOrders(InvalidRequest):
    """More dexrazoxane orders in one request than the service decides per call
    (``clinical.limits.DEXRAZOXANE_ORDERS_PER_REQUEST``): refused whole, before any data is fetched."""

    code = "too-costly"


class Unauthorized(ServiceError):
    """Missing or bad client JWT while authentication is on."""

    status = 401
    code = "security"


class UnknownService(ServiceError):
    status = 404
    code = "not-found"


class MissingData(ServiceError):
    """Data the decision cannot do without is neither prefetched nor reachable on fhirServer."""

    status = 412
    code = "not-found"


class NotFound(ServiceError):
    """A FHIR resource this service serves (the DTR Questionnaire) does not exist."""

    status = 404
    code = "not-found"


class PayloadTooLarge(ServiceError):
    """The request body is larger than ``CDS_MAX_BODY_BYTES``."""

    status = 413
    code = "too-long"


class RequestTimeout(ServiceError):
    """The request body did not arrive within ``CDS_BODY_TIMEOUT_SECONDS`` (app.BodyDeadlineMiddleware)."""

    status = 408
    code = "timeout"


class Overloaded(ServiceError):
    """The worker already has its bound of hooks in flight (``CDS_MAX_HOOKS_IN_FLIGHT``): refused at once,
    with ``Retry-After``, rather than queued past the EHR's timeout (hooks/admission.py)."""

    status = 503
    code = "transient"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class DecisionUnavailable(ServiceError):
    """The decision process ended without an answer (killed from outside, out of memory): no decision is
    made; the process is replaced (isolation.pool)."""

    status = 503
    code = "transient"


class HookDeadlineExceeded(ServiceError):
    """An admitted hook was not answered within ``CDS_HOOK_DEADLINE_SECONDS``: its work is abandoned and
    no decision is made (hooks/admission.py)."""

    status = 503
    code = "timeout"
