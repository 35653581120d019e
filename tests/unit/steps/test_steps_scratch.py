"""Plaintext staged while a step runs lives in a folder of its own that is always removed: when
the step ends or fails, when it is stopped with SIGTERM or SIGHUP, and, after a SIGKILL, by the
next step that opens scratch under the same root."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from secure_mlops.config import Settings
from secure_mlops.steps.scratch import scratch_dir


def test_scratch_is_a_fresh_folder_under_the_configured_root_and_is_removed_even_on_error(
        settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="step failed"), scratch_dir(settings) as scratch:
        (scratch / "minimized.parquet").write_bytes(b"plaintext")
        assert scratch.parent == settings.scratch_dir
        raise RuntimeError("step failed")

    assert list(settings.scratch_dir.iterdir()) == []


STEP = """
import time
from secure_mlops.config import Settings
from secure_mlops.steps.scratch import scratch_dir
with scratch_dir(Settings()) as scratch:
    (scratch / "raw.csv").write_bytes(b"plaintext")
    print(scratch, flush=True)
    time.sleep(60)
"""


def _stopped_step(root: Path, signum: int) -> str:
    """Run a step that stages plaintext under `root`, stop it with `signum`; its stderr."""
    env = {**os.environ, "SECURE_MLOPS_SCRATCH_DIR": str(root)}
    process = subprocess.Popen([sys.executable, "-c", STEP], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert Path(process.stdout.readline().strip()).parent == root
    process.send_signal(signum)
    return process.communicate(timeout=30)[1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_step_stopped_with_sigterm_or_sighup_removes_its_scratch(settings: Settings, signum: int) -> None:
    assert "Terminated" in _stopped_step(settings.scratch_dir, signum)
    assert list(settings.scratch_dir.iterdir()) == []


def test_scratch_left_by_a_killed_step_is_removed_by_the_next_one(settings: Settings) -> None:
    _stopped_step(settings.scratch_dir, signal.SIGKILL)
    [left] = settings.scratch_dir.iterdir()

    with scratch_dir(settings) as scratch:
        assert list(settings.scratch_dir.iterdir()) == [scratch]
    assert not left.exists()
