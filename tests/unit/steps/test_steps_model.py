"""The model steps: train from the encrypted dataset (decrypted in memory only), then audit the
saved model for membership inference, writing its model card whether or not the audit passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import InputError, PrivacyError
from secure_mlops.steps.model import Audited, Trained, privacy_audit, train
from secure_mlops.training import load_model
from tests.support.data import EncryptedShard
from tests.support.paths import PATIENTS

OVERFIT = json.dumps({"min_samples_leaf": 1, "bootstrap": False})


def _train(shard: EncryptedShard, model_file: Path, settings: Settings, model_type: str = "logistic_regression",
           params: str = "{}") -> Trained:
    return train(shard.path, shard.context, PATIENTS, model_file, seed=0, model_type=model_type, model_params=params,
                 settings=settings)


def test_train_saves_a_skops_model_and_returns_held_out_metrics_and_curves(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    trained = _train(shards[0], tmp_path / "model", settings)

    assert sorted(load_model(tmp_path / "model").classes_) == sorted(trained.classes) == ["benign", "malignant"]
    assert trained.metrics["accuracy"] > 0.8 and sum(map(sum, trained.confusion_matrix)) > 0
    assert len(trained.roc_fpr) == len(trained.roc_tpr) == len(trained.roc_thresholds) > 2
    assert list(settings.scratch_dir.iterdir()) == []
    with pytest.raises(InputError, match="model_params must be a JSON object"):
        _train(shards[0], tmp_path / "other", settings, params="[0.5]")


@pytest.mark.parametrize(("model_type", "params", "passes"), [
    ("logistic_regression", "{}", True),
    ("random_forest", OVERFIT, False),
], ids=["regularized-passes", "overfit-fails"])
def test_privacy_audit_writes_the_model_card_whether_or_not_the_audit_passes(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...], model_type: str, params: str,
        passes: bool) -> None:
    shard = shards[0]
    _train(shard, tmp_path / "model", settings, model_type, params)

    def audit() -> Audited:
        return privacy_audit(shard.path, shard.context, tmp_path / "model", PATIENTS, tmp_path / "card.md",
                             data_digest="sha256:" + "ab" * 32, seed=0, model_type=model_type, max_advantage=0.1,
                             settings=settings)

    if passes:
        result = audit()
        assert result.max_advantage == 0.1 and result.members > 0
        assert result.advantage <= max(result.max_advantage, result.noise_floor)  # within chance
    else:
        with pytest.raises(PrivacyError, match="privacy audit failed"):
            audit()
    card = (tmp_path / "card.md").read_text()
    assert card.startswith(f"# Model card: {model_type}") and "sha256:" + "ab" * 32 in card
