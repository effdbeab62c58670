"""``GET /metrics``: the Prometheus exposition of ``cds_service.metrics``, one process or many.

Under ``cds-service serve --workers N`` every uvicorn worker is its own process with its own counters, and
a scrape lands on any one of them. prometheus-client's multiprocess mode makes each worker write its
samples to files in ``PROMETHEUS_MULTIPROC_DIR``; the exposition then reads every worker's files and
reports the sums, so any worker answers for all of them (prometheus-client docs, "Multiprocess Mode").

The mode is chosen by prometheus-client when it is first imported, from that variable: the command line
sets it (``prepare_multiprocess_dir``) before uvicorn spawns the workers, which import the service afresh.
A directory left over from an earlier run is emptied first, or its dead workers' counts would be added in.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> Path | None:
    """Where the workers' samples are kept, when the service runs in multiprocess mode."""
    location = os.environ.get(MULTIPROC_ENV)
    return Path(location) if location else None


def prepare_multiprocess_dir(workers: int) -> Path | None:
    """Before the workers start: with several workers (or a directory set by the operator), make sure
    ``PROMETHEUS_MULTIPROC_DIR`` names an existing directory and empty it of earlier runs' samples.

    Returns the directory this call created (the caller removes it when the server stops), else None.
    Only prometheus-client's own ``*.db`` files are removed from a directory the operator named.
    """
    existing = multiprocess_dir()
    if existing is None:
        if workers <= 1:
            return None
        created = Path(tempfile.mkdtemp(prefix="cds-metrics-"))
        os.environ[MULTIPROC_ENV] = str(created)
        return created
    existing.mkdir(parents=True, exist_ok=True)
    for stale in existing.glob("*.db"):
        stale.unlink()
    return None


# The label values known in advance, shown at 0 from the first scrape: a series that appears only with
# its first event breaks ``rate()`` and "absent" alerts (Prometheus docs, "Instrumentation": avoid
# missing metrics).
HOOK_OUTCOMES = ("ok", "client_error", "server_error")
FHIR_QUERY_STATUSES = ("ok", "incomplete", "http_error", "timeout", "error")
NO_PATHWAY = "none"


def show_known_series(hooks: tuple[str, ...]) -> None:
    """Creates every known label combination at 0 (called once per process, from ``create_app``, with the
    hooks the service answers)."""
    from cds_service.metrics import (
        DECISIONS,
        DISPATCH_REVISIONS,
        FHIR_QUERIES,
        HOOK_LATENCY,
        HOOKS_ABANDONED,
        HOOKS_SHED,
    )
    from cds_service.policy.basis import Standing
    from cds_service.policy.determination import Decision
    from cds_service.policy.pathway import (
        CONTINUED_CARDIOPROTECTION,
        EXTRAVASATION,
        INITIAL_CARDIOPROTECTION,
    )

    for hook in hooks:
        for outcome in HOOK_OUTCOMES:
            HOOK_LATENCY.labels(hook=hook, outcome=outcome)
        HOOKS_SHED.labels(hook=hook)
        HOOKS_ABANDONED.labels(hook=hook)
        for decision in (Decision.APPROVE, Decision.DENY, Decision.PEND):
            for pathway in (INITIAL_CARDIOPROTECTION, EXTRAVASATION, CONTINUED_CARDIOPROTECTION):
                DECISIONS.labels(hook=hook, decision=str(decision), pathway=pathway)
        DECISIONS.labels(hook=hook, decision=str(Decision.NOT_APPLICABLE), pathway=NO_PATHWAY)
    for status in FHIR_QUERY_STATUSES:
        FHIR_QUERIES.labels(status=status)
    for standing in Standing:
        DISPATCH_REVISIONS.labels(standing=str(standing))


def exposition(directory: Path | None) -> tuple[bytes, str]:
    """The text exposition and its content type: the summed workers' samples in ``directory`` (multiprocess
    mode), else this process's registry (which also carries prometheus-client's process and Python
    collectors). The directory is read once when the app is made (``multiprocess_dir``), not at each scrape:
    the decision pool takes the variable out of the environment while it starts its fork server (so its
    processes write no samples of their own), and a scrape read in a thread meanwhile must still sum."""
    # Imported here, not at the top: the command line imports this module before it sets the variable.
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    import cds_service.metrics  # noqa: F401 - the service's series exist before the first scrape

    if directory is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def mark_worker_exited(directory: Path | None) -> None:
    """At a worker's shutdown: prometheus-client drops the exiting process's live gauges (its counters and
    histograms stay, so totals do not fall when a worker is replaced)."""
    if directory is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(os.getpid(), str(directory))  # type: ignore[no-untyped-call]
