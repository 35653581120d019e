"""The object-store interface: whole-file put and get, each atomic."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Protocol

from secure_mlops.errors import InputError


class ObjectStore(Protocol):
    """Where encrypted, minimized datasets and artifacts live (a local folder or S3).

    Writes are atomic: a reader sees the whole new object or nothing, never a partial one.
    """

    def put_file(self, local: Path, key: str) -> str:
        """Upload `local` as `key`; returns the object's URI."""
        ...

    def get_file(self, key: str, local: Path) -> None:
        """Download `key` to `local` (which appears only when complete)."""
        ...

    def exists(self, key: str) -> bool: ...

    def uri(self, key: str) -> str: ...


def check_key(key: str) -> str:
    """Object keys are relative POSIX paths without `..`, so no key escapes its store."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts or key.endswith("/"):
        raise InputError(f"invalid object key {key!r}", hint="use a relative path like 'datasets/x.enc'")
    return str(path)
