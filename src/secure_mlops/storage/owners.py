"""Temp files and folders that name the process writing them, so a later run can remove what a
killed one left behind (SIGKILL, the OOM killer and a power cut run no cleanup code).

An entry is named `<prefix><pid>.<random><suffix>`, and its owner holds an exclusive `flock` on
it while it lives. An entry is abandoned when no process with that PID runs here *and* nothing
holds its lock. The PID alone is not enough: a process in another PID namespace (a container)
sharing the folder has a PID that means nothing here, and would lose its file while writing it;
its lock still shows. The PID check spares opening the entries of live processes. A lock goes
away with its process, however that ended.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
from contextlib import suppress
from pathlib import Path


def owned_prefix(prefix: str) -> str:
    """`prefix` followed by this process's PID: the start of a name `remove_abandoned` can judge."""
    return f"{prefix}{os.getpid()}."


def hold(fd: int) -> None:
    """Take the owner's lock on a file or folder this process just created (kept until closed).

    A file system without `flock` leaves the entry unlocked: `remove_abandoned` then never
    removes it, which errs on the safe side.
    """
    with suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def remove_abandoned(directory: Path, prefix: str, suffix: str) -> None:
    """Remove the entries `<prefix><pid>.<random><suffix>` of `directory` whose owner is gone.

    Best effort: an entry that cannot be opened, locked or removed is left alone.
    """
    pattern = re.compile(re.escape(prefix) + r"([0-9]+)\.[A-Za-z0-9_]+" + re.escape(suffix) + r"\Z")
    try:
        owned = [(entry.path, int(match.group(1))) for entry in os.scandir(directory)
                 if (match := pattern.match(entry.name))]
    except OSError:
        return
    for path, pid in owned:
        if not _running(pid):
            _remove_if_unlocked(path)


def _running(pid: int) -> bool:
    """Whether `pid` may be a live process; anything unclear counts as live."""
    if pid <= 0:
        return True  # os.kill(0, ...) would address our own process group
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # PermissionError: another user's live process
    return True


def _remove_if_unlocked(path: str) -> None:
    try:
        # O_NOFOLLOW: never through a link; O_NONBLOCK: a FIFO planted under such a name must not
        # block the open.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # locked: its owner lives, in some other PID namespace
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            shutil.rmtree(path, ignore_errors=True)
        elif stat.S_ISREG(mode):
            Path(path).unlink(missing_ok=True)
    finally:
        os.close(fd)
