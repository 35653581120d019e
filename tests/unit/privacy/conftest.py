"""Shared test data for the privacy tests; the HMAC service is the in-memory fake."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from faker import Faker

from secure_mlops.privacy import DataContract, parse_contract
from tests.support.fakes import OTHER_HMAC_KEY, FakeHmacService

# k = 1 here: tests about k-anonymity raise it through `minimize_file(..., k=...)`.
CONTRACT_YAML = """\
name: test-patients
version: "1"
k_anonymity:
  k: 1
columns:
  - name: patient_id
    type: string
    classification: direct_identifier
    action: pseudonymize
  - name: full_name
    type: string
    classification: direct_identifier
    action: drop
  - name: ssn
    type: string
    classification: direct_identifier
    action: mask
    params: {keep_last: 4}
  - name: date_of_birth
    type: date
    classification: quasi_identifier
    action: generalize
    params: {to: year}
  - name: postcode
    type: string
    classification: quasi_identifier
    action: generalize
    params: {keep_chars: 3}
  - name: age
    type: integer
    classification: quasi_identifier
    action: generalize
    params: {bucket: 10}
  - name: sex
    type: string
    classification: quasi_identifier
    action: keep
  - name: mean_radius
    type: float
    classification: feature
    action: keep
  - name: diagnosis
    type: string
    classification: label
    action: keep
"""

COLUMNS = ["patient_id", "full_name", "ssn", "date_of_birth", "postcode", "age", "sex",
           "mean_radius", "diagnosis"]

Rows = list[dict[str, str]]


@pytest.fixture
def hmac_service() -> FakeHmacService:
    return FakeHmacService()


@pytest.fixture
def other_hmac_service() -> FakeHmacService:
    return FakeHmacService(OTHER_HMAC_KEY)


@pytest.fixture
def contract_yaml() -> str:
    return CONTRACT_YAML


@pytest.fixture
def contract() -> DataContract:
    return parse_contract(CONTRACT_YAML, source="test.contract.yaml")


@pytest.fixture
def make_patients() -> Callable[..., Rows]:
    """Seeded fake patients; quasi-identifiers come from small pools so groups are large."""

    def make(n: int, *, seed: int = 0) -> Rows:
        fake = Faker()
        fake.seed_instance(seed)
        rows = []
        for i in range(n):
            born = fake.date_between_dates(dt.date(1980, 1, 1), dt.date(1981, 12, 31))
            rows.append({
                "patient_id": f"P{seed:02d}{i:06d}",
                "full_name": fake.name(),
                "ssn": fake.ssn(),
                "date_of_birth": born.isoformat(),
                "postcode": fake.random_element(["10115", "10117"]),
                "age": str(fake.random_int(40, 49)),
                "sex": fake.random_element(["F", "M"]),
                "mean_radius": f"{fake.pyfloat(min_value=6, max_value=28, right_digits=3):.3f}",
                "diagnosis": fake.random_element(["malignant", "benign"]),
            })
        return rows

    return make


@pytest.fixture
def write_csv() -> Callable[..., Path]:
    def write(path: Path, rows: Rows, columns: Sequence[str] = COLUMNS) -> Path:
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else list(columns))
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write

