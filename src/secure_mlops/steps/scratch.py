"""Scratch space for plaintext while a step runs: memory-backed where possible, always removed."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from secure_mlops.config import Settings

_SHM = Path("/dev/shm")  # noqa: S108 - memory-backed on purpose; files in it are private (0600)


def _scratch_root(settings: Settings) -> Path | None:
    if settings.scratch_dir is not None:
        return settings.scratch_dir
    # tmpfs: plaintext never reaches a disk, and vanishes with the pod or the machine.
    return _SHM if _SHM.is_dir() and os.access(_SHM, os.W_OK) else None


@contextmanager
def scratch_dir(settings: Settings) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="secure-mlops-", dir=_scratch_root(settings)))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
