"""Differentially private training: a logistic regression whose coefficients are ε-DP.

The mechanism is objective perturbation (Chaudhuri, Monteleoni and Sarwate, 2011) as IBM's
diffprivlib implements it: a random linear term, scaled to the data's sensitivity, is added to
the regularized loss before it is minimized. It is pure ε-DP, so δ is 0. The sensitivity comes
from the feature bounds of the data contract (`differential_privacy.bounds`, else the columns'
`min`/`max`), never from the data: each feature is clipped to its bounds and scaled to
[-0.5, 0.5], so no row's norm exceeds sqrt(features) / 2 whatever the data holds.

The noise is drawn from the operating system's secure random source, never from the run's seed:
the seed is recorded in the manifest and the run record, and noise anyone can replay protects
nothing. A private model is therefore not reproducible from its inputs, by design; the split
still follows the seed, so the privacy audit attacks the rows it was trained on.

The fitted model is handed on as plain scikit-learn (a `MinMaxScaler` fixed to the bounds, then a
`LogisticRegression` holding the private coefficients): prediction is post-processing, which
keeps the guarantee, and serving needs neither diffprivlib nor a type skops does not trust.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import ColumnType, DataContract

MECHANISM: Final = "objective perturbation (Chaudhuri, Monteleoni and Sarwate 2011)"
PRIVATE_MODEL_TYPES: Final = ("logistic_regression",)
_SCALED: Final = (-0.5, 0.5)


@dataclass(frozen=True)
class PrivacyGuarantee:
    """What differential privacy the model was trained under; `clipped_values` counts the training
    values (cells) that lay outside their bounds."""

    epsilon: float
    delta: float
    mechanism: str
    library: str
    clipped_values: int


@dataclass(frozen=True)
class UtilityRow:
    """What a model gives up for privacy: held-out accuracy and ROC AUC, and the membership attack's
    advantage, at one ε (None: without differential privacy)."""

    label: str
    epsilon: float | None
    accuracy: float
    roc_auc: float
    membership_advantage: float


@dataclass(frozen=True)
class PrivacyStatement:
    """What the model card says about differential privacy: the guarantee, the dataset's budget
    once this model was trained, and the utility rows (this model's ε and the reference without)."""

    guarantee: PrivacyGuarantee
    budget_spent: float
    budget_total: float
    utility: tuple[UtilityRow, ...] = ()


def guarantee_of(numbers: Mapping[str, Any]) -> PrivacyGuarantee | None:
    """The guarantee a model's metadata states (`dp_epsilon`, `dp_delta`, `dp_clipped_values`, as the
    train step records them); None for a model trained without differential privacy."""
    import diffprivlib

    if "dp_epsilon" not in numbers:
        return None
    return PrivacyGuarantee(epsilon=float(numbers["dp_epsilon"]), delta=float(numbers.get("dp_delta", 0.0)),
                            mechanism=MECHANISM, library=f"diffprivlib {diffprivlib.__version__}",
                            clipped_values=int(numbers.get("dp_clipped_values", 0)))


def check_epsilon(epsilon: float) -> None:
    """`InputError` unless ε is a finite number above 0."""
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise InputError(f"dp_epsilon must be a number above 0, not {epsilon}",
                         hint="0.1 to 10 is the usual range; leave it unset to train without differential privacy")


def privacy_budget(contract: DataContract) -> float:
    """The total ε the contract allows per dataset; `InputError` when it states no budget, or no
    bounds for a feature (checked before a run starts, not after its data is prepared)."""
    from secure_mlops.training.features import feature_columns

    if contract.differential_privacy is None:
        raise InputError(f"contract {contract.name!r} sets no privacy budget for differentially private training",
                         hint="add differential_privacy: {total_epsilon: ...} to the contract (docs/contracts.md)")
    feature_bounds(contract, feature_columns(contract)[0])
    return contract.differential_privacy.total_epsilon


def check_model_type(model_type: str) -> None:
    """`InputError` unless `model_type` can be trained with differential privacy."""
    if model_type not in PRIVATE_MODEL_TYPES:
        raise InputError(f"dp_epsilon is supported for {', '.join(PRIVATE_MODEL_TYPES)}, not {model_type}",
                         hint="train a logistic_regression, or leave dp_epsilon unset")


def feature_bounds(contract: DataContract, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The low and high bound of each feature, from the contract only.

    A bound from `differential_privacy.bounds` wins; otherwise the column's `min` and `max` (both
    needed); a boolean is [0, 1]. `InputError` names every feature without bounds.
    """
    stated = contract.differential_privacy.bounds if contract.differential_privacy else {}
    columns = {c.name: c for c in contract.columns}
    bounds: list[tuple[float, float]] = []
    missing: list[str] = []
    for name in features:
        column = columns[name]
        if name in stated:
            bounds.append(stated[name])
        elif column.type is ColumnType.BOOLEAN:
            bounds.append((0.0, 1.0))
        elif column.min is not None and column.max is not None and column.min < column.max:  # type: ignore[operator]
            bounds.append((float(column.min), float(column.max)))  # type: ignore[arg-type]
        else:
            missing.append(name)
    if missing:
        raise InputError(
            f"differentially private training needs bounds for feature{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}",
            hint="state the plausible range in the contract's differential_privacy.bounds (NAME: [LOW, HIGH]) "
                 "or as the column's min and max; bounds read from the data would leak it",
        )
    low, high = np.array(bounds, dtype=np.float64).T
    return low, high


def fit_private(model_type: str, x: np.ndarray, y: np.ndarray, *, epsilon: float, bounds: tuple[np.ndarray, np.ndarray],
                params: Mapping[str, Any], before_fit: Callable[[PrivacyGuarantee], None] | None = None,
                ) -> tuple[Pipeline, PrivacyGuarantee]:
    """Fit an ε-DP `model_type` on `x`, `y` within `bounds`; returns the plain scikit-learn model and
    its guarantee. `params` are the classifier's hyperparameters (`C`, `max_iter`, `tol`,
    `fit_intercept`); `InputError` for another model type or parameter. `before_fit` is called
    once everything is checked, right before the data is touched (to reserve the privacy budget);
    an exception from it stops the fit."""
    import diffprivlib
    from diffprivlib.models import LogisticRegression as PrivateLogisticRegression

    check_epsilon(epsilon)
    check_model_type(model_type)
    low, high = bounds
    scaler = MinMaxScaler(feature_range=_SCALED, clip=True).fit(np.vstack([low, high]))
    private = PrivateLogisticRegression(epsilon=epsilon, data_norm=math.sqrt(x.shape[1]) * max(map(abs, _SCALED)))
    allowed = {"C", "max_iter", "tol", "fit_intercept"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InputError(f"differentially private {model_type} has no parameter {', '.join(unknown)}",
                         hint=f"known: {', '.join(sorted(allowed))}")
    try:
        # scikit-learn's own class checks the values (C > 0, ...) before any budget is spent.
        LogisticRegression(**params)._validate_params()
        private.set_params(**params)
    except (ValueError, TypeError) as exc:
        raise InputError(f"differentially private {model_type}: {exc}") from None
    guarantee = PrivacyGuarantee(
        epsilon=float(epsilon), delta=0.0, mechanism=MECHANISM, library=f"diffprivlib {diffprivlib.__version__}",
        clipped_values=int(((x < low) | (x > high)).sum()),
    )
    if before_fit is not None:
        before_fit(guarantee)
    try:
        with warnings.catch_warnings():
            # The data norm and the bounds are given, so diffprivlib's leak warnings cannot apply;
            # its convergence warnings are about the noisy objective, expected at small ε.
            warnings.simplefilter("ignore")
            private.fit(scaler.transform(x), y)
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot fit differentially private {model_type}: {exc}") from None
    return Pipeline([("clip", scaler), ("model", _plain(private))]), guarantee


def _plain(private: LogisticRegression) -> LogisticRegression:
    """The same coefficients in scikit-learn's own class, which skops and the serving image know."""
    plain = LogisticRegression(C=private.C, fit_intercept=private.fit_intercept)
    for name in ("classes_", "coef_", "intercept_", "n_features_in_", "n_iter_"):
        setattr(plain, name, getattr(private, name))
    return plain
