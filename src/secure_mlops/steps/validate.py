"""The validate-shard step: the validation gate on one shard, and the reference profile it compares with."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from secure_mlops.config import Settings
from secure_mlops.privacy import load_contract
from secure_mlops.steps.data import read_dataset
from secure_mlops.storage import write_atomically


@dataclass(frozen=True)
class ShardValidation:
    checks: int
    failed: int


def load_profile(uri: str | None, settings: Settings):  # noqa: ANN201 - DatasetProfile, imported lazily
    """The previous accepted dataset's profile (aggregates only), from a local path or s3:// URI."""
    if not uri:
        return None
    from secure_mlops.steps.scratch import scratch_dir
    from secure_mlops.steps.sources import fetch_shard
    from secure_mlops.validation import DatasetProfile

    with scratch_dir(settings) as scratch:
        path = fetch_shard(uri, scratch)
        if not path.is_file():
            return None  # the first run has no previous dataset: schema and range checks still apply
        return DatasetProfile.model_validate_json(path.read_text(encoding="utf-8"))


def validate_shard(
    dataset: Path,
    context: str,
    contract_path: Path,
    *,
    reference_profile_uri: str | None,
    psi_threshold: float,
    validated_output: Path,
    report_output: Path,
    settings: Settings,
) -> ShardValidation:
    """Validate in memory; write the HTML report (counts only) and pass the ciphertext on if it passed.

    The reference profile describes a whole accepted dataset, so a shard's row count cannot be
    compared with it: the shard's drift checks leave the row count out, and `publish_dataset`
    compares the merged dataset's row count with the reference.
    """
    from secure_mlops.validation import raise_for_failures, render_html, validate_dataset

    contract = load_contract(contract_path)
    table = read_dataset(dataset, context, settings)
    reference = load_profile(reference_profile_uri, settings)
    result = validate_dataset(table, contract, reference=reference, psi_threshold=psi_threshold, row_ratio_bounds=None)
    write_atomically(report_output, render_html(result, title=f"Validation of {contract.name} {contract.version}"))
    raise_for_failures(result)
    shutil.copyfile(dataset, validated_output)
    return ShardValidation(checks=len(result.checks), failed=len(result.failures()))
