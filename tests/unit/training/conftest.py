"""Demo data minimized as the pipeline does it (fake HMAC service), and one trained model."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyarrow import csv

from secure_mlops.demo_data import generate_patients
from secure_mlops.privacy import DataContract, load_contract, minimize_file
from secure_mlops.training import TrainResult, train_model

CONTRACT_PATH = Path(__file__).parents[3] / "policies" / "data" / "patients.contract.yaml"
ROWS = 569
DATA_SEED = 7


class FakeHmacService:
    """HmacService over Python's hmac with an in-memory key."""

    def hmac_many(self, values: Sequence[bytes]) -> list[bytes]:
        return [hmac.new(b"k" * 32, v, hashlib.sha256).digest() for v in values]


@pytest.fixture(scope="session")
def contract() -> DataContract:
    return load_contract(CONTRACT_PATH)


@pytest.fixture(scope="session")
def raw_table() -> pa.Table:
    return generate_patients(ROWS, DATA_SEED)


@pytest.fixture(scope="session")
def minimized_path(tmp_path_factory: pytest.TempPathFactory, contract: DataContract,
                   raw_table: pa.Table) -> Path:
    directory = tmp_path_factory.mktemp("training-data")
    csv.write_csv(raw_table, directory / "patients.csv")
    minimize_file(contract, directory / "patients.csv", directory / "patients.parquet",
                  FakeHmacService())
    return directory / "patients.parquet"


@pytest.fixture(scope="session")
def table(minimized_path: Path) -> pa.Table:
    return pq.read_table(minimized_path)


@pytest.fixture(scope="session")
def trained(table: pa.Table, contract: DataContract) -> TrainResult:
    return train_model(table, contract, seed=0)
