"""The train/test split: seeded, stratified on the label, and never across exact duplicates.

Rows identical in every feature and in the label form one group, and a group goes wholly to
training or wholly to the held-out set. Split row by row, a duplicated row can land on both sides:
the held-out metrics then score the model on rows it was fitted on, and the membership audit
counts a training row's twin as a non-member, so both flatter the model. Extracts merged from
several sources, or re-exported, carry such duplicates without anyone noticing.

The split is drawn over the groups, one per distinct row in order of first appearance, stratified
on their label. Without duplicates each row is its own group and the split is exactly scikit-learn's
stratified `train_test_split` of the rows. With them `test_size` is the share of groups held out,
so the share of rows follows it closely unless a few groups are large.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split


@dataclass(frozen=True)
class Split:
    """Row indices of each side, and what the grouping found.

    `duplicate_rows` counts the rows that repeat an earlier row exactly; `duplicate_groups` the
    distinct rows that occur more than once (three copies of one row: 2 rows, 1 group).
    """

    train_rows: np.ndarray
    test_rows: np.ndarray
    duplicate_rows: int
    duplicate_groups: int


def duplicate_groups(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The group of each row: rows equal in every column of `x` and in `y` share one, and groups are
    numbered in the order their first row appears."""
    _, label_code = np.unique(y, return_inverse=True)
    keys = np.column_stack([x, label_code.astype(x.dtype)])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    renumber = np.empty(len(first), dtype=np.intp)
    renumber[np.argsort(first, kind="stable")] = np.arange(len(first))
    return renumber[inverse.reshape(-1)]


def split_rows(x: np.ndarray, y: np.ndarray, *, test_size: float, seed: int) -> Split:
    """A stratified, seeded split of the rows of (`x`, `y`) that keeps each duplicate group on one side.

    Raises scikit-learn's `ValueError` when the groups are too few to split or to stratify.
    """
    groups = duplicate_groups(x, y)
    count = int(groups.max()) + 1 if len(groups) else 0
    first_row = np.full(count, len(groups), dtype=np.intp)
    np.minimum.at(first_row, groups, np.arange(len(groups)))
    train_groups, test_groups = train_test_split(np.arange(count), test_size=test_size, random_state=seed,
                                                 stratify=y[first_row])
    sizes = np.bincount(groups, minlength=count)
    return Split(train_rows=_rows_of(groups, train_groups), test_rows=_rows_of(groups, test_groups),
                 duplicate_rows=int(len(groups) - count), duplicate_groups=int(np.sum(sizes > 1)))


def _rows_of(groups: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The rows of the `chosen` groups, in the order the groups were chosen (rows of one group in
    table order), so a split without duplicates keeps scikit-learn's order and the model's fit."""
    position = np.full(int(groups.max()) + 1, -1, dtype=np.intp)
    position[chosen] = np.arange(len(chosen))
    rows = np.flatnonzero(position[groups] >= 0)
    return rows[np.argsort(position[groups[rows]], kind="stable")]
