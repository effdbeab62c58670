"""Garbage collection set for how a hook call allocates.

A call builds a large tree of short-lived objects and drops it at the end: the parsed JSON body (at 500
prior administrations, ~10^5 dicts, lists and strings), the pool's indexes, the facts, the response.
Those trees hold no reference cycles, so reference counting frees them when the call ends; CPython's
cyclic collector finds nothing in them, yet with its default thresholds (700, 10, 10) it runs a young
collection every 700 allocations during the call, promotes the still-live body tree to the older
generations, and every so often runs a full collection, which walks every tracked object in the process:
the FastAPI app, pydantic and fhir.resources models, everything imported (~40-50 ms at N=500, about one
call in five: the measurements of docs/performance.md, where ``gc.freeze()`` alone took p99 from 96 to 57 ms).

So, once the app is warmed up:

1. ``gc.collect()`` then ``gc.freeze()``: what start-up built (modules, models, the app) moves to the
   permanent generation, which no later collection walks (Python docs, ``gc.freeze``: "move all objects
   tracked by the garbage collector into a permanent generation, i.e. ignore them in all future
   collections"); collecting first keeps start-up's own garbage out of it;
2. a young-generation threshold of ``YOUNG_THRESHOLD`` allocations instead of 700: a few collections per
   heavy call rather than hundreds, so the call's live tree is not promoted piecemeal into the old
   generations that full collections walk. Memory is not at stake: acyclic garbage never waits for the
   collector, and the rare cycle is collected a little later.

``CDS_GC_TUNING=false`` keeps CPython's defaults (for comparison: ``bench/http_bench.py --gc-off``).
"""

from __future__ import annotations

import gc

# Young collections every 50,000 net allocations (default 700): a heavy call (10^5 objects) sees a few.
YOUNG_THRESHOLD = 50_000
# Older generations as CPython's default (10 young collections per middle one, 10 middle per full).
OLDER_THRESHOLDS = (10, 10)


def tune_gc() -> None:
    """Freeze what start-up built and raise the young threshold (see the module docstring). Call once the
    app is warmed up, before it is marked ready."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
