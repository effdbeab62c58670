"""What the decision processes' fork server imports before it forks any (``isolation.pool`` preload), and how
each process starts (``prepare``).

Importing this module loads the decision code and warms the FHIR models the response validates
(``warmup``), once, in the fork server: every decision process forked from it starts warm, in
milliseconds, including the one that replaces a process killed at the deadline. What was built is then
frozen (``gc.freeze``): the processes share those pages instead of copying them when a collection
touches them.
"""

from __future__ import annotations

import gc

from cds_service.gc_tuning import tune_gc
from cds_service.hooks import decision  # noqa: F401 - the code every decision process runs
from cds_service.logging_setup import configure_logging
from cds_service.settings import Settings
from cds_service.warmup import warm_up_models

warm_up_models()
gc.collect()
gc.freeze()


def prepare(settings: Settings) -> Settings:
    """Once per decision process: JSON log lines on the service's stdout, the service's GC settings; the
    settings are the context every job gets."""
    configure_logging()
    if settings.gc_tuning:
        tune_gc()
    return settings
