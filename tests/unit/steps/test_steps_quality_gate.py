"""The train step's quality gate: below a minimum it fails before saving a model, so nothing is
left to package; the step also reports the exact duplicates its split kept together."""

from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import ValidationFailed
from secure_mlops.steps.model import train
from tests.support.data import EncryptedShard
from tests.support.paths import PATIENTS


def test_train_below_a_minimum_fails_before_the_model_is_saved(tmp_path: Path, settings: Settings,
                                                                shards: tuple[EncryptedShard, ...]) -> None:
    shard = shards[0]
    with pytest.raises(ValidationFailed, match=r"^quality gate failed: held-out roc_auc 0\.\d{3} is below the minimum 0\.999"):
        train(shard.path, shard.context, PATIENTS, tmp_path / "model", seed=0, model_type="logistic_regression",
              model_params="{}", settings=settings, min_roc_auc=0.999)
    assert not (tmp_path / "model").exists()
    assert list(settings.scratch_dir.iterdir()) == []


def test_train_at_the_default_minimums_passes_on_demo_data_and_reports_duplicates(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    shard = shards[0]
    trained = train(shard.path, shard.context, PATIENTS, tmp_path / "model", seed=0, model_type="logistic_regression",
                    model_params="{}", settings=settings, min_roc_auc=0.7, min_recall=0.5)
    assert trained.metrics["roc_auc"] >= 0.7 and trained.metrics["recall"] >= 0.5
    assert (trained.duplicate_rows, trained.duplicate_groups) == (0, 0)
    assert (tmp_path / "model").is_file()
