from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from secure_mlops.errors import InputError
from secure_mlops.privacy import DataContract
from secure_mlops.training import MAX_ROC_POINTS, TrainResult, train_model
from secure_mlops.training.metrics import roc_curve


def test_training_is_deterministic_for_a_seed(table: pa.Table, contract: DataContract,
                                              trained: TrainResult) -> None:
    again = train_model(table, contract, seed=0)
    assert again.metrics == trained.metrics
    assert again.confusion_matrix == trained.confusion_matrix
    assert again.roc == trained.roc
    np.testing.assert_array_equal(again.estimator.predict_proba(trained.test.x),
                                  trained.estimator.predict_proba(trained.test.x))
    other = train_model(table, contract, seed=1)
    assert not np.array_equal(other.test.y, trained.test.y) or other.metrics != trained.metrics


def test_random_forest_is_deterministic_for_a_seed(table: pa.Table, contract: DataContract) -> None:
    first, second = (train_model(table, contract, seed=3, model_type="random_forest") for _ in range(2))
    assert first.metrics == second.metrics
    assert [type(s).__name__ for _, s in first.estimator.steps] == ["RandomForestClassifier"]


def test_metrics_and_confusion_matrix_are_consistent(trained: TrainResult) -> None:
    (tp, fn), (fp, tn) = trained.confusion_matrix  # rows true, columns predicted; malignant first
    test_rows = len(trained.test.y)
    assert tp + fn + fp + tn == test_rows == math.ceil(0.25 * 569)
    assert trained.metrics["accuracy"] == pytest.approx((tp + tn) / test_rows)
    assert trained.metrics["precision"] == pytest.approx(tp / (tp + fp))
    assert trained.metrics["recall"] == pytest.approx(tp / (tp + fn))
    assert set(trained.metrics) == {"accuracy", "precision", "recall", "f1", "roc_auc",
                                    "train_accuracy"}
    assert 0.85 < trained.metrics["roc_auc"] <= 1
    # Stratified: the held-out share of malignant rows matches the whole extract's.
    assert (tp + fn) / test_rows == pytest.approx(np.mean(trained.train.y == "malignant"), abs=0.01)


def test_roc_curve_has_finite_values_and_at_most_200_points(trained: TrainResult) -> None:
    roc = trained.roc
    assert 2 < len(roc.fpr) == len(roc.tpr) == len(roc.thresholds) <= MAX_ROC_POINTS
    assert all(math.isfinite(v) for v in (*roc.fpr, *roc.tpr, *roc.thresholds))
    assert (roc.fpr[0], roc.tpr[0], roc.fpr[-1], roc.tpr[-1]) == (0, 0, 1, 1)

    rng = np.random.default_rng(0)
    big = roc_curve(rng.random(5000) < 0.4, rng.random(5000))
    assert len(big.fpr) == MAX_ROC_POINTS
    assert all(math.isfinite(v) for v in big.thresholds)
    assert big.thresholds == sorted(big.thresholds, reverse=True)
    assert (big.fpr[0], big.tpr[-1]) == (0, 1)


def test_unknown_model_or_parameter_is_input_error(table: pa.Table, contract: DataContract) -> None:
    with pytest.raises(InputError, match="unknown model type 'svm'"):
        train_model(table, contract, model_type="svm")
    with pytest.raises(InputError, match="has no parameter gamma"):
        train_model(table, contract, params={"gamma": 1})
    with pytest.raises(InputError, match="cannot fit logistic_regression"):
        train_model(table, contract, params={"C": -1.0})
    with pytest.raises(InputError, match="test_size"):
        train_model(table, contract, test_size=1.0)


def test_too_few_rows_to_stratify_is_input_error(table: pa.Table, contract: DataContract) -> None:
    with pytest.raises(InputError, match="cannot split 3 rows"):
        train_model(table.slice(0, 3), contract)


def test_result_repr_carries_no_rows(trained: TrainResult) -> None:
    text = repr(trained)
    assert "train=" not in text and "test=" not in text
    assert f"{trained.test.x[0, 0]!r}" not in text


def test_evaluating_a_reloaded_model_rebuilds_the_same_split_and_metrics(
        table: pa.Table, contract: DataContract, trained: TrainResult, tmp_path) -> None:
    from secure_mlops.training import evaluate_model, load_model, save_model

    save_model(trained.estimator, tmp_path / "model.skops")
    rebuilt = evaluate_model(load_model(tmp_path / "model.skops"), table, contract, seed=trained.seed)
    assert rebuilt.metrics == trained.metrics
    np.testing.assert_array_equal(rebuilt.train.y, trained.train.y)
