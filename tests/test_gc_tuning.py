"""GC settings once the app is warmed up (cds_service/gc_tuning.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cds_service.app import create_app
from cds_service.gc_tuning import OLDER_THRESHOLDS, YOUNG_THRESHOLD


@pytest.fixture
def restored_gc() -> Iterator[None]:
    """The test process's own GC state is put back: the tuning is process-wide."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def _ready(settings: Any) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.runtime.ready.wait()
        await app.state.runtime.store_migrated.wait()  # readiness also waits for the store's schema
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            assert (await client.get("/readyz")).status_code == 200


@pytest.mark.usefixtures("restored_gc")
async def test_a_warmed_up_app_freezes_start_up_and_raises_the_young_threshold(make_settings: Any) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    await _ready(make_settings())
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    assert gc.get_freeze_count() > 0  # start-up's objects are in the permanent generation


@pytest.mark.usefixtures("restored_gc")
async def test_gc_tuning_off_keeps_the_defaults(make_settings: Any) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    await _ready(make_settings(gc_tuning=False))
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0
