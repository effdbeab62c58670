from __future__ import annotations

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
