from __future__ import annotations

import time
from pathlib import Path

from cds_service.auth.replay import ReplayGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_jti_is_accepted_once_then_refused() -> None:
    guard = ReplayGuard(clock=Clock())
    assert await guard.first_use("iss", "a", remember_until=2000)
    assert not await guard.first_use("iss", "a", remember_until=2000)


async def test_the_same_jti_from_another_issuer_is_a_different_token() -> None:
    guard = ReplayGuard(clock=Clock())
    assert await guard.first_use("iss-1", "a", remember_until=2000)
    assert await guard.first_use("iss-2", "a", remember_until=2000)


async def test_remembered_ids_are_forgotten_once_their_token_has_expired() -> None:
    clock = Clock()
    guard = ReplayGuard(clock=clock)
    for n in range(100):
        await guard.first_use("iss", f"jti-{n}", remember_until=1500)
    await guard.first_use("iss", "late", remember_until=3000)
    clock.now = 1600
    assert await guard.first_use("iss", "another", remember_until=3000)
    assert len(guard) == 2
    clock.now = 2999
    assert not await guard.first_use("iss", "late", remember_until=4000)


async def test_with_the_store_unreachable_this_process_still_refuses_a_replay() -> None:
    """The hook keeps answering through a database outage; a token replayed to the same process is
    still refused from its own memory (the store counts the failure)."""
    from cds_service.settings import Settings
    from cds_service.store.sql import SqlStore
    from tests.store.postgres import closed_port

    store = SqlStore.from_settings(
        Settings(database_url=f"postgresql://cds@127.0.0.1:{closed_port()}/cds", store_timeout_seconds=1)
    )
    try:
        guard = ReplayGuard(store, clock=Clock())
        assert await guard.first_use("iss", "a", remember_until=2000)
        assert not await guard.first_use("iss", "a", remember_until=2000)
        assert len(guard) == 1
    finally:
        await store.close()


async def test_with_a_store_nothing_is_held_in_memory(tmp_path: Path) -> None:
    from cds_service.settings import Settings
    from cds_service.store.sql import SqlStore

    store = SqlStore.from_settings(Settings(data_dir=str(tmp_path)))
    try:
        guard = ReplayGuard(store)
        assert await guard.first_use("iss", "a", remember_until=time.time() + 60)
        assert not await guard.first_use("iss", "a", remember_until=time.time() + 60)
        assert len(guard) == 0
    finally:
        await store.close()
