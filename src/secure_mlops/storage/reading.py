"""Reading a local file whole, with the error a user can act on instead of a traceback."""

from __future__ import annotations

from pathlib import Path

from secure_mlops.errors import InputError, SecureMlopsError


def read_file(path: Path, what: str, *, error: type[SecureMlopsError] = InputError) -> bytes:
    """The bytes of `path`; `error` naming `what` and the OS's reason when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or type(exc).__name__}") from None
