"""Things that can sit where a command's output should go and must never be replaced by it."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def unix_socket(path: Path) -> Path:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
    return path


def char_device(path: Path) -> Path:
    """A node like /dev/null (major 1, minor 3), in a test folder: nothing real is at risk."""
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return path


def folder(path: Path) -> Path:
    path.mkdir()
    return path


def link_to_a_file(path: Path) -> Path:
    (path.parent / "real.bin").write_bytes(b"real")
    path.symlink_to(path.parent / "real.bin")
    return path


def link_to_stdout(path: Path) -> Path:
    path.symlink_to("/proc/self/fd/1")
    return path


# (maker, what the refusal calls it)
NOT_REGULAR: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (fifo, "a FIFO"),
    "socket": (unix_socket, "a socket"),
    "device": (char_device, "a character device"),
    "link": (link_to_a_file, "a symbolic link"),
    "link-to-stdout": (link_to_stdout, "a symbolic link"),
}
