"""The atomic writer every output goes through."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from secure_mlops.errors import StorageError
from secure_mlops.storage import atomic, atomic_output, write_atomically
from secure_mlops.storage.atomic import atomic_outputs
from tests.support import special_files


def test_atomic_output_leaves_nothing_when_the_body_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half-written")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_output_is_private(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "secret.bin") as handle:
        handle.write(b"x")
    assert stat.S_IMODE((tmp_path / "secret.bin").stat().st_mode) == 0o600


def test_atomic_output_into_a_missing_directory_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no such directory"), atomic_output(tmp_path / "no" / "x"):
        pass


def test_write_atomically_writes_text_as_utf8_and_replaces_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")

    write_atomically(target, "{\"name\": \"Zoë\"}\n")

    assert target.read_bytes() == "{\"name\": \"Zoë\"}\n".encode()


# --- what may be replaced --------------------------------------------------------------------


@pytest.mark.parametrize(("make", "kind"), [
    *special_files.NOT_REGULAR.values(), (special_files.folder, "a directory"),
], ids=[*special_files.NOT_REGULAR, "folder"])
def test_only_a_regular_file_is_ever_replaced(tmp_path: Path, make: Callable[[Path], Path], kind: str) -> None:
    target = make(tmp_path / "out.bin")
    before = os.lstat(target)

    with pytest.raises(StorageError, match=f"out.bin is {kind}: refusing to replace it"), \
            atomic_output(target) as handle:
        handle.write(b"plaintext")

    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_a_target_that_turns_into_a_fifo_while_written_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(StorageError, match="is a FIFO"), atomic_output(target) as handle:
        handle.write(b"plaintext")
        os.mkfifo(target)
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


# --- temp files: anonymous where possible, named and cleaned up otherwise ---------------------


def test_the_temp_file_has_no_name_while_it_is_written(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "out.bin") as handle:
        handle.write(b"plaintext")
        assert list(tmp_path.iterdir()) == []  # O_TMPFILE: nothing to find, nothing to leave
    assert (tmp_path / "out.bin").read_bytes() == b"plaintext"


def test_without_anonymous_files_the_temp_file_names_its_owner_and_goes_away(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_O_TMPFILE", 0)
    with pytest.raises(RuntimeError), atomic_output(tmp_path / "out.bin") as handle:
        handle.write(b"plaintext")
        [temp] = tmp_path.iterdir()
        assert re.fullmatch(rf"\.out\.bin\.{os.getpid()}\.[a-z0-9_]+\.tmp", temp.name)
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_dead_writers_temp_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    dead = tmp_path / f".out.bin.{_dead_pid()}.abcd1234.tmp"
    dead.write_bytes(b"plaintext left by a killed process")
    alive = tmp_path / f".out.bin.{os.getppid()}.abcd1234.tmp"  # a running process: left alone
    alive.write_bytes(b"still being written")
    other_target = tmp_path / f".other.bin.{_dead_pid()}.abcd1234.tmp"
    other_target.write_bytes(b"not this target's")

    write_atomically(tmp_path / "out.bin", b"new")

    assert not dead.exists()
    assert alive.exists() and other_target.exists()


def test_a_locked_temp_file_is_kept_whatever_its_pid(tmp_path: Path) -> None:
    """A writer in another PID namespace: its PID means nothing here, its lock does."""
    held = tmp_path / f".out.bin.{_dead_pid()}.abcd1234.tmp"
    held.write_bytes(b"being written")
    with held.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)

        write_atomically(tmp_path / "out.bin", b"new")

        assert held.exists()


# --- several outputs: all or none ------------------------------------------------------------


def test_outputs_appear_together_or_not_at_all(tmp_path: Path) -> None:
    first, second = tmp_path / "a.bin", tmp_path / "b.json"
    with pytest.raises(RuntimeError), atomic_outputs(first, second) as (a, b):
        a.write(b"data")
        b.write(b"report")
        raise RuntimeError("gate failed")
    assert list(tmp_path.iterdir()) == []

    with atomic_outputs(first, second) as (a, b):
        a.write(b"data")
        b.write(b"report")
    assert (first.read_bytes(), second.read_bytes()) == (b"data", b"report")


@pytest.mark.parametrize("second", ["missing/b.json", "a.bin/b.json"], ids=["missing-folder", "under-a-file"])
def test_an_output_that_cannot_be_created_stops_all_before_the_body_runs(tmp_path: Path, second: str) -> None:
    (tmp_path / "a.bin").write_bytes(b"old")
    ran = False
    with pytest.raises(StorageError), atomic_outputs(tmp_path / "b.parquet", tmp_path / second):
        ran = True
    assert not ran
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_a_folder_nobody_may_write_into_stops_all_before_the_body_runs(tmp_path: Path) -> None:
    # /proc refuses new files even to root (a chmod 0500 folder would not stop root).
    with pytest.raises(StorageError, match="cannot write to"), \
            atomic_outputs(tmp_path / "a.parquet", Path("/proc/report.json")):
        pytest.fail("the body must not run")
    assert list(tmp_path.iterdir()) == []


def test_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="same file twice"), \
            atomic_outputs(tmp_path / "a.bin", tmp_path / "." / "a.bin"):
        pytest.fail("the body must not run")


# --- SIGTERM, SIGHUP and SIGKILL, in a real process -------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from secure_mlops.storage import atomic
if sys.argv[2] == "named":
    atomic._O_TMPFILE = 0
with atomic.atomic_output(Path(sys.argv[1])) as handle:
    handle.write(b"plaintext")
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def _stopped_writer(target: Path, temp: str, signum: int) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(target), temp],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("temp", ["anonymous", "named"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_leave_nothing_behind(tmp_path: Path, temp: str, signum: int) -> None:
    stopped = _stopped_writer(tmp_path / "out.bin", temp, signum)
    assert "Terminated" in stopped.stderr  # unwound by the exception, not killed on the spot
    assert list(tmp_path.iterdir()) == []


def test_sigkill_leaves_nothing_behind_with_an_anonymous_temp_file(tmp_path: Path) -> None:
    _stopped_writer(tmp_path / "out.bin", "anonymous", signal.SIGKILL)
    assert list(tmp_path.iterdir()) == []


def test_what_sigkill_leaves_of_a_named_temp_file_goes_with_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    _stopped_writer(target, "named", signal.SIGKILL)
    assert len(list(tmp_path.iterdir())) == 1

    write_atomically(target, b"new")

    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
