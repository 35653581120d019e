"""Where a run's raw data comes from: a local file or folder, or an S3 object or prefix (here
through an in-memory store; the real S3 client is tested in tests/integration/test_storage_s3.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.errors import InputError
from secure_mlops.steps import sources
from secure_mlops.steps.sources import fetch_shard, plan_shards

OBJECTS = {"lake": {"raw/b.parquet": b"B", "raw/a.csv": b"A", "raw/notes.txt": b""}}


class InMemoryS3Store:
    """S3Store's listing and download over OBJECTS: {bucket: {key: bytes}}."""

    def __init__(self, bucket: str) -> None:
        self._objects = OBJECTS[bucket]

    def list_keys(self, prefix: str = "") -> list[str]:
        return [key for key in self._objects if key.startswith(prefix)]

    def get_file(self, key: str, local: Path) -> None:
        local.write_bytes(self._objects[key])


def test_a_folder_is_its_csv_and_parquet_files_in_order(tmp_path: Path) -> None:
    for name in ("part-2.parquet", "part-1.csv", "README.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "empty").mkdir()

    assert plan_shards(str(tmp_path)) == [str(tmp_path / "part-1.csv"), str(tmp_path / "part-2.parquet")]
    assert plan_shards(str(tmp_path / "part-1.csv")) == [str(tmp_path / "part-1.csv")]
    with pytest.raises(InputError, match=r"no \.csv or \.parquet"):
        plan_shards(str(tmp_path / "empty"))


def test_an_s3_prefix_is_its_shard_objects_in_order_each_downloaded_into_scratch(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sources, "S3Store", InMemoryS3Store)

    shards = plan_shards("s3://lake/raw/")

    assert shards == ["s3://lake/raw/a.csv", "s3://lake/raw/b.parquet"]
    assert fetch_shard(shards[0], tmp_path) == tmp_path / "a.csv"
    assert (tmp_path / "a.csv").read_bytes() == b"A"


def test_a_local_shard_is_read_where_it_is_not_copied(tmp_path: Path) -> None:
    shard = tmp_path / "part-1.csv"
    shard.write_text("x")
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    assert fetch_shard(str(shard), scratch) == shard
    assert list(scratch.iterdir()) == []
