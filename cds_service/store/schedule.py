"""The store's background work in a running service: migrating at start-up (retried while the database is
unreachable) and purging expired rows on a schedule, counted in STORE_PURGED."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from cds_service.metrics import STORE_PURGED
from cds_service.store.protocol import Store, StoreUnavailable

log = structlog.get_logger("cds_service.store")

# Waits between migration attempts while the database is down: quick at first, then every 30 s.
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


async def keep_migrated(store: Store, migrated: asyncio.Event) -> None:
    attempt = 0
    while True:
        try:
            done = await store.migrate()
        except StoreUnavailable as error:
            wait = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
            log.error("store_migration_failed", error=str(error), retry_in_seconds=wait)
            attempt += 1
            await asyncio.sleep(wait)
            continue
        migrated.set()
        log.info(
            "store_migrated",
            revision=done.after,
            applied=[revision for revision, _ in done.applied],
            before=done.before,
        )
        return


async def purge_once(store: Store) -> dict[str, int]:
    purged = await store.purge(datetime.now(UTC))
    for table, count in purged.items():
        STORE_PURGED.labels(table).inc(count)
    log.info("store_purged", **purged)
    return purged


async def purge_on_schedule(store: Store, interval_seconds: float) -> None:
    if interval_seconds <= 0:
        return
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            await purge_once(store)
        except StoreUnavailable as error:
            log.error("store_purge_failed", error=str(error))
