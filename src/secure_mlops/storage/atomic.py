"""Write-then-rename, so no reader ever sees a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from secure_mlops.errors import StorageError


@contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """Yield a hidden temp file beside `target`; on success fsync it and rename it over `target`.

    Same directory so the rename is atomic (one file system); mkstemp creates it 0600 so a
    decrypted file is never readable by others, even for a moment. On any exception the temp
    file is removed and `target` is left as it was. OS errors (disk full, permission denied)
    become StorageError naming the target.
    """
    target = Path(target)
    directory = target.parent
    if not directory.is_dir():
        raise StorageError(f"cannot write to {directory}: no such directory", hint="create it first")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise StorageError(f"cannot write to {directory}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except OSError as exc:
        os.unlink(tmp_name)
        raise StorageError(f"could not write {target}: {exc.strerror}") from None
    except BaseException:
        os.unlink(tmp_name)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable: without this a crash can lose the new directory entry."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(target: Path, data: bytes | str) -> Path:
    """Write `data` (text as UTF-8) to `target` through `atomic_output`; returns `target`."""
    with atomic_output(target) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(target)
