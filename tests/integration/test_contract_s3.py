"""A data contract read from s3:// by a step (moto in server mode): downloaded into the step's
scratch, loaded, and removed with it."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import ObjectNotFoundError
from secure_mlops.privacy import load_contract
from secure_mlops.steps.sources import contract_file
from tests.support.paths import PATIENTS

pytestmark = pytest.mark.integration


def test_an_s3_contract_is_fetched_into_scratch_and_removed_after(bucket: str, tmp_path: Path) -> None:
    boto3.client("s3").put_object(Bucket=bucket, Key="contracts/patients.yaml", Body=PATIENTS.read_bytes())
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    settings = Settings(scratch_dir=scratch)

    with contract_file(f"s3://{bucket}/contracts/patients.yaml", settings) as path:
        assert path.is_relative_to(scratch) and path.name == "patients.yaml"
        assert load_contract(path).digest() == load_contract(PATIENTS).digest()
    assert list(scratch.iterdir()) == []


def test_a_missing_s3_contract_is_not_found_and_leaves_nothing(bucket: str, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(ObjectNotFoundError), contract_file(f"s3://{bucket}/contracts/nope.yaml",
                                                          Settings(scratch_dir=scratch)):
        pass
    assert list(scratch.iterdir()) == []
