"""The validation gate: contract expectations, then drift against the last accepted dataset.

    result = validate_dataset(table, contract, reference=last_accepted_profile)
    raise_for_failures(result)          # ValidationFailed with the one-line summary
    store(result.profile)               # the reference for the next run

The gate answers data poisoning: a dataset with the wrong columns, values out of range or out
of their set, identifiers not pseudonymized, or distributions and volumes far from the last
accepted dataset stops the pipeline before training. Results name columns and hold counts and
statistics; no value from the data is in them.
"""

from __future__ import annotations

import math

import pyarrow as pa

from secure_mlops.errors import InputError, ValidationFailed
from secure_mlops.privacy.contract import DataContract
from secure_mlops.validation.drift import drift_checks
from secure_mlops.validation.profile import DatasetProfile, profile_dataset
from secure_mlops.validation.result import ValidationResult
from secure_mlops.validation.run import run_suite
from secure_mlops.validation.suite import build_suite


def validate_dataset(
    table: pa.Table,
    contract: DataContract,
    *,
    reference: DatasetProfile | None = None,
    min_rows: int = 1,
    max_rows: int | None = None,
    psi_threshold: float = 0.2,
    row_ratio_bounds: tuple[float, float] | None = (0.5, 2.0),
) -> ValidationResult:
    """Check a minimized dataset against its contract and, given a reference profile, for drift.

    `row_ratio_bounds` None leaves the row count out of the drift checks: a part of a dataset (a
    shard) cannot be compared with the reference, which profiles a whole one.

    `table` is minimization's output (the contract's kept columns). Raises `InputError` for bad
    arguments only; a failing dataset is a result with `success` False (see
    `raise_for_failures`).
    """
    if not (math.isfinite(psi_threshold) and psi_threshold > 0):
        raise InputError(f"psi_threshold must be a positive number, not {psi_threshold}")
    if row_ratio_bounds is not None and not 0 < row_ratio_bounds[0] <= 1 <= row_ratio_bounds[1]:
        raise InputError(f"row_ratio_bounds must satisfy 0 < low <= 1 <= high, not {row_ratio_bounds}")
    checks = run_suite(table, build_suite(contract, min_rows=min_rows, max_rows=max_rows))
    profile = profile_dataset(table, contract)
    if reference is not None:
        checks += drift_checks(table, profile, reference, psi_threshold=psi_threshold,
                               row_ratio_bounds=row_ratio_bounds)
    return ValidationResult(checks=checks, profile=profile)


def raise_for_failures(result: ValidationResult) -> None:
    """Raise `ValidationFailed` (exit code 9) with the result's one-line summary if it failed."""
    if not result.success:
        raise ValidationFailed(result.summary(),
                               hint="see the validation report for every check")
