"""Runs racing for one resource: started together on a barrier, each outcome collected."""

from __future__ import annotations

import threading
from collections.abc import Callable


def race(runners: int, attempt: Callable[[int], None], refused: type[Exception]) -> list[str]:
    """Start `attempt(n)` for n in range(runners) at once; "won" or "refused" per runner, sorted.

    Any other exception leaves its runner out, so a list shorter than `runners` shows it."""
    outcomes: list[str] = []
    start = threading.Barrier(runners)

    def run(n: int) -> None:
        start.wait()
        try:
            attempt(n)
            outcomes.append("won")
        except refused:
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)
