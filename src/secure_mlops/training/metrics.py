"""Held-out metrics of a binary classifier, in the shapes KFP's ClassificationMetrics accepts.

The positive class is the first of the classes (the label's first `allowed_values` entry, e.g.
`malignant` in `[malignant, benign]`): the contract, not alphabetical order, says which
outcome precision and recall are about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

MAX_ROC_POINTS = 200


@dataclass(frozen=True)
class RocCurve:
    """Points of the ROC curve; every number is finite so it serializes as plain JSON."""

    fpr: list[float]
    tpr: list[float]
    thresholds: list[float]


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, positive_score: np.ndarray,
                           positive: str) -> dict[str, float]:
    """accuracy, precision, recall, f1 (for `positive`) and ROC AUC of `positive_score`."""
    return {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": float(skm.precision_score(y_true, y_pred, pos_label=positive, zero_division=0)),
        "recall": float(skm.recall_score(y_true, y_pred, pos_label=positive, zero_division=0)),
        "f1": float(skm.f1_score(y_true, y_pred, pos_label=positive, zero_division=0)),
        "roc_auc": float(skm.roc_auc_score(y_true == positive, positive_score)),
    }


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: list[str]) -> list[list[int]]:
    """Counts with rows = true class and columns = predicted class, both in `classes` order."""
    return [[int(n) for n in row] for row in skm.confusion_matrix(y_true, y_pred, labels=classes)]


def roc_curve(is_positive: np.ndarray, positive_score: np.ndarray, *,
              max_points: int = MAX_ROC_POINTS) -> RocCurve:
    """The ROC curve, thinned to at most `max_points` points that keep both ends.

    scikit-learn's first threshold is `inf` (nothing predicted positive); KFP's
    `log_roc_curve` needs finite numbers, so it becomes max(score) + 1, scikit-learn's own
    convention before 1.3. The curve is thinned evenly along its points, which keeps its shape
    for the UI while bounding the artifact for large test sets.
    """
    fpr, tpr, thresholds = skm.roc_curve(is_positive, positive_score)
    finite = np.isfinite(thresholds)
    thresholds = np.where(finite, thresholds, float(np.max(positive_score)) + 1.0)
    if len(fpr) > max_points:
        keep = np.unique(np.linspace(0, len(fpr) - 1, max_points).round().astype(int))
        fpr, tpr, thresholds = fpr[keep], tpr[keep], thresholds[keep]
    return RocCurve(fpr=fpr.tolist(), tpr=tpr.tolist(), thresholds=thresholds.tolist())
