"""The publish-dataset step: the accepted shards merged in memory, validated whole against the last
accepted profile, encrypted under one new data key, and profiled for the next run; or nothing
left behind if the whole is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import ValidationFailed
from secure_mlops.steps.data import EncryptedDataset, read_dataset
from secure_mlops.steps.publish import publish_dataset
from secure_mlops.steps.validate import load_profile
from tests.support.data import EncryptedShard, write_profile
from tests.support.fakes import FakeVault
from tests.support.paths import PATIENTS


def _publish(shards: tuple[EncryptedShard, ...], folder: Path, settings: Settings,
             reference: Path | None = None, versions: tuple[int | None, ...] = (3, 3)) -> EncryptedDataset:
    return publish_dataset([(s.path, s.context, v) for s, v in zip(shards, versions, strict=True)], PATIENTS,
                           folder / "dataset.enc",
                           folder / "profile.json", context="run-1/dataset",
                           reference_profile_uri=str(reference) if reference else None, psi_threshold=0.2,
                           settings=settings)


def test_publish_dataset_merges_under_one_new_data_key_and_records_the_next_reference(
        tmp_path: Path, settings: Settings, vault: FakeVault, shards: tuple[EncryptedShard, ...]) -> None:
    keys_before = vault.keys.calls["generate_data_key"]

    written = _publish(shards, tmp_path, settings)

    merged = read_dataset(written.path, "run-1/dataset", settings)
    assert merged.num_rows == written.rows == sum(s.table.num_rows for s in shards)
    assert merged.column("patient_id").to_pylist() == [i for s in shards for i in s.table.column("patient_id").to_pylist()]
    assert vault.keys.calls["generate_data_key"] == keys_before + 1
    profile = load_profile(str(tmp_path / "profile.json"), settings)
    assert profile is not None and profile.row_count == written.rows


def test_publish_dataset_removes_a_merged_dataset_the_reference_rejects(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    merged_rows = sum(s.table.num_rows for s in shards)
    # Last time four times as many rows were accepted: this dataset is outside the row-count ratio.
    reference = write_profile(tmp_path / "last.json", shards[0].table, row_count=merged_rows * 4)

    with pytest.raises(ValidationFailed):
        _publish(shards, tmp_path, settings, reference)
    assert not (tmp_path / "dataset.enc").exists() and not (tmp_path / "profile.json").exists()


def test_publish_dataset_records_the_pseudonym_key_version_of_its_shards(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    assert _publish(shards, tmp_path, settings).pseudonym_key_version == 3
    # A shard without any pseudonym (its identifier column was empty) does not count.
    assert _publish(shards, tmp_path, settings, versions=(None, 3)).pseudonym_key_version == 3


def test_publish_dataset_refuses_shards_pseudonymized_under_different_key_versions(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    with pytest.raises(ValidationFailed, match="versions 2 and 3 of the pseudonym key") as info:
        _publish(shards, tmp_path, settings, versions=(2, 3))
    assert "re-pseudonymiz" in str(info.value) or "re-run" in str(info.value)
    assert not (tmp_path / "dataset.enc").exists() and not (tmp_path / "profile.json").exists()
