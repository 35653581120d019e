"""Aggregate profile of an accepted dataset: the reference that later datasets are compared with.

What a profile may hold, so that storing it next to the model leaks nothing about a person:

- the row count;
- for numeric features and labels (without `allowed_values`): the inner edges of quantile bins
  and the share of rows in each bin. Bin edges are aggregates of non-identifying columns;
- for the same columns, the observed range, rounded outward to two significant digits so that
  it does not record any one row's exact value (the inference service derives its input bounds
  from it where the contract sets none);
- for columns with `allowed_values`: the share of rows per allowed value (the values come from
  the contract, not the data), plus the share outside the set.

Quasi-identifiers, sensitive and pseudonymized columns get no bin edges, and no individual
value, pseudonym or category seen in the data is ever stored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, model_validator

from secure_mlops.privacy.contract import (
    Action,
    Classification,
    Column,
    ColumnType,
    DataContract,
    Scalar,
)

BINS = 10
_BINNED = (Classification.FEATURE, Classification.LABEL)
_NUMERIC = (ColumnType.INTEGER, ColumnType.FLOAT)

Share = float  # a proportion of the dataset's rows, in [0, 1]


class ColumnProfile(BaseModel):
    """The distribution of one column as shares of rows.

    numeric: `proportions[i]` is the share in bin i of `edges` (bins are [e(i-1), e(i)), open at
    both ends); categorical: one share per entry of `categories`, then the share outside them.
    Null (and NaN) rows are in `null_proportion`, so all shares add up to 1.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: Literal["numeric", "categorical"]
    edges: list[FiniteFloat] = []
    low: FiniteFloat | None = None
    high: FiniteFloat | None = None
    categories: list[str] = []
    proportions: list[Share]
    null_proportion: Share = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _check_shape(self) -> ColumnProfile:
        # Profiles are read back from storage: refuse one that cannot be compared correctly.
        if self.kind == "numeric":
            if self.categories or len(self.proportions) != len(self.edges) + 1:
                raise ValueError("a numeric profile has one proportion per bin of its edges")
            if any(low >= high for low, high in zip(self.edges, self.edges[1:], strict=False)):
                raise ValueError("bin edges must be strictly increasing")
            if self.low is not None and self.high is not None and self.low > self.high:
                raise ValueError("the observed range's low end is above its high end")
        elif (self.edges or self.low is not None or self.high is not None
              or len(self.proportions) != len(self.categories) + 1):
            raise ValueError("a categorical profile has one proportion per category, then other")
        if any(not 0 <= share <= 1 for share in self.proportions):
            raise ValueError("proportions must lie in [0, 1]")
        return self


class DatasetProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    contract_name: str
    contract_version: str
    contract_sha256: str
    row_count: int = Field(ge=0)
    columns: list[ColumnProfile]

    def column(self, name: str) -> ColumnProfile | None:
        return next((c for c in self.columns if c.name == name), None)


def profile_dataset(table: pa.Table, contract: DataContract) -> DatasetProfile:
    """Profile the contract's profiled columns present in `table` with a type that fits.

    A missing or mistyped column is left out rather than failing: the schema and type checks
    report it, and a dataset that fails them is never used as a reference.
    """
    columns = []
    for column in contract.columns:
        if column.action is Action.DROP or table.schema.get_field_index(column.name) < 0:
            continue
        values = table.column(column.name)
        if column.allowed_values is not None:
            profile = _categorical(column, values)
        elif column.classification in _BINNED and column.type in _NUMERIC:
            profile = _numeric(column.name, values)
        else:
            continue
        if profile is not None:
            columns.append(profile)
    return DatasetProfile(contract_name=contract.name, contract_version=contract.version,
                          contract_sha256=contract.digest(), row_count=table.num_rows,
                          columns=columns)


def contract_text(value: Scalar) -> str:
    """A value from the contract (bound, allowed value) as text; names categories in profiles."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def numeric_shares(values: pa.ChunkedArray, edges: list[float]) -> tuple[list[Share], Share]:
    """Shares of rows per bin of `edges`, and the share of null or NaN rows."""
    return _bin_shares(_as_floats(values), edges)


def _bin_shares(numbers: np.ndarray, edges: list[float]) -> tuple[list[Share], Share]:
    total = len(numbers)
    if total == 0:
        return [0.0] * (len(edges) + 1), 0.0
    missing = np.isnan(numbers)
    bins = np.searchsorted(np.asarray(edges, dtype=np.float64), numbers[~missing], side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1)
    return (counts / total).tolist(), float(missing.sum() / total)


def _numeric(name: str, values: pa.ChunkedArray) -> ColumnProfile | None:
    if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
        return None
    numbers = _as_floats(values)
    finite = numbers[np.isfinite(numbers)]
    inner = np.linspace(0, 1, BINS + 1)[1:-1]
    # Ties (generalized or discrete features) repeat quantiles; repeated edges would give
    # empty bins that say nothing, so they are merged.
    edges = np.unique(np.quantile(finite, inner)).tolist() if finite.size else []
    proportions, nulls = _bin_shares(numbers, edges)
    low = _round_outward(float(finite.min()), math.floor) if finite.size else None
    high = _round_outward(float(finite.max()), math.ceil) if finite.size else None
    return ColumnProfile(name=name, kind="numeric", edges=edges, low=low, high=high,
                         proportions=proportions, null_proportion=nulls)


def _round_outward(value: float, direction: Callable[[float], int]) -> float:
    """`value` to two significant digits, rounded with `direction` (floor for a lower bound)."""
    if value == 0:
        return 0.0
    exponent = math.floor(math.log10(abs(value))) - 1
    # Built from its decimal digits: multiplying by 10.0 ** exponent would add float noise.
    return float(f"{direction(value / 10.0 ** exponent)}e{exponent}")


def _categorical(column: Column, values: pa.ChunkedArray) -> ColumnProfile | None:
    allowed = column.allowed_values or []
    try:
        value_set = pa.array(allowed, type=values.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # the column's type does not fit the contract: the type check says so
    total = len(values)
    if total == 0:
        return ColumnProfile(name=column.name, kind="categorical",
                             categories=[contract_text(v) for v in allowed],
                             proportions=[0.0] * (len(allowed) + 1), null_proportion=0.0)
    # index_in gives null for null rows and for values outside the set; null_count tells apart.
    index = pc.index_in(values, value_set=value_set).to_numpy(zero_copy_only=False)
    counts = np.bincount(index[~np.isnan(index)].astype(np.int64), minlength=len(allowed))
    nulls = values.null_count
    other = total - nulls - int(counts.sum())
    return ColumnProfile(name=column.name, kind="categorical",
                         categories=[contract_text(v) for v in allowed],
                         proportions=[*(counts / total).tolist(), other / total],
                         null_proportion=nulls / total)


def _as_floats(values: pa.ChunkedArray) -> np.ndarray:
    """The column as float64, nulls as NaN (integers up to 2**53 are exact)."""
    return values.cast(pa.float64()).to_numpy(zero_copy_only=False)
