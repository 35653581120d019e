"""Which columns a model may learn from, and the in-memory arrays built from them.

Only columns the contract classifies as `feature` are model inputs, plus the one `label`.
Quasi-identifiers (birth decade, sex, ...) and pseudonyms are never features, although they are
in the minimized data: a model that takes them can be queried as a linkage oracle (try each
birth decade and sex until the score moves) and memorizes per-person pseudonyms outright, which
undoes the k-anonymity and pseudonymization done before storage. Sensitive attributes are kept
out for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import Action, Classification, Column, ColumnType, DataContract

# Booleans count as numeric: they enter the model as 0/1 without any encoding step.
_NUMERIC = frozenset({ColumnType.INTEGER, ColumnType.FLOAT, ColumnType.BOOLEAN})


def feature_columns(contract: DataContract) -> tuple[list[str], str]:
    """The contract's numeric feature columns (in contract order) and its single label column.

    Dropped columns are not in the minimized data and are skipped. Raises `InputError` when
    there is no label or more than one, no feature, or a feature that is not numeric.
    """
    kept = [c for c in contract.columns if c.action is not Action.DROP]
    labels = [c.name for c in kept if c.classification is Classification.LABEL]
    if len(labels) != 1:
        found = f"{len(labels)} ({', '.join(labels)})" if labels else "none"
        raise InputError(f"contract {contract.name!r} needs exactly one kept label column, found "
                         f"{found}", hint="classify the target column as `label`")
    features = [c for c in kept if c.classification is Classification.FEATURE]
    if not features:
        raise InputError(f"contract {contract.name!r} has no kept feature column")
    other = [c.name for c in features if c.type not in _NUMERIC]
    if other:
        raise InputError(f"feature column{'s' if len(other) > 1 else ''} {', '.join(other)} "
                         f"{'are' if len(other) > 1 else 'is'} not numeric",
                         hint="only integer, float and boolean features can be model inputs")
    return [c.name for c in features], labels[0]


@dataclass(frozen=True, repr=False)
class Dataset:
    """Feature matrix and label vector of one table; rows never leave the process.

    `repr` shows shapes only and pickling is refused, so the rows cannot end up in a log line,
    a KFP artifact or a cache by accident.
    """

    x: np.ndarray
    y: np.ndarray
    classes: list[str]

    def __repr__(self) -> str:
        return f"Dataset(rows={len(self.y)}, features={self.x.shape[1]}, classes={len(self.classes)})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("training rows stay in memory: a Dataset cannot be pickled")


def load_dataset(table: pa.Table, contract: DataContract) -> Dataset:
    """Build float features and string labels from `table`; other columns are ignored.

    The classes are the label's `allowed_values` in contract order, or the sorted distinct
    labels when the contract lists none. Only binary labels are supported: the metrics, ROC
    curve and membership audit are defined for one positive class. Errors name columns and
    counts, never values.
    """
    features, label = feature_columns(contract)
    missing = [name for name in (*features, label) if name not in table.column_names]
    if missing:
        raise InputError(f"column{'s' if len(missing) > 1 else ''} missing from the training data: "
                         f"{', '.join(missing)}")
    for name in (*features, label):
        nulls = table.column(name).null_count
        if nulls:
            raise InputError(f"column {name} has {nulls} missing value{'s' if nulls > 1 else ''}",
                             hint="training needs complete rows; mark the column non-nullable")
    x = np.column_stack([table.column(name).to_numpy().astype(np.float64) for name in features])
    bad = ~np.isfinite(x).all(axis=0)
    if bad.any():
        names = [name for name, flag in zip(features, bad, strict=True) if flag]
        raise InputError(f"feature column{'s' if len(names) > 1 else ''} {', '.join(names)} "
                         f"{'hold' if len(names) > 1 else 'holds'} NaN or infinite values")
    # str() on Python values (not an Arrow cast) so labels match str() of the allowed values.
    y = np.array([str(v) for v in table.column(label).to_pylist()], dtype=str)
    return Dataset(x=x, y=y, classes=_classes(next(c for c in contract.columns if c.name == label), y))


def _classes(label: Column, y: np.ndarray) -> list[str]:
    present = set(np.unique(y).tolist())
    if label.allowed_values is None:
        classes = sorted(present)
    else:
        classes = [str(v) for v in label.allowed_values]
        outside = int(np.isin(y, classes, invert=True).sum())
        if outside:
            raise InputError(f"{outside} value{'s' if outside > 1 else ''} of label {label.name} "
                             f"{'are' if outside > 1 else 'is'} not among its allowed_values")
    if len(classes) != 2:
        raise InputError(f"label {label.name} has {len(classes)} classes; training supports "
                         f"binary labels only")
    absent = [c for c in classes if c not in present]
    if absent:
        raise InputError(f"label {label.name}: the training data holds only one of its two classes")
    return classes
