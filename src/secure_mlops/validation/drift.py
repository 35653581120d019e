"""Drift checks against the profile of the last accepted dataset (data-poisoning defence).

Per profiled column, the population stability index (PSI) between the reference's shares and
this dataset's shares over the same bins: sum((a - e) * ln(a / e)). Numeric columns are binned
with the reference's edges, categorical ones compared category by category. Common reading:
below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a major one. The label is profiled
like a feature, so a shift of the class balance is drift too. The row count is compared as a
ratio to the reference's.

Columns in the reference but missing here are left to the schema check; columns profiled here
but absent from the reference (a newer contract) have nothing to be compared with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from secure_mlops.validation.profile import ColumnProfile, DatasetProfile, numeric_shares
from secure_mlops.validation.result import Check

# Floor for empty bins: keeps ln(a / e) finite; one in ten thousand is the usual choice.
_FLOOR = 1e-4


def population_stability_index(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI of two distributions given as shares over the same bins (each summing to about 1)."""
    if len(expected) != len(actual):
        raise ValueError("both distributions need the same bins")
    e = np.maximum(np.asarray(expected, dtype=np.float64), _FLOOR)
    a = np.maximum(np.asarray(actual, dtype=np.float64), _FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def drift_checks(
    table: pa.Table,
    current: DatasetProfile,
    reference: DatasetProfile,
    *,
    psi_threshold: float,
    row_ratio_bounds: tuple[float, float] | None,
) -> list[Check]:
    """One check for the row-count ratio (unless `row_ratio_bounds` is None), then one PSI check
    per column of the reference. A reference made under another contract (name or version) is one
    failed check: its columns and bins are not this dataset's, so nothing could be compared."""
    if (reference.contract_name, reference.contract_version) != (current.contract_name, current.contract_version):
        return [Check(name="drift", success=False,
                      detail=f"the reference profiles {reference.contract_name} {reference.contract_version}, not "
                             f"{current.contract_name} {current.contract_version}: give this contract's own reference "
                             "or none")]
    checks = [] if row_ratio_bounds is None else [_row_ratio(current.row_count, reference.row_count, row_ratio_bounds)]
    for ref in reference.columns:
        shares = _shares(table, current, ref)
        if shares is None:
            continue
        expected, actual = shares
        psi = population_stability_index(expected, actual)
        passed = psi <= psi_threshold
        checks.append(Check(name="drift", column=ref.name, success=passed, statistic=round(psi, 4),
                            detail=f"PSI {psi:.2f} {'<=' if passed else '>'} {psi_threshold:g}"))
    return checks


def _row_ratio(rows: int, reference_rows: int, bounds: tuple[float, float]) -> Check:
    low, high = bounds
    if reference_rows == 0:
        return Check(name="drift", success=False,
                     detail=f"rows {rows} vs an empty reference: no ratio")
    ratio = rows / reference_rows
    passed = low <= ratio <= high
    return Check(name="drift", success=passed, statistic=round(ratio, 4),
                 detail=f"rows {rows} vs {reference_rows} in reference, ratio {ratio:.2f} "
                        f"{'within' if passed else 'outside'} [{low:g}, {high:g}]")


def _shares(table: pa.Table, current: DatasetProfile,
            ref: ColumnProfile) -> tuple[list[float], list[float]] | None:
    """(reference shares, current shares) over the same bins, null share last; None when this
    dataset has no comparable column."""
    if ref.kind == "numeric":
        if table.schema.get_field_index(ref.name) < 0:
            return None
        values = table.column(ref.name)
        if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
            return None
        proportions, nulls = numeric_shares(values, ref.edges)
        return [*ref.proportions, ref.null_proportion], [*proportions, nulls]
    now = current.column(ref.name)
    if now is None or now.kind != "categorical":
        return None
    # Match categories by name: a contract may have added or removed allowed values since.
    # proportions end with the share outside the categories: zip stops before it on purpose.
    before = dict(zip(ref.categories, ref.proportions, strict=False))
    after = dict(zip(now.categories, now.proportions, strict=False))
    names = list(dict.fromkeys([*ref.categories, *now.categories]))
    return ([*(before.get(n, 0.0) for n in names), ref.proportions[-1], ref.null_proportion],
            [*(after.get(n, 0.0) for n in names), now.proportions[-1], now.null_proportion])
