"""Train a scikit-learn classifier on minimized data: a seeded stratified split that keeps exact
duplicates on one side (split.py), a Pipeline, and held-out metrics. The same seed and data give
the same model and the same numbers, except under differential privacy (private.py), whose noise
is never seeded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import DataContract
from secure_mlops.training.features import Dataset, feature_columns, load_dataset
from secure_mlops.training.metrics import (
    RocCurve,
    classification_metrics,
    confusion_matrix,
    roc_curve,
)
from secure_mlops.training.private import PrivacyGuarantee, feature_bounds, fit_private
from secure_mlops.training.split import split_rows

# The classifier step is always named "model", so `params` address it the same way for each kind.
_MODEL_TYPES: dict[str, Callable[[int], Pipeline]] = {
    "logistic_regression": lambda seed: Pipeline([
        ("scale", StandardScaler()),
        ("model", LogisticRegression(max_iter=1000, random_state=seed)),
    ]),
    # Leaves of at least 10 rows: fully grown trees memorize their training rows and fail the
    # membership audit on extracts of a few hundred patients.
    "random_forest": lambda seed: Pipeline([
        ("model", RandomForestClassifier(n_estimators=200, min_samples_leaf=10, random_state=seed)),
    ]),
}
MODEL_TYPES = tuple(_MODEL_TYPES)


@dataclass(frozen=True)
class TrainResult:
    """A fitted model, its held-out evaluation, and (in memory only) the rows it was fitted on.

    `train` are the members and `test` the non-members for the membership audit; their `repr`
    shows counts only and they refuse pickling. `duplicate_rows` and `duplicate_groups` say how many
    exact duplicates the split found (and kept each on one side; see split.py).
    """

    estimator: Pipeline
    model_type: str
    seed: int
    features: list[str]
    label: str
    classes: list[str]
    metrics: dict[str, float]
    confusion_matrix: list[list[int]]
    roc: RocCurve
    train: Dataset = field(repr=False)
    test: Dataset = field(repr=False)
    duplicate_rows: int = 0
    duplicate_groups: int = 0
    privacy: PrivacyGuarantee | None = None

    @property
    def positive_class(self) -> str:
        """The class precision, recall and the ROC curve are about: the first of `classes`."""
        return self.classes[0]


def train_model(table: pa.Table, contract: DataContract, *, seed: int = 0, test_size: float = 0.25,
                model_type: str = "logistic_regression", params: Mapping[str, Any] | None = None,
                dp_epsilon: float | None = None,
                before_fit: Callable[[PrivacyGuarantee], None] | None = None) -> TrainResult:
    """Fit a `model_type` model on the contract's features of `table` and evaluate it on a held-out split.

    The split is stratified on the label and seeded, as is the model; rows identical in every
    feature and the label stay on one side of it. `params` are
    hyperparameters of the classifier (scikit-learn names, e.g. `{"C": 0.5}`). With `dp_epsilon`
    the model is ε-differentially private within the contract's feature bounds (private.py), and
    `before_fit` is called with its guarantee right before fitting (to reserve the budget). Raises
    `InputError` for an unknown model type or parameter, a bad `test_size`, or data that does not fit
    the contract.
    """
    if model_type not in _MODEL_TYPES:
        raise InputError(f"unknown model type {model_type!r}", hint=f"choose one of {', '.join(MODEL_TYPES)}")
    split = _split(table, contract, seed, test_size)
    if dp_epsilon is not None:
        features, _ = feature_columns(contract)
        estimator, guarantee = fit_private(model_type, split.train.x, split.train.y, epsilon=dp_epsilon,
                                           bounds=feature_bounds(contract, features), params=params or {},
                                           before_fit=before_fit)
        return replace(_evaluate(estimator, model_type, seed, contract, split), privacy=guarantee)
    estimator = _build(model_type, seed, params or {})
    try:
        estimator.fit(split.train.x, split.train.y)
    except ValueError as exc:
        # Out-of-range hyperparameters surface here; the message names the parameter.
        raise InputError(f"cannot fit {model_type}: {exc}") from None
    return _evaluate(estimator, model_type, seed, contract, split)


def evaluate_model(estimator: Pipeline, table: pa.Table, contract: DataContract, *, seed: int = 0,
                   test_size: float = 0.25, model_type: str = "logistic_regression") -> TrainResult:
    """Rebuild `train_model`'s result for an already fitted estimator (e.g. loaded from skops).

    The same seed and test size give the same split, so a later pipeline step can audit the
    model that was saved against exactly the rows it was, and was not, trained on.
    """
    return _evaluate(estimator, model_type, seed, contract, _split(table, contract, seed, test_size))


@dataclass(frozen=True)
class _Sides:
    train: Dataset
    test: Dataset
    duplicate_rows: int
    duplicate_groups: int


def _split(table: pa.Table, contract: DataContract, seed: int, test_size: float) -> _Sides:
    if not 0 < test_size < 1:
        raise InputError(f"test_size must be between 0 and 1, not {test_size}")
    data = load_dataset(table, contract)
    try:
        split = split_rows(data.x, data.y, test_size=test_size, seed=seed)
    except ValueError as exc:
        # scikit-learn's message is about sizes and class counts, never about values.
        raise InputError(f"cannot split {len(data.y)} rows for training: {exc}") from None
    return _Sides(
        train=Dataset(x=data.x[split.train_rows], y=data.y[split.train_rows], classes=data.classes),
        test=Dataset(x=data.x[split.test_rows], y=data.y[split.test_rows], classes=data.classes),
        duplicate_rows=split.duplicate_rows, duplicate_groups=split.duplicate_groups,
    )


def _evaluate(estimator: Pipeline, model_type: str, seed: int, contract: DataContract, sides: _Sides) -> TrainResult:
    train, test = sides.train, sides.test
    features, label = feature_columns(contract)
    positive = train.classes[0]
    positive_score = positive_probability(estimator, test.x, positive)
    predicted = estimator.predict(test.x)
    metrics = classification_metrics(test.y, predicted, positive_score, positive)
    metrics["train_accuracy"] = float(np.mean(estimator.predict(train.x) == train.y))
    return TrainResult(
        estimator=estimator, model_type=model_type, seed=seed, features=features, label=label,
        classes=train.classes, metrics=metrics,
        confusion_matrix=confusion_matrix(test.y, predicted, train.classes),
        roc=roc_curve(test.y == positive, positive_score), train=train, test=test,
        duplicate_rows=sides.duplicate_rows, duplicate_groups=sides.duplicate_groups,
    )


def positive_probability(estimator: Pipeline, x: np.ndarray, positive: str) -> np.ndarray:
    """The estimator's probability of `positive` for each row of `x`."""
    column = list(estimator.classes_).index(positive)
    return estimator.predict_proba(x)[:, column]


def _build(model_type: str, seed: int, params: Mapping[str, Any]) -> Pipeline:
    pipeline = _MODEL_TYPES[model_type](seed)
    classifier = pipeline.named_steps["model"]
    unknown = sorted(set(params) - set(classifier.get_params(deep=False)))
    if unknown:
        raise InputError(f"{model_type} has no parameter {', '.join(unknown)}")
    classifier.set_params(**params)
    return pipeline
