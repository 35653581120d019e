"""Scratch space for plaintext while a step runs: memory-backed where possible, always removed.

Removed when the step ends, fails, or is stopped with SIGTERM or SIGHUP (what Kubernetes and
`timeout` send). A folder left by a process that died without cleaning up (SIGKILL, the OOM
killer) is removed by the next step that opens scratch under the same root: its name holds its
owner's PID and its owner locks it (`storage/owners.py`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from secure_mlops.config import Settings
from secure_mlops.storage.owners import hold, owned_prefix, remove_abandoned
from secure_mlops.storage.termination import cleanup_on_termination

_SHM = Path("/dev/shm")  # noqa: S108 - memory-backed on purpose; files in it are private (0600)
PREFIX = "secure-mlops-"


def _scratch_root(settings: Settings) -> Path | None:
    if settings.scratch_dir is not None:
        return settings.scratch_dir
    # tmpfs: plaintext never reaches a disk, and vanishes with the pod or the machine.
    return _SHM if _SHM.is_dir() and os.access(_SHM, os.W_OK) else None


@contextmanager
def scratch_dir(settings: Settings) -> Iterator[Path]:
    root = Path(_scratch_root(settings) or tempfile.gettempdir())
    remove_abandoned(root, PREFIX, "")
    with cleanup_on_termination():
        path = Path(tempfile.mkdtemp(prefix=owned_prefix(PREFIX), dir=root))
        lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            hold(lock)
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
            os.close(lock)
