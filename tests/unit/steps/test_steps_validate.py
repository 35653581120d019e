"""The validate-shard step: the gate on one shard against the last accepted profile (its row
count left to the merged dataset), and loading that profile."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import ValidationFailed
from secure_mlops.steps.encrypted_tables import write_encrypted_table
from secure_mlops.steps.validate import ShardValidation, load_profile, validate_shard
from secure_mlops.validation import DatasetProfile
from tests.support.data import EncryptedShard, write_profile
from tests.support.fakes import FakeVault
from tests.support.paths import PATIENTS


def test_load_profile_reads_the_last_profile_and_a_first_run_has_none(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    path = write_profile(tmp_path / "profile.json", shards[0].table)

    assert load_profile(str(path), settings) == DatasetProfile.model_validate_json(path.read_text())
    assert load_profile(str(tmp_path / "absent.json"), settings) is None
    assert load_profile(None, settings) is None


def test_validate_shard_passes_the_ciphertext_on_and_leaves_the_row_count_to_the_merged_dataset(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    shard = shards[0]
    # The reference describes a whole dataset, ten times the shard: no reason to refuse the shard.
    reference = write_profile(tmp_path / "profile.json", shard.table, row_count=shard.table.num_rows * 10)

    result = validate_shard(shard.path, shard.context, PATIENTS, reference_profile_uri=str(reference),
                            psi_threshold=0.2, validated_output=tmp_path / "validated",
                            report_output=tmp_path / "report.html", settings=settings)

    assert result.failed == 0 and result.checks > 10 and isinstance(result, ShardValidation)
    assert (tmp_path / "validated").read_bytes() == shard.path.read_bytes()
    report = (tmp_path / "report.html").read_text()
    assert "<html" in report.lower() and shard.table.column("patient_id")[0].as_py() not in report
    # No row-count row compares the shard with itself or with the whole dataset's count.
    assert "in reference, ratio" not in report and "rows 569 vs" not in report


def test_validate_shard_refuses_an_out_of_range_shard_and_still_writes_its_report(
        tmp_path: Path, settings: Settings, vault: FakeVault, shards: tuple[EncryptedShard, ...]) -> None:
    table = shards[0].table
    radius = table.schema.get_field_index("mean_radius")
    poisoned = table.set_column(radius, "mean_radius", pc.multiply(table.column(radius), -1.0))
    write_encrypted_table(poisoned, tmp_path / "shard.enc", "run-1/shard", vault.keys, settings.chunk_size)

    with pytest.raises(ValidationFailed):
        validate_shard(tmp_path / "shard.enc", "run-1/shard", PATIENTS, reference_profile_uri=None,
                       psi_threshold=0.2, validated_output=tmp_path / "validated",
                       report_output=tmp_path / "report.html", settings=settings)
    assert (tmp_path / "report.html").is_file() and not (tmp_path / "validated").exists()

