"""A local run's progress: every step's start and end reported once, from parallel tasks too,
and the log kept whole."""

from __future__ import annotations

import builtins
import io
import logging
import threading
import time

from secure_mlops.orchestration.local_run import LocalRun, StepProgress, _kfp_state_held, _RunMonitor


class Recorder(StepProgress):
    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.events: list[tuple[str, str]] = []
        self.logged: list[str] = []

    def started(self, task: str) -> None:
        self.events.append((task, "started"))

    def finished(self, task: str, status: str, seconds: float) -> None:
        assert seconds >= 0
        self.events.append((task, status))

    def log(self, line: str) -> None:
        self.logged.append(line)


def _task(name: str, barrier: threading.Barrier, delay: float) -> None:
    """What kfp.local does around one task, in its worker thread."""
    from kfp.local import logging_utils

    with logging_utils.local_logger_context():
        logging.info(f"Executing task \x1b[96m'{name}'\x1b[0m")
        barrier.wait()
        with logging_utils.indented_print():
            for part in ("secure-mlops ", "step ", "output\n"):
                print(part, end="")
        time.sleep(delay)
        logging.info(f"Task \x1b[96m'{name}'\x1b[0m finished with status \x1b[92mSUCCESS\x1b[0m")


def test_parallel_tasks_lose_no_finished_line_and_swaps_are_put_back() -> None:
    log, progress, outcome = io.StringIO(), Recorder(), LocalRun(run_dir=None, succeeded=False)
    monitor = _RunMonitor(log, progress, outcome)
    root, print_before = logging.getLogger(), builtins.print
    handlers_before, level_before = root.handlers[:], root.level
    barrier = threading.Barrier(8)
    import contextlib

    with _kfp_state_held(monitor), contextlib.redirect_stdout(monitor):
        threads = [threading.Thread(target=_task, args=("validate-shard", barrier, 0.01 * (i % 3))) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    monitor.close_run(None)
    assert progress.events.count(("validate-shard", "started")) == 8
    assert outcome.steps == [("validate-shard", "SUCCESS")] * 8
    assert progress.logged.count("secure-mlops step output") == 8  # whole lines, colours gone
    assert not any("\x1b" in line for line in progress.logged)
    assert log.getvalue().count("finished with status") == 8
    assert root.handlers == handlers_before and root.level == level_before and builtins.print is print_before


def test_a_failure_line_is_kept_and_a_failure_reported_twice_counts_once() -> None:
    progress, outcome = Recorder(), LocalRun(run_dir=None, succeeded=False)
    monitor = _RunMonitor(io.StringIO(), progress, outcome)
    monitor.write("Executing task 'validate-shard'\n")
    monitor.write("    secure-mlops step failed: [validate-shard] validation failed: 2 of 35 checks (x: range)\n")
    monitor.write("Task for-loop failed with exception: Task 'validate-shard' finished with status FAILURE\n")
    monitor.close_run("Task 'validate-shard' finished with status FAILURE")
    assert outcome.failure == "[validate-shard] validation failed: 2 of 35 checks (x: range)"
    assert outcome.steps == [("validate-shard", "FAILURE")]


def test_a_line_written_in_pieces_by_two_threads_stays_whole() -> None:
    progress, outcome = Recorder(), LocalRun(run_dir=None, succeeded=False)
    monitor = _RunMonitor(io.StringIO(), progress, outcome)
    turns = [threading.Event() for _ in range(4)]

    def write(first: str, second: str, mine: int, theirs: int) -> None:
        monitor.write(first)
        turns[mine].set()
        turns[theirs].wait()
        monitor.write(second)

    a = threading.Thread(target=write, args=("alpha ", "one\n", 0, 1))
    b = threading.Thread(target=write, args=("beta ", "two\n", 1, 0))
    a.start(), b.start()
    a.join(), b.join()
    assert sorted(progress.logged) == ["alpha one", "beta two"]


def test_plain_progress_prints_each_start_and_end_and_kfps_log_only_when_verbose() -> None:
    out, verbose = io.StringIO(), io.StringIO()
    quiet = StepProgress(out)
    quiet.started("train")
    quiet.finished("train", "SUCCESS", 2.345)
    quiet.log("kfp line")
    assert out.getvalue() == "  train            running\n  train            SUCCESS in 2.3 s\n"
    loud = StepProgress(io.StringIO(), verbose)
    loud.log("kfp line")
    assert verbose.getvalue() == "kfp line\n"
