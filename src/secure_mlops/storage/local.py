"""A local folder as the object store (the laptop default)."""

from __future__ import annotations

import shutil
from pathlib import Path

from secure_mlops.errors import ObjectNotFoundError, StorageError
from secure_mlops.storage.atomic import atomic_output
from secure_mlops.storage.base import check_key


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def put_file(self, local: Path, key: str) -> str:
        _copy(local, self._path(key))
        return self.uri(key)

    def get_file(self, key: str, local: Path) -> None:
        source = self._path(key)
        if not source.is_file():
            raise ObjectNotFoundError(f"no object {key!r} in {self.root}")
        _copy(source, local)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(source, "rb") as src, atomic_output(target) as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
    except FileNotFoundError:
        raise StorageError(f"{source} does not exist") from None
    except OSError as exc:
        raise StorageError(f"cannot read {source}: {exc.strerror}") from None
