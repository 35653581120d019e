"""The local audit store: each run recorded once, read-only, listed newest first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secure_mlops.audit.records import MANIFEST_NAME, SUMMARY_NAME, list_runs, record_run
from secure_mlops.errors import InputError, StorageError

SUMMARY = {"triggered_by": "ana", "data": {"plaintext_sha256": "sha256:" + "a" * 64}}


def test_a_record_holds_the_manifest_as_signed_and_the_summary(tmp_path: Path) -> None:
    where = Path(record_run(str(tmp_path / "store"), "run-1", b'{"signed": true}\n', SUMMARY))
    assert where.parent == tmp_path / "store" and where.name.endswith("_run-1")
    assert (where / MANIFEST_NAME).read_bytes() == b'{"signed": true}\n'
    summary = json.loads((where / SUMMARY_NAME).read_text())
    assert summary["run_id"] == "run-1" and summary["triggered_by"] == "ana"
    assert summary["schema"] == "secure-mlops/run-summary/v1" and summary["recorded_at"] in where.name


def test_a_record_is_read_only(tmp_path: Path) -> None:
    where = Path(record_run(str(tmp_path), "run-1", b"{}", SUMMARY))
    assert all(not path.stat().st_mode & 0o222 for path in (where, *where.iterdir()))


def test_a_record_of_the_same_name_is_never_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import secure_mlops.audit.records as records

    monkeypatch.setattr(records, "_timestamp", lambda: "20261205T100000.000000Z")
    first = Path(record_run(str(tmp_path), "run-1", b"first", SUMMARY))
    with pytest.raises(StorageError, match=r"exists already .* records are never replaced"):
        record_run(str(tmp_path), "run-1", b"second", SUMMARY)
    assert (first / MANIFEST_NAME).read_bytes() == b"first"


def test_runs_are_listed_newest_first(tmp_path: Path) -> None:
    for run_id in ("run-a", "run-b", "run-c"):
        record_run(str(tmp_path), run_id, b"{}", SUMMARY)
    assert [entry.summary["run_id"] for entry in list_runs(str(tmp_path))] == ["run-c", "run-b", "run-a"]
    assert list_runs(str(tmp_path / "nothing-yet")) == []


@pytest.mark.parametrize("run_id", ["", "../escape", "a/b", "x" * 129])
def test_a_run_id_that_could_leave_the_store_is_refused(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(InputError, match="run id"):
        record_run(str(tmp_path), run_id, b"{}", SUMMARY)
    assert not any(tmp_path.iterdir())


def test_a_foreign_file_in_the_store_is_named_not_guessed(tmp_path: Path) -> None:
    (tmp_path / "20260101T000000.000000Z_x").mkdir()
    (tmp_path / "20260101T000000.000000Z_x" / SUMMARY_NAME).write_text("not json")
    with pytest.raises(StorageError, match="is not a run summary"):
        list_runs(str(tmp_path))
