"""The train/test split keeps exact duplicates on one side: no held-out row has a twin in training."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from sklearn.model_selection import train_test_split

from secure_mlops.privacy import DataContract
from secure_mlops.training import train_model
from secure_mlops.training.split import duplicate_groups, split_rows


def _planted(seed: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """400 distinct rows, then 60 of them copied once and 10 of those a second time (rows shuffled):
    70 duplicate rows in 60 groups. Also a row equal in features but with the other label, which
    is not a duplicate."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 4)).round(2)
    y = np.where(rng.random(400) < 0.4, "malignant", "benign")
    copied = rng.choice(400, 60, replace=False)
    again = copied[:10]
    other_label = np.array([np.setdiff1d(np.arange(400), copied)[0]])
    x = np.concatenate([x, x[copied], x[again], x[other_label]])
    y = np.concatenate([y, y[copied], y[again], np.where(y[other_label] == "benign", "malignant", "benign")])
    order = rng.permutation(len(y))
    return x[order], y[order], 70, 60


@pytest.mark.parametrize("seed", range(8))
def test_planted_duplicates_never_have_a_twin_across_the_split(seed: int) -> None:
    x, y, duplicate_rows, groups = _planted(seed)
    split = split_rows(x, y, test_size=0.25, seed=seed)

    assert (split.duplicate_rows, split.duplicate_groups) == (duplicate_rows, groups)
    assert sorted(np.concatenate([split.train_rows, split.test_rows]).tolist()) == list(range(len(y)))
    train_keys = {(*x[i].tolist(), y[i]) for i in split.train_rows}
    assert not [i for i in split.test_rows if (*x[i].tolist(), y[i]) in train_keys]
    # Still stratified and still about a quarter held out.
    assert abs(len(split.test_rows) / len(y) - 0.25) < 0.03
    assert abs(np.mean(y[split.test_rows] == "malignant") - np.mean(y == "malignant")) < 0.03


def test_a_row_split_without_duplicates_is_scikit_learns_stratified_split() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(200, 3)), np.where(rng.random(200) < 0.3, "a", "b")
    split = split_rows(x, y, test_size=0.25, seed=5)
    train, test = train_test_split(np.arange(200), test_size=0.25, random_state=5, stratify=y)
    assert split.train_rows.tolist() == train.tolist() and split.test_rows.tolist() == test.tolist()
    assert (split.duplicate_rows, split.duplicate_groups) == (0, 0)


def test_groups_are_numbered_in_order_of_first_appearance() -> None:
    x = np.array([[2.0, 1.0], [0.0, 1.0], [2.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    y = np.array(["a", "a", "a", "a", "b"])
    assert duplicate_groups(x, y).tolist() == [0, 1, 0, 1, 2]


def test_training_reports_the_duplicates_it_kept_together(table: pa.Table, contract: DataContract) -> None:
    doubled = pa.concat_tables([table, table.slice(0, 50)])
    result = train_model(doubled, contract, seed=0)
    assert (result.duplicate_rows, result.duplicate_groups) == (50, 50)
    held_out = {tuple(row) for row in result.test.x.tolist()}
    assert not [row for row in result.train.x.tolist() if tuple(row) in held_out]
    plain = train_model(table, contract, seed=0)
    assert (plain.duplicate_rows, plain.duplicate_groups) == (0, 0)
