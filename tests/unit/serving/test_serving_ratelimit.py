"""Per-token admission: burst then refusal with Retry-After, refill, a daily budget until midnight
UTC, independent keys, bounded memory. Fake clocks, so nothing sleeps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from secure_mlops.serving.ratelimit import Decision, RateLimiter

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp()


class FakeClock:
    """One clock for both the monotonic and the wall reading; `advance` moves both."""

    def __init__(self, wall: float = NOON) -> None:
        self.monotonic = 1000.0
        self.wall = wall

    def advance(self, seconds: float) -> None:
        self.monotonic += seconds
        self.wall += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def limiter(
    clock: FakeClock, rate: float = 2.0, burst: int = 3, budget: int = 1000, max_keys: int = 10_000
) -> RateLimiter:
    return RateLimiter(
        rate, burst, budget, clock=lambda: clock.monotonic, wall_clock=lambda: clock.wall, max_keys=max_keys
    )


def test_burst_is_admitted_then_refused_with_retry_after(clock: FakeClock) -> None:
    rl = limiter(clock, rate=2.0, burst=3)
    assert [rl.admit("a").allowed for _ in range(3)] == [True, True, True]
    refused = rl.admit("a")
    assert refused == Decision(allowed=False, retry_after=1, reason="rate")


def test_retry_after_rounds_up_to_whole_seconds(clock: FakeClock) -> None:
    rl = limiter(clock, rate=0.25, burst=1)
    assert rl.admit("a").allowed
    assert rl.admit("a").retry_after == 4
    clock.advance(1.5)
    assert rl.admit("a").retry_after == 3  # 2.5 s left, rounded up


def test_waiting_retry_after_is_enough(clock: FakeClock) -> None:
    rl = limiter(clock, rate=0.3, burst=1)
    rl.admit("a")
    decision = rl.admit("a")
    clock.advance(decision.retry_after)
    assert rl.admit("a").allowed


def test_bucket_refills_at_the_rate_up_to_the_burst(clock: FakeClock) -> None:
    rl = limiter(clock, rate=2.0, burst=3)
    for _ in range(3):
        rl.admit("a")
    clock.advance(0.5)  # one request's worth
    assert rl.admit("a").allowed
    assert not rl.admit("a").allowed
    clock.advance(3600)  # refills to the burst, not beyond
    assert [rl.admit("a").allowed for _ in range(4)] == [True, True, True, False]


def test_a_refused_request_does_not_count(clock: FakeClock) -> None:
    rl = limiter(clock, rate=1.0, burst=1, budget=2)
    assert rl.admit("a").allowed
    for _ in range(10):
        assert rl.admit("a").reason == "rate"
    clock.advance(1)
    assert rl.admit("a").allowed  # the refusals spent neither tokens nor budget


def test_budget_is_spent_until_midnight_utc(clock: FakeClock) -> None:
    rl = limiter(clock, rate=100.0, burst=100, budget=5)
    assert all(rl.admit("a").allowed for _ in range(5))
    refused = rl.admit("a")
    assert refused == Decision(allowed=False, retry_after=12 * 3600, reason="budget")
    clock.advance(6 * 3600)
    assert rl.admit("a").retry_after == 6 * 3600
    clock.advance(6 * 3600 - 0.5)
    assert rl.admit("a") == Decision(allowed=False, retry_after=1, reason="budget")
    clock.advance(0.5)  # midnight UTC
    assert rl.admit("a").allowed


def test_budget_refusal_wins_over_rate_refusal(clock: FakeClock) -> None:
    rl = limiter(clock, rate=1.0, burst=1, budget=1)
    rl.admit("a")
    assert rl.admit("a").reason == "budget"


def test_keys_are_independent(clock: FakeClock) -> None:
    rl = limiter(clock, rate=1.0, burst=2, budget=3)
    for _ in range(2):
        rl.admit("a")
    assert not rl.admit("a").allowed
    assert rl.admit("b").allowed and rl.admit("b").allowed


def test_memory_is_bounded_by_evicting_the_least_recently_seen_key(clock: FakeClock) -> None:
    rl = limiter(clock, rate=1.0, burst=1, max_keys=3)
    for key in ("a", "b", "c"):
        rl.admit(key)
    rl.admit("a")  # "a" is now more recent than "b"
    rl.admit("d")  # evicts "b"
    assert len(rl._keys) == 3
    assert not rl.admit("a").allowed  # remembered: its bucket is still empty
    assert rl.admit("b").allowed  # forgotten: starts with a full bucket


def test_default_table_holds_ten_thousand_keys(clock: FakeClock) -> None:
    rl = RateLimiter(1.0, 1, 1, clock=lambda: clock.monotonic, wall_clock=lambda: clock.wall)
    for index in range(10_050):
        rl.admit(f"key-{index}")
    assert len(rl._keys) == 10_000


def test_a_wall_clock_step_does_not_refill_the_bucket(clock: FakeClock) -> None:
    rl = limiter(clock, rate=1.0, burst=1)
    rl.admit("a")
    clock.wall += 3600  # a wall-clock step is not elapsed time
    assert rl.admit("a").reason == "rate"


@pytest.mark.parametrize(
    ("rate", "burst", "budget"), [(0.0, 1, 1), (-1.0, 1, 1), (1.0, 0, 1), (1.0, 1, 0)]
)
def test_impossible_limits_are_refused(rate: float, burst: int, budget: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate, burst, budget)


def test_concurrent_requests_never_exceed_the_burst(clock: FakeClock) -> None:
    rl = limiter(clock, rate=1.0, burst=50)
    admitted: list[bool] = []

    def hammer() -> None:
        for _ in range(100):
            admitted.append(rl.admit("a").allowed)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(admitted) == 50
