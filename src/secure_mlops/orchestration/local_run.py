"""Run a pipeline on this machine with kfp.local, showing progress and catching why it failed.

kfp.local runs the tasks of a ParallelFor in threads, and around each task it swaps process-wide
state: the root logger's handlers and level, and `builtins.print`. One task ending restores what
it found while another is still running, so the other's "finished" line was logged at the
restored WARNING level and dropped (two shards, one step's line missing), and the printed lines
of two tasks interleaved. For the run we set that state up once and make the per-task swaps
no-ops; every line is then taken apart per thread, under a lock.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import logging
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from secure_mlops.steps.errors import FAILURE_MARKER

ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TASK_STARTED = re.compile(r"Executing task '([^']+)'")
_TASK_DONE = re.compile(r"Task '([^']+)' finished with status (\w+)")
RUN_LOG = "run.log"


class StepProgress:
    """What a run tells whoever watches it; this default prints plain lines (for a pipe, a CI
    log, a test), the CLI's live display on a terminal overrides it."""

    def __init__(self, out: TextIO | None = None, verbose: TextIO | None = None) -> None:
        # The streams are taken now: while the run goes, sys.stdout is the run's log.
        self._out = out or sys.stdout
        self._verbose = verbose

    def __enter__(self) -> StepProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def note(self, line: str) -> None:
        self._print(self._out, line)

    def started(self, task: str) -> None:
        self._print(self._out, f"  {task:<16} running")

    def finished(self, task: str, status: str, seconds: float) -> None:
        self._print(self._out, f"  {task:<16} {status} in {seconds:.1f} s")

    def log(self, line: str) -> None:
        """A line kfp.local printed, colours removed: shown only when asked for (`-v`)."""
        if self._verbose is not None:
            self._print(self._verbose, line)

    @staticmethod
    def _print(stream: TextIO, line: str) -> None:
        stream.write(line + "\n")
        stream.flush()


@dataclass
class LocalRun:
    run_dir: Path | None
    succeeded: bool
    steps: list[tuple[str, str]] = field(default_factory=list)  # (task, status) in finishing order
    failure: str | None = None  # the first failing step's own one-line message
    failures: list[str] = field(default_factory=list)  # every failing step's line (parallel shards)
    log_file: Path | None = None
    started: float = 0.0  # epoch seconds
    seconds: float = 0.0


class _RunMonitor(io.TextIOBase):
    """Receives everything kfp.local prints and logs, from any thread: keeps it all in the log
    file, and turns each task's start and end into progress, timed per thread."""

    def __init__(self, log: TextIO, progress: StepProgress, outcome: LocalRun) -> None:
        self._log, self._progress, self._outcome = log, progress, outcome
        self._lock = threading.Lock()
        self._pending: dict[int, str] = {}  # per thread: a line not yet ended
        self._running: dict[int, tuple[str, float]] = {}  # per thread: its task and when it started

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        thread = threading.get_ident()
        with self._lock:
            self._log.write(text)
            *lines, rest = (self._pending.pop(thread, "") + text).split("\n")
            if rest:
                self._pending[thread] = rest
            for line in lines:
                self._line(ANSI.sub("", line), thread)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self._log.flush()

    def close_run(self, error: str | None) -> None:
        """The run is over: lines left unended, and a task whose failure ended the run by an
        exception rather than a log line."""
        with self._lock:
            for thread, rest in list(self._pending.items()):
                self._line(ANSI.sub("", rest), thread)
            self._pending.clear()
            if error and (done := _TASK_DONE.search(error)):
                self._finished(done.group(1), done.group(2), None)

    def _line(self, line: str, thread: int) -> None:
        self._progress.log(line)
        if FAILURE_MARKER in line:
            failure = line.split(FAILURE_MARKER, 1)[1].strip()
            self._outcome.failures.append(failure)
            if self._outcome.failure is None:
                self._outcome.failure = failure
        if started := _TASK_STARTED.search(line):
            self._running[thread] = (started.group(1), time.monotonic())
            self._progress.started(started.group(1))
        elif done := _TASK_DONE.search(line):
            self._finished(done.group(1), done.group(2), thread)

    def _finished(self, task: str, status: str, thread: int | None) -> None:
        if thread is None or self._running.get(thread, ("",))[0] != task:
            # Reported from another thread (kfp's pool logs a worker's failure): a running task of that name.
            thread = next((t for t, (name, _) in self._running.items() if name == task), None)
        if thread is not None:
            since = self._running.pop(thread)[1]
        elif (task, status) in self._outcome.steps and status != "SUCCESS":
            return  # a failure kfp reports twice (logged, then raised)
        else:
            since = time.monotonic()  # its start was not seen
        self._outcome.steps.append((task, status))
        self._progress.finished(task, status, time.monotonic() - since)


