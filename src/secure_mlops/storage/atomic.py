"""Write-then-rename, so no reader ever sees a half-written file and nothing is left behind.

An output is written to a file of its own in the target's folder (one file system, so the final
rename is atomic), created 0600 so a decrypted file is never readable by others, even for a
moment. Where the file system has them (ext4, xfs, btrfs, tmpfs), that file is anonymous
(`O_TMPFILE`): it has no name until it is complete, so not even SIGKILL can leave plaintext
behind. Elsewhere it is a hidden `.NAME.<pid>.<random>.tmp`, removed on any error, on SIGTERM and
SIGHUP (`termination.py`), and by the next write to the same target if its process was killed
(`owners.py`).

Only a regular file is ever replaced. A device, FIFO, socket or folder at the target is refused
(renaming over `/dev/null` would replace the device), and so is a symbolic link: replacing a
link, or following one planted in a shared folder, would write somewhere the caller did not
name.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from secure_mlops.errors import StorageError
from secure_mlops.storage.owners import hold, owned_prefix, remove_abandoned
from secure_mlops.storage.termination import cleanup_on_termination

_SUFFIX = ".tmp"
# 0 where the platform has no anonymous files: the named temp file is used then.
_O_TMPFILE = getattr(os, "O_TMPFILE", 0)
_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFLNK: "a symbolic link"}


def check_replaceable(target: Path) -> None:
    """Raise StorageError unless `target` is absent or a regular file (not a link to one)."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        hint = "name the file it points to" if stat.S_ISLNK(mode) else "name a regular file"
        raise StorageError(f"{target} is {kind}: refusing to replace it", hint=hint)


@contextmanager
def atomic_outputs(*targets: Path) -> Iterator[list[BinaryIO]]:
    """Yield one private temp file per target; on success they replace their targets.

    Every temp file is created (before the body runs), written and fsynced before the first is
    renamed, so a folder that cannot be written, a refused target or a failure of the body
    writes none of them; only the renames themselves come one after the other. On any exception
    (SIGTERM and SIGHUP included) every temp file is removed and the targets are left as they
    were. OS errors become StorageError naming the targets.
    """
    paths = [Path(t) for t in targets]
    if len({p.resolve() for p in paths}) < len(paths):
        raise StorageError(f"the outputs {', '.join(map(str, paths))} name the same file twice")
    with cleanup_on_termination(), ExitStack() as stack:
        pending: list[_Pending] = []
        for path in paths:
            pending.append(_Pending(path))
            stack.callback(pending[-1].discard)
        try:
            yield [item.handle for item in pending]
            for item in pending:
                item.sync()
            for item in pending:
                item.commit()
        except OSError as exc:
            raise StorageError(f"could not write {', '.join(map(str, paths))}: {exc.strerror}") from None


@contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """`atomic_outputs` for one target: it appears complete, or stays as it was."""
    with atomic_outputs(target) as (handle,):
        yield handle


def write_atomically(target: Path, data: bytes | str) -> Path:
    """Write `data` (text as UTF-8) to `target` through `atomic_output`; returns `target`."""
    with atomic_output(target) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(target)


class _Pending:
    """One output being written, not yet in place."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.directory = target.parent
        self.prefix = f".{target.name}."
        check_replaceable(target)
        if not self.directory.is_dir():
            raise StorageError(f"cannot write to {self.directory}: no such directory", hint="create it first")
        remove_abandoned(self.directory, self.prefix, _SUFFIX)
        fd, self.temp_name = self._create()
        hold(fd)
        self.handle: BinaryIO = os.fdopen(fd, "wb")

    def _create(self) -> tuple[int, str | None]:
        """A file descriptor, and the temp file's name (None for an anonymous file)."""
        if _O_TMPFILE:
            try:
                fd = os.open(self.directory, _O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o600)
            except OSError:
                pass  # not supported here (or refused: the named file will say why)
            else:
                if os.path.exists(_proc_fd(fd)):  # the only way to link it into place later
                    return fd, None
                os.close(fd)
        try:
            fd, name = tempfile.mkstemp(prefix=owned_prefix(self.prefix), suffix=_SUFFIX, dir=self.directory)
        except OSError as exc:
            raise StorageError(f"cannot write to {self.directory}: {exc.strerror}") from None
        return fd, name

    def sync(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def commit(self) -> None:
        directory = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if self.temp_name is None:
                # linkat() cannot replace a file: name the anonymous file first, then rename it.
                # With a dir_fd, Python calls linkat(AT_SYMLINK_FOLLOW), which links the file
                # behind /proc/self/fd/N rather than that magic link itself.
                name = owned_prefix(self.prefix) + secrets.token_hex(8) + _SUFFIX
                os.link(_proc_fd(self.handle.fileno()), name, dst_dir_fd=directory, follow_symlinks=True)
                self.temp_name = os.path.join(self.directory, name)
            check_replaceable(self.target)  # again: something else may have appeared there meanwhile
            os.replace(self.temp_name, self.target)
            self.temp_name = None
            os.fsync(directory)  # make the rename durable: a crash could lose the new entry
        finally:
            os.close(directory)

    def discard(self) -> None:
        """Close the temp file, and remove it if it was not renamed into place."""
        with suppress(OSError):  # flushing what the body left buffered failed: dropped anyway
            self.handle.close()
        if self.temp_name is not None:
            Path(self.temp_name).unlink(missing_ok=True)


def _proc_fd(fd: int) -> str:
    return f"/proc/self/fd/{fd}"
