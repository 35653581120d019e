"""The atomic writer every output goes through."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from secure_mlops.errors import StorageError
from secure_mlops.storage import atomic_output, write_atomically


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


def test_write_atomically_writes_text_as_utf8_and_replaces_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")

    write_atomically(target, "{\"name\": \"Zoë\"}\n")

    assert target.read_bytes() == "{\"name\": \"Zoë\"}\n".encode()
