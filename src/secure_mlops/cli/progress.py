"""`secure-mlops run`'s progress on a terminal: each running step with its elapsed time, redrawn
while it runs, and one line per finished step above it (rich.live). Not on a terminal (a pipe,
CI, tests): plain lines, one when a step starts and one when it ends."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from secure_mlops.orchestration import StepProgress


def step_progress(verbose: bool) -> StepProgress:
    """Live on a terminal, plain lines otherwise; `verbose`: kfp.local's own log on stderr too."""
    if sys.stdout.isatty():
        return LiveProgress(verbose=verbose)
    return StepProgress(sys.stdout, sys.stderr if verbose else None)


class LiveProgress(StepProgress):
    def __init__(self, verbose: bool = False, out: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        super().__init__(out or sys.stdout)
        # The console holds the real stdout now: during the run sys.stdout is the run's log.
        self._console = Console(file=out or sys.stdout, highlight=False)
        self._verbose_console = Console(file=sys.stderr, highlight=False) if verbose else None
        self._lock = threading.Lock()
        self._running: list[tuple[str, float]] = []
        self._live = Live(self, console=self._console, refresh_per_second=4, transient=True,
                          redirect_stdout=False, redirect_stderr=False)

    def __enter__(self) -> LiveProgress:
        self._live.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._live.stop()

    def __rich__(self) -> str:
        # Drawn by Live's refresh thread, four times a second.
        now = time.monotonic()
        with self._lock:
            lines = [f"  {task:<16} running {now - since:5.1f} s" for task, since in self._running]
        return "\n".join(lines)

    def note(self, line: str) -> None:
        self._console.print(line, markup=False)

    def started(self, task: str) -> None:
        with self._lock:
            self._running.append((task, time.monotonic()))

    def finished(self, task: str, status: str, seconds: float) -> None:
        with self._lock:
            index = next((i for i, (name, _) in enumerate(self._running) if name == task), None)
            if index is not None:
                del self._running[index]
        style = "green" if status == "SUCCESS" else "red"
        self._console.print(f"  {task:<16} [{style}]{status}[/] in {seconds:.1f} s")

    def log(self, line: str) -> None:
        if self._verbose_console is not None:
            self._verbose_console.print(line, markup=False)
