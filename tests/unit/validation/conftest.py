"""A realistic minimized dataset (demo patients through the real contract) and table helpers."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from secure_mlops.demo_data import generate_patients
from secure_mlops.privacy import DataContract, load_contract, minimize_file
from secure_mlops.validation import DatasetProfile, profile_dataset

CONTRACT_PATH = Path(__file__).resolve().parents[3] / "policies/data/patients.contract.yaml"
ROWS = 569


class FakeHmacService:
    """HmacService over Python's hmac with an in-memory key."""

    def hmac_many(self, values: Sequence[bytes]) -> list[bytes]:
        return [hmac.new(b"k" * 32, v, hashlib.sha256).digest() for v in values]


def minimized_patients(tmp: Path, contract: DataContract, rows: int, seed: int) -> pa.Table:
    raw, out = tmp / f"raw-{rows}-{seed}.parquet", tmp / f"min-{rows}-{seed}.parquet"
    pq.write_table(generate_patients(rows, seed), raw)
    minimize_file(contract, raw, out, FakeHmacService())
    return pq.read_table(out)


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
    return load_contract(CONTRACT_PATH)


@pytest.fixture(scope="session")
def patients(tmp_path_factory: pytest.TempPathFactory, contract: DataContract) -> pa.Table:
    """569 minimized patients: the accepted dataset of the tests."""
    return minimized_patients(tmp_path_factory.mktemp("patients"), contract, ROWS, seed=7)


@pytest.fixture(scope="session")
def other_sample(tmp_path_factory: pytest.TempPathFactory, contract: DataContract) -> pa.Table:
    """450 of the same patients drawn with another seed: a new extract, not drifted."""
    return minimized_patients(tmp_path_factory.mktemp("sample"), contract, 450, seed=8)


@pytest.fixture(scope="session")
def reference(patients: pa.Table, contract: DataContract) -> DatasetProfile:
    return profile_dataset(patients, contract)


@pytest.fixture
def with_values() -> Callable[..., pa.Table]:
    """`with_values(table, column, {row: value}, type=None)`: a copy with those cells replaced."""
    return _with_values
