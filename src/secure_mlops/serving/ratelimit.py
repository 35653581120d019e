"""Per-token admission for the inference service: a token bucket and a daily query budget.

Attacks on a served model need many queries: model extraction rebuilds the model from its
answers, membership inference tells whether a person's record was in the training data. Capping
how fast (rate and burst) and how much (per UTC day) each token may ask makes both slow and
costly without bothering an ordinary client.

The limits live in memory and hold per worker process: a pod with N workers, or N pods, admit N
times as much. Pure logic without I/O, with injectable clocks so tests need no sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

SECONDS_PER_DAY: Final = 86_400
# Keys are authenticated token names, so the table cannot be flooded from outside; the cap only
# bounds memory should a caller ever key by something unbounded. Evicting a key forgets its
# spent budget, which is why only the least recently seen ones go.
DEFAULT_MAX_KEYS: Final = 10_000


@dataclass(frozen=True)
class Decision:
    """Whether a request may go on; when refused, why and how many seconds to wait (Retry-After)."""

    allowed: bool
    retry_after: int = 0
    reason: Literal["rate", "budget"] | None = None


@dataclass
class _KeyState:
    tokens: float  # what is left in the bucket
    refilled_at: float  # monotonic clock
    day: int  # UTC day number the budget counts for
    used: int  # requests admitted on that day


class RateLimiter:
    """Admit or refuse requests per key: `rate_per_second` sustained, `burst` at once, and
    `daily_budget` per UTC day. Safe to share between threads."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        daily_budget: int,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        if rate_per_second <= 0 or burst < 1 or daily_budget < 1 or max_keys < 1:
            raise ValueError("rate_per_second must be > 0; burst, daily_budget and max_keys >= 1")
        self.rate_per_second = rate_per_second
        self.burst = burst
        self.daily_budget = daily_budget
        self.max_keys = max_keys
        # The bucket refills on the monotonic clock (immune to clock steps); the budget resets at
        # midnight UTC, which only the wall clock knows.
        self._clock = clock
        self._wall_clock = wall_clock
        self._keys: OrderedDict[str, _KeyState] = OrderedDict()  # least recently seen first
        self._lock = threading.Lock()

    def admit(self, key: str) -> Decision:
        """Count one request for `key` if it is within both limits; a refused one costs nothing."""
        with self._lock:
            now, wall = self._clock(), self._wall_clock()
            day = int(wall // SECONDS_PER_DAY)
            state = self._seen(key, now, day)
            state.tokens = min(
                float(self.burst), state.tokens + max(0.0, now - state.refilled_at) * self.rate_per_second
            )
            state.refilled_at = now
            if state.day != day:
                state.day, state.used = day, 0
            # The budget first: when it is spent, waiting for the bucket would not help.
            if state.used >= self.daily_budget:
                return Decision(False, _whole_seconds(SECONDS_PER_DAY - wall % SECONDS_PER_DAY), "budget")
            if state.tokens < 1.0:
                return Decision(False, _whole_seconds((1.0 - state.tokens) / self.rate_per_second), "rate")
            state.tokens -= 1.0
            state.used += 1
            return Decision(True)

    def _seen(self, key: str, now: float, day: int) -> _KeyState:
        state = self._keys.get(key)
        if state is not None:
            self._keys.move_to_end(key)
            return state
        state = _KeyState(tokens=float(self.burst), refilled_at=now, day=day, used=0)
        self._keys[key] = state
        if len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)
        return state


def _whole_seconds(seconds: float) -> int:
    """Retry-After takes whole seconds; round up so a client that waits is admitted."""
    return max(1, math.ceil(seconds))
