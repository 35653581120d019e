"""A realistic minimized dataset (demo patients through the real contract) and table helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from secure_mlops.privacy import DataContract, load_contract
from secure_mlops.validation import DatasetProfile, profile_dataset
from tests.support.data import minimized_patients
from tests.support.paths import PATIENTS

ROWS = 569


def _with_values(table: pa.Table, column: str, values: dict[int, Any],
                 type: pa.DataType | None = None) -> pa.Table:
    """`table` with the given rows of `column` replaced (row index -> new value)."""
    current = table.column(column).to_pylist()
    for row, value in values.items():
        current[row] = value
    index = table.schema.get_field_index(column)
    array = pa.array(current, type=type or table.schema.field(index).type)
    return table.set_column(index, pa.field(column, array.type), array)


@pytest.fixture(scope="session")
def contract() -> DataContract:
    return load_contract(PATIENTS)


@pytest.fixture(scope="session")
def patients(tmp_path_factory: pytest.TempPathFactory, contract: DataContract) -> pa.Table:
    """569 minimized patients: the accepted dataset of the tests."""
    return pq.read_table(minimized_patients(tmp_path_factory.mktemp("patients"), ROWS, 7, contract))


@pytest.fixture(scope="session")
def other_sample(tmp_path_factory: pytest.TempPathFactory, contract: DataContract) -> pa.Table:
    """450 of the same patients drawn with another seed: a new extract, not drifted."""
    return pq.read_table(minimized_patients(tmp_path_factory.mktemp("sample"), 450, 8, contract))


@pytest.fixture(scope="session")
def reference(patients: pa.Table, contract: DataContract) -> DatasetProfile:
    return profile_dataset(patients, contract)


@pytest.fixture
def with_values() -> Callable[..., pa.Table]:
    """`with_values(table, column, {row: value}, type=None)`: a copy with those cells replaced."""
    return _with_values
