"""The validation gate against data poisoning and drift: a Great Expectations suite derived
from the data contract, then drift checks (PSI, row count) against the profile of the last
accepted dataset. Results, reports and errors carry column names, counts and statistics, never
a value from the data, and the gate judges a dataset without ever repairing it.

    result = validate_dataset(table, contract, reference=previous_profile)
    html = render_html(result, title="patients 1.0.0")
    raise_for_failures(result)

Great Expectations (and pandas) are imported on first use, never with this package (they take
seconds).
"""

from __future__ import annotations

from secure_mlops.errors import ValidationFailed
from secure_mlops.validation.drift import population_stability_index
from secure_mlops.validation.gate import raise_for_failures, validate_dataset
from secure_mlops.validation.profile import ColumnProfile, DatasetProfile, profile_dataset
from secure_mlops.validation.report import render_html
from secure_mlops.validation.result import Check, ValidationResult
from secure_mlops.validation.suite import PSEUDONYM_PATTERN, build_suite

__all__ = [
    "PSEUDONYM_PATTERN",
    "Check",
    "ColumnProfile",
    "DatasetProfile",
    "ValidationFailed",
    "ValidationResult",
    "build_suite",
    "population_stability_index",
    "profile_dataset",
    "raise_for_failures",
    "render_html",
    "validate_dataset",
]
