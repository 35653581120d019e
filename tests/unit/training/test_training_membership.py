from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from secure_mlops.errors import PrivacyError
from secure_mlops.privacy import DataContract
from secure_mlops.training import TrainResult, audit_membership, membership_advantage, train_model


def _noisy(table: pa.Table, rows: int, flip: float, seed: int) -> pa.Table:
    """The first `rows` rows with a share `flip` of their labels swapped: unlearnable noise a
    model can only memorize."""
    small = table.slice(0, rows)
    labels = np.array(small.column("diagnosis").to_pylist())
    swap = np.random.default_rng(seed).random(rows) < flip
    labels[swap] = np.where(labels[swap] == "malignant", "benign", "malignant")
    return small.set_column(small.column_names.index("diagnosis"), "diagnosis", pa.array(labels))


@pytest.fixture(scope="module")
def overfit(table: pa.Table, contract: DataContract) -> TrainResult:
    # Fully grown trees on every row (no bootstrap) fit each training row, noise included.
    return train_model(_noisy(table, 160, flip=0.3, seed=0), contract, model_type="random_forest",
                       params={"min_samples_leaf": 1, "bootstrap": False})


@pytest.mark.control("membership-audit")
def test_overfit_model_fails_membership_audit(overfit: TrainResult) -> None:
    assert overfit.metrics["train_accuracy"] == 1.0
    with pytest.raises(PrivacyError, match=r"privacy audit failed: membership-inference advantage "
                                           r"0\.\d{3} exceeds the threshold 0\.100") as caught:
        audit_membership(overfit)
    assert caught.value.hint and "regularize" in caught.value.hint
    assert membership_advantage(overfit).advantage > 0.3


def test_default_model_passes_membership_audit_on_demo_data(trained: TrainResult) -> None:
    audit = audit_membership(trained)
    assert audit.passed is True
    assert audit.advantage < 0.1
    assert audit.max_advantage == 0.1
    assert audit.members == audit.non_members == len(trained.test.y)
    assert 0.3 < audit.attack_auc < 0.7


def test_membership_audit_is_reproducible(trained: TrainResult) -> None:
    assert membership_advantage(trained) == membership_advantage(trained)


def test_advantage_is_reached_at_the_reported_loss_threshold(overfit: TrainResult) -> None:
    audit = membership_advantage(overfit)
    # Recompute TPR - FPR at the reported τ on all rows: the sample is every non-member and
    # as many members, so the full-set rates agree up to sampling.
    def loss(data):
        p = overfit.estimator.predict_proba(data.x)
        return -np.log(np.clip(p[np.arange(len(data.y)),
                                 np.searchsorted(overfit.estimator.classes_, data.y)], 1e-12, 1))
    tpr = np.mean(loss(overfit.train) < audit.loss_threshold)
    fpr = np.mean(loss(overfit.test) < audit.loss_threshold)
    assert tpr - fpr == pytest.approx(audit.advantage, abs=0.1)
    assert 0 < audit.noise_floor < audit.advantage


def test_threshold_is_configurable(overfit: TrainResult) -> None:
    assert audit_membership(overfit, max_advantage=1.0).passed is True
