"""The service's Prometheus metrics, defined once so every module counts into the same series.

Names follow Prometheus conventions (``_seconds`` histograms, ``_total`` counters). Label values are
small closed sets (outcomes, decisions, statuses, reasons): never a patient, order or client identifier.
The exposition (``/metrics``) and multi-process collection under ``serve --workers N`` live with the
routes; this module only declares what is measured.
"""

from __future__ import annotations

from contextvars import ContextVar

from prometheus_client import Counter, Histogram

# Buckets for in-process work measured in milliseconds to seconds (a hook is a few ms to ~1 s).
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Per hook series carry a ``hook`` label (order-select, order-sign, order-dispatch): the names are those the
# order-sign service always had, so a query by name and outcome still finds order-sign's series.
HOOK_LATENCY = Histogram(
    "cds_hook_duration_seconds",
    "Time to answer a hook, by hook and outcome (ok, shed, deadline, client_error, server_error).",
    ["hook", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
DECISIONS = Counter(
    "cds_decisions_total",
    "Determinations made, by hook, decision and pathway (pathway 'none' when no pathway applies); "
    "order-select counts its provisional decisions.",
    ["hook", "decision", "pathway"],
)
FHIR_QUERIES = Histogram(
    "cds_fhir_query_duration_seconds",
    "Time of each FHIR server query (all its pages), by status (ok, incomplete, http_error, timeout, error).",
    ["status"],
    buckets=_LATENCY_BUCKETS,
)
# Set in a decision process, for one job: FHIR queries are listed here, (status, seconds), instead of
# observed, and the service observes them when the job's answer arrives (hooks/decision.py), so they are
# counted once, in the service's registry.
FHIR_QUERY_RECORD: ContextVar[list[tuple[str, float]] | None] = ContextVar("fhir_query_record", default=None)


def observe_fhir_query(status: str, seconds: float) -> None:
    """One FHIR query (all its pages) into ``cds_fhir_query_duration_seconds``, or its job's record."""
    record = FHIR_QUERY_RECORD.get()
    if record is not None:
        record.append((status, seconds))
    else:
        FHIR_QUERIES.labels(status=status).observe(seconds)


STORE_LATENCY = Histogram(
    "cds_store_operation_duration_seconds",
    "Time of each store operation, by operation.",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
)
STORE_ERRORS = Counter("cds_store_errors_total", "Store operations that failed, by operation.", ["operation"])
STORE_PURGED = Counter(
    "cds_store_purged_rows_total", "Expired rows removed by retention, by table.", ["table"]
)
HTTP_ERRORS = Counter(
    "cds_http_errors_total",
    "Non-2xx answers, by status code and reason (the OperationOutcome issue code).",
    ["status", "reason"],
)
HOOKS_SHED = Counter(
    "cds_hooks_shed_total",
    "Hooks refused with 503 because the in-flight bound was reached, by hook.",
    ["hook"],
)
HOOKS_ABANDONED = Counter(
    "cds_hooks_abandoned_total", "Hooks abandoned after the hook deadline passed, by hook.", ["hook"]
)
# How a dispatched order's determination stood against the one on record (order-dispatch): unchanged (the
# assertion made at signing, reused), changed (decided again), new (none on record), unknown (the store
# could not be read).
DISPATCH_REVISIONS = Counter(
    "cds_dispatch_revisions_total",
    "Determinations at order-dispatch by how they stood against the one on record.",
    ["standing"],
)
FEEDBACK_SHED = Counter(
    "cds_feedback_shed_total",
    "Feedback calls refused with 503 because the in-flight bound was reached, by the hook of the service.",
    ["hook"],
)
FEEDBACK_FLAGGED = Counter(
    "cds_feedback_flagged_total",
    "Feedback items recorded although imperfect, by flag (e.g. accepted_without_suggestions).",
    ["flag"],
)
