"""Demo data minimized as the pipeline does it (fake HMAC service), and one trained model."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from secure_mlops.demo_data import generate_patients
from secure_mlops.privacy import DataContract, load_contract
from secure_mlops.training import TrainResult, train_model
from tests.support.data import minimized_patients
from tests.support.paths import PATIENTS

ROWS = 569
DATA_SEED = 7


@pytest.fixture(scope="session")
def contract() -> DataContract:
    return load_contract(PATIENTS)


@pytest.fixture(scope="session")
def raw_table() -> pa.Table:
    return generate_patients(ROWS, DATA_SEED)


@pytest.fixture(scope="session")
def minimized_path(tmp_path_factory: pytest.TempPathFactory, contract: DataContract) -> Path:
    return minimized_patients(tmp_path_factory.mktemp("training-data"), ROWS, DATA_SEED, contract)


@pytest.fixture(scope="session")
def table(minimized_path: Path) -> pa.Table:
    return pq.read_table(minimized_path)


@pytest.fixture(scope="session")
def trained(table: pa.Table, contract: DataContract) -> TrainResult:
    return train_model(table, contract, seed=0)
