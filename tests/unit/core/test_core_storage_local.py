"""The local object store and the atomic writer every output goes through."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from secure_mlops.errors import InputError, StorageError
from secure_mlops.storage import LocalStore, ObjectNotFoundError, atomic_output, open_store


def test_put_and_get_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(b"payload")
    store = open_store(str(tmp_path / "store"))
    uri = store.put_file(source, "runs/1/a.bin")
    store.get_file("runs/1/a.bin", tmp_path / "back.bin")
    assert uri.startswith("file://") and uri.endswith("/store/runs/1/a.bin")
    assert (tmp_path / "back.bin").read_bytes() == b"payload"
    assert store.exists("runs/1/a.bin") and not store.exists("runs/2/a.bin")


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "", "dir/", "a/../../b"])
def test_keys_that_escape_the_store_are_rejected(tmp_path: Path, key: str) -> None:
    with pytest.raises(InputError, match="invalid object key"):
        LocalStore(tmp_path).exists(key)


def test_missing_object_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ObjectNotFoundError):
        LocalStore(tmp_path).get_file("nope", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_atomic_output_leaves_nothing_when_the_body_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half-written")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_output_is_private(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "secret.bin") as handle:
        handle.write(b"x")
    assert stat.S_IMODE((tmp_path / "secret.bin").stat().st_mode) == 0o600


def test_atomic_output_into_a_missing_directory_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no such directory"), atomic_output(tmp_path / "no" / "x"):
        pass
