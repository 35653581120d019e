from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.errors import InputError, StorageError
from secure_mlops.storage import read_file


def test_read_file_returns_the_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"\x00\x01")
    assert read_file(tmp_path / "a.bin", "the thing") == b"\x00\x01"


def test_missing_file_names_what_and_why_without_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_file(tmp_path / "absent.json", "the training profile")
    assert str(caught.value) == f"cannot read the training profile {tmp_path / 'absent.json'}: No such file or directory"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_directory_is_refused_with_the_callers_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"cannot read the model .*Is a directory"):
        read_file(tmp_path, "the model", error=StorageError)
