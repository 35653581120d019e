"""Synthetic patient extracts for demos and tests: real diagnostic features, fake identities.

The features and labels are scikit-learn's bundled breast-cancer dataset (no download); the
identities come from a seeded Faker, so the same seed gives the same file. More rows than the
dataset has are drawn with replacement and jittered, for scale tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from secure_mlops.errors import InputError

# Contract column -> breast-cancer feature name.
FEATURES = {
    "mean_radius": "mean radius",
    "mean_texture": "mean texture",
    "mean_perimeter": "mean perimeter",
    "mean_area": "mean area",
    "mean_smoothness": "mean smoothness",
}
# Few enough birth decades and a sex ratio that keep every (decade, sex) group above k=5 for a
# few hundred rows, as a real extract would be after the contract's generalization.
BIRTH_YEARS = (1950, 1989)
SHARE_FEMALE = 0.85
JITTER = 0.01


def generate_patients(rows: int = 569, seed: int = 7) -> pa.Table:
    """A hospital-like extract: direct identifiers, quasi-identifiers, features, a label, and a
    free-text note that no contract lists (so minimization drops it)."""
    if rows < 1:
        raise InputError("--rows must be at least 1")
    from faker import Faker
    from sklearn.datasets import load_breast_cancer

    rng = np.random.default_rng(seed)
    bundle = load_breast_cancer()
    available = len(bundle.target)
    picks = rng.permutation(available)[:rows] if rows <= available else rng.integers(0, available, rows)
    names = list(bundle.feature_names)
    features = bundle.data[picks][:, [names.index(f) for f in FEATURES.values()]]
    if rows > len(bundle.target):
        features = np.clip(features * rng.normal(1.0, JITTER, features.shape), 0, None)
    features[:, -1] = np.clip(features[:, -1], 0, 1)  # smoothness is a ratio

    fake = Faker("en_US")
    fake.seed_instance(seed)
    full_names = [fake.name() for _ in range(rows)]
    start, end = (dt.date(y, m, d) for y, m, d in ((BIRTH_YEARS[0], 1, 1), (BIRTH_YEARS[1], 12, 31)))
    columns: dict[str, list | np.ndarray] = {
        "patient_id": [f"P{seed:03d}-{i:07d}" for i in range(rows)],
        "full_name": full_names,
        "email": [fake.email() for _ in range(rows)],
        "ssn": [fake.ssn() for _ in range(rows)],
        "phone": [fake.phone_number() for _ in range(rows)],
        "date_of_birth": [fake.date_between(start, end) for _ in range(rows)],
        "sex": np.where(rng.random(rows) < SHARE_FEMALE, "F", "M"),
        "postcode": [fake.postcode() for _ in range(rows)],
        "address": [fake.street_address() + ", " + fake.city() for _ in range(rows)],
        "referral_note": [f"Referred by Dr. {fake.last_name()} for {n}" for n in full_names],
    }
    for i, column in enumerate(FEATURES):
        columns[column] = features[:, i]
    columns["diagnosis"] = np.array(["malignant", "benign"])[bundle.target[picks]]
    return pa.table({name: pa.array(values) for name, values in columns.items()})


def write_patients(path: Path, rows: int = 569, seed: int = 7) -> Path:
    """Write the extract to `path`, atomically, as CSV or Parquet by its suffix (.csv, .parquet)."""
    suffix = path.suffix.lower()
    if suffix not in _WRITERS:
        raise InputError(f"{path.name}: cannot tell the format from the suffix",
                         hint=f"end the name with {' or '.join(_WRITERS)}")
    return _write(path, suffix, rows, seed)


def write_patients_csv(path: Path, rows: int = 569, seed: int = 7) -> Path:
    """Write the extract to `path` as CSV, whatever its suffix, atomically."""
    return _write(path, ".csv", rows, seed)


def write_patients_to(stream: BinaryIO, rows: int = 569, seed: int = 7) -> None:
    """Write the extract to an open stream (stdout) as CSV."""
    _WRITERS[".csv"](generate_patients(rows, seed), stream)


def _write(path: Path, suffix: str, rows: int, seed: int) -> Path:
    from secure_mlops.storage import atomic_output

    with atomic_output(path) as handle:
        _WRITERS[suffix](generate_patients(rows, seed), handle)
    return path


def _csv(table: pa.Table, handle: BinaryIO) -> None:
    from pyarrow import csv

    csv.write_csv(table, handle)


def _parquet(table: pa.Table, handle: BinaryIO) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, handle)


_WRITERS: dict[str, Callable[[pa.Table, BinaryIO], None]] = {".csv": _csv, ".parquet": _parquet}
