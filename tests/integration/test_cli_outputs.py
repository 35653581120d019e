"""`secure-mlops encrypt | decrypt` against a real OpenBao, stopped or redirected: a decrypt
stopped with SIGTERM or SIGHUP, or killed, leaves no plaintext; ciphertext streams to stdout."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.cli import CLI, run_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def plaintext(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "data.bin"
    path.write_bytes(os.urandom(8 * 1024 * 1024))  # 8 chunks of 1 MiB
    return path


@pytest.fixture
def ciphertext(cli_env: dict[str, str], plaintext: Path, tmp_path: Path) -> Path:
    path = tmp_path / "data.enc"
    result = run_cli("encrypt", "-i", plaintext, "-o", path, env=cli_env)
    assert result.returncode == 0, result.stderr
    return path


@contextmanager
def decrypt_from_a_pipe(env: dict[str, str], encrypted: Path, out: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`secure-mlops decrypt` reading `encrypted` through a FIFO that stops after half of it:
    inside the block, the command has written plaintext and waits for the rest."""
    pipe = out.parent.parent / "in.fifo"
    os.mkfifo(pipe)
    process = subprocess.Popen([CLI, "decrypt", "-i", str(pipe), "-o", str(out), "--context", "data.enc"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    data = encrypted.read_bytes()
    with pipe.open("wb") as writer:
        writer.write(data[: len(data) // 2])
        writer.flush()
        _wait_until_waiting_for_input(process.pid, writer.fileno())
        assert _plaintext_written(process.pid, out.parent) > 0
        assert list(out.parent.iterdir()) == []  # an anonymous file: nothing to see, nothing to leave
        try:
            yield process
        finally:
            process.wait(timeout=30)


def _plaintext_written(pid: int, folder: Path) -> int:
    """Bytes in the file the process has open in `folder`, which has no name there."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith(f"{folder}/") and target.endswith(" (deleted)"):
            return fd.stat().st_size
    raise AssertionError(f"no anonymous file open in {folder}")


def _wait_until_waiting_for_input(pid: int, writer: int) -> None:
    """Until the process has read all that was written and sleeps in a read of the pipe.

    Not sooner: a signal that lands while a read returns data is noted by Python but handled
    only when the process next runs Python code, and CPython's buffered reader goes straight on
    to its next read, which here would block until the test gives up (in real use, until more
    input or its end arrives).
    """
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        queued = struct.unpack("i", fcntl.ioctl(writer, termios.FIONREAD, b"\0\0\0\0"))[0]
        if queued == 0 and Path(f"/proc/{pid}/wchan").read_text() == "anon_pipe_read":
            return
        time.sleep(0.05)
    raise AssertionError("decrypt never waited for more input")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_decrypt_stopped_by_sigterm_or_sighup_leaves_no_plaintext(
        cli_env: dict[str, str], ciphertext: Path, tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out" / "plain.bin"
    out.parent.mkdir()
    with decrypt_from_a_pipe(cli_env, ciphertext, out) as process:
        process.send_signal(signum)
    stderr = process.stderr.read().decode() if process.stderr else ""

    assert process.returncode == 128 + signum, stderr
    assert stderr == f"terminated by {signal.Signals(signum).name}\n"
    assert list(out.parent.iterdir()) == []


def test_a_killed_decrypt_leaves_no_plaintext(cli_env: dict[str, str], ciphertext: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "plain.bin"
    out.parent.mkdir()
    with decrypt_from_a_pipe(cli_env, ciphertext, out) as process:
        process.kill()

    assert process.returncode == -signal.SIGKILL
    assert list(out.parent.iterdir()) == []


def test_encrypt_to_stdout_decrypts_with_the_context_given(
        cli_env: dict[str, str], plaintext: Path, tmp_path: Path) -> None:
    streamed = subprocess.run([CLI, "encrypt", "-i", str(plaintext), "-o", "-", "--context", "s3://lake/x.enc"],
                              env=cli_env, capture_output=True, timeout=120)
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stderr.decode().startswith("encrypted ") and "-> stdout" in streamed.stderr.decode()
    (tmp_path / "x.enc").write_bytes(streamed.stdout)

    result = run_cli("decrypt", "-i", tmp_path / "x.enc", "-o", tmp_path / "x.bin", "--context", "s3://lake/x.enc",
                     env=cli_env)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.bin").read_bytes() == plaintext.read_bytes()