@contextlib.contextmanager
def _kfp_state_held(monitor: _RunMonitor) -> Iterator[None]:
    """One root logger (INFO, to the monitor) and one `print` for the whole run; kfp.local's
    per-task swaps made no-ops while it goes, and everything put back after, even when a failed
    run left things swapped."""
    from kfp.local import logging_utils

    root = logging.getLogger()
    handlers, level, original_print = root.handlers[:], root.level, builtins.print
    swaps = {name: getattr(logging_utils, name) for name in ("local_logger_context", "indented_print")
             if hasattr(logging_utils, name)}
    handler = logging.StreamHandler(monitor)
    handler.setFormatter(logging.Formatter("%(asctime)s - %(levelname)s - %(message)s", "%H:%M:%S"))
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in swaps:
        setattr(logging_utils, name, _unchanged)
    try:
        yield
    finally:
        for name, original in swaps.items():
            setattr(logging_utils, name, original)
        root.handlers[:] = handlers
        root.setLevel(level)
        builtins.print = original_print


@contextlib.contextmanager
def _unchanged(*_args: Any, **_kwargs: Any) -> Iterator[None]:
    yield


def run_locally(
    pipeline: Callable[..., Any], arguments: dict[str, Any], pipeline_root: Path, progress: StepProgress
) -> LocalRun:
    """Run `pipeline` with kfp.local's SubprocessRunner in this venv; never raises for a failed
    step. The full log is kept in the run's folder (RUN_LOG) and as pipeline_root/last-run.log."""
    from kfp import local

    pipeline_root.mkdir(parents=True, exist_ok=True)
    before = set(pipeline_root.iterdir())
    log_file = pipeline_root / "last-run.log"
    outcome = LocalRun(run_dir=None, succeeded=False, log_file=log_file, started=time.time())
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(pipeline_root), raise_on_error=True)
    clock = time.monotonic()
    with open(log_file, "w", encoding="utf-8") as log:
        monitor = _RunMonitor(log, progress, outcome)
        error = None
        with _kfp_state_held(monitor), contextlib.redirect_stdout(monitor), contextlib.redirect_stderr(monitor):
            try:
                pipeline(**arguments)
                outcome.succeeded = True
            except RuntimeError as exc:
                # kfp.local says which task failed; the step itself printed why (FAILURE_MARKER).
                error = ANSI.sub("", str(exc))
                if outcome.failure is None:
                    outcome.failure = error.splitlines()[0] if error else "kfp.local stopped the run"
        monitor.close_run(error)
    outcome.seconds = time.monotonic() - clock
    new_dirs = sorted(p for p in set(pipeline_root.iterdir()) - before if p.is_dir())
    outcome.run_dir = new_dirs[-1] if new_dirs else None
    if outcome.run_dir is not None:
        # last-run.log is the next run's; the run's folder keeps its own copy for `show`.
        shutil.copyfile(log_file, outcome.run_dir / RUN_LOG)
        outcome.log_file = outcome.run_dir / RUN_LOG
    return outcome
