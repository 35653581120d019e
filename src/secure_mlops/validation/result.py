"""What the validation gate found: named checks with counts, never a value from the data.

Every `detail` is built by this package from counts, ratios, statistics and the contract's own
bounds; nothing in a result is copied from a Great Expectations result, whose other result
formats carry sample values (PII) of the failing rows.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, computed_field

from secure_mlops.validation.profile import DatasetProfile

# Failures named in the one-line summary; the rest are counted, so the line stays readable.
SUMMARY_FAILURES = 5


class Check(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str  # schema, row_count, type, not_null, range, allowed_values, pattern, drift, ...
    column: str | None = None  # None for checks of the whole table
    success: bool
    detail: str  # counts, ratios and statistics only, e.g. "12 of 569 rows outside [0, 1]"
    statistic: float | None = None  # the measured number of a drift check (PSI, row ratio)

    def label(self) -> str:
        """Short name of the check for the summary line: 'mean_radius: range'."""
        if self.name == "drift" and self.column is not None:
            return f"drift: {self.column} {self.detail}"
        if self.column is None:
            return f"{self.name}: {self.detail}"
        return f"{self.column}: {self.name}"


class ValidationResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    checks: list[Check]
    profile: DatasetProfile  # of this dataset: the next drift reference once it is accepted

    @computed_field  # type: ignore[prop-decorator]
    @property
    def success(self) -> bool:
        return all(check.success for check in self.checks)

    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.success]

    def summary(self) -> str:
        """One line: 'validation failed: 3 of 41 checks (mean_radius: range; ...)'."""
        failures = self.failures()
        if not failures:
            return f"validation passed: {len(self.checks)} checks"
        named = [check.label() for check in failures[:SUMMARY_FAILURES]]
        if len(failures) > SUMMARY_FAILURES:
            named.append(f"and {len(failures) - SUMMARY_FAILURES} more")
        # Labels hold column names from the file: keep the summary on one line whatever they are.
        line = "; ".join(named).replace("\n", " ").replace("\r", " ")
        return f"validation failed: {len(failures)} of {len(self.checks)} checks ({line})"
