"""Run a pipeline on this machine with kfp.local, showing progress and catching why it failed."""

from __future__ import annotations

import builtins
import contextlib
import io
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from secure_mlops.steps.errors import FAILURE_MARKER

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TASK_DONE = re.compile(r"Task '([^']+)' finished with status (\w+)")


@dataclass
class LocalRun:
    run_dir: Path | None
    succeeded: bool
    steps: list[tuple[str, str]] = field(default_factory=list)  # (task, status) in finishing order
    failure: str | None = None  # the failing step's own one-line message
    log_file: Path | None = None


class _ProgressTee(io.TextIOBase):
    """Receives everything kfp.local prints: keeps it all in the log file, shows one line per step."""

    def __init__(self, log: TextIO, progress: Callable[[str], None], outcome: LocalRun) -> None:
        self._log, self._progress, self._outcome = log, progress, outcome
        self._pending = ""

    def write(self, text: str) -> int:
        self._log.write(text)
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._line(_ANSI.sub("", line))
        return len(text)

    def _line(self, line: str) -> None:
        if FAILURE_MARKER in line and self._outcome.failure is None:
            self._outcome.failure = line.split(FAILURE_MARKER, 1)[1].strip()
        if done := _TASK_DONE.search(line):
            self._outcome.steps.append((done.group(1), done.group(2)))
            self._progress(f"  {done.group(1):<16} {done.group(2)}")


@contextlib.contextmanager
def _kfp_global_state_restored() -> Iterator[None]:
    """kfp.local swaps the root logger's handlers and `builtins.print` while it runs, and a
    failed run can leave them swapped: put back what was there."""
    root = logging.getLogger()
    handlers, level, original_print = root.handlers[:], root.level, builtins.print
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        builtins.print = original_print


def run_locally(
    pipeline: Callable[..., Any], arguments: dict[str, Any], pipeline_root: Path, progress: Callable[[str], None]
) -> LocalRun:
    """Run `pipeline` with kfp.local's SubprocessRunner in this venv; never raises for a failed step."""
    from kfp import local

    pipeline_root.mkdir(parents=True, exist_ok=True)
    before = set(pipeline_root.iterdir())
    log_file = pipeline_root / "last-run.log"
    outcome = LocalRun(run_dir=None, succeeded=False, log_file=log_file)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(pipeline_root), raise_on_error=True)
    terminal = sys.stdout

    def show(line: str) -> None:
        # Progress goes to the real terminal; everything else kfp prints goes to the log only.
        with contextlib.redirect_stdout(terminal):
            progress(line)

    with open(log_file, "w", encoding="utf-8") as log, _kfp_global_state_restored():
        tee = _ProgressTee(log, show, outcome)
        with contextlib.redirect_stdout(tee), contextlib.redirect_stderr(tee):
            try:
                pipeline(**arguments)
                outcome.succeeded = True
            except RuntimeError as exc:
                # kfp.local says which task failed; the step itself printed why (FAILURE_MARKER).
                if outcome.failure is None:
                    outcome.failure = _ANSI.sub("", str(exc)).splitlines()[0]
    new_dirs = sorted(p for p in set(pipeline_root.iterdir()) - before if p.is_dir())
    outcome.run_dir = new_dirs[-1] if new_dirs else None
    return outcome
