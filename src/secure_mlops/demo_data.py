"""Synthetic patient extracts for demos and tests: real diagnostic features, fake identities.

The features and labels are scikit-learn's bundled breast-cancer dataset (no download); the
identities come from a seeded Faker, so the same seed gives the same file. More rows than the
dataset has are drawn with replacement and jittered, for scale tests.

Shards of one demo (`part` of `parts`) draw from disjoint slices of the dataset: the slices are cut
from one fixed shuffle of its rows, whatever the seed, so no feature row appears in two shards. Two
shards drawn from the same rows would put exact twins of held-out rows into the training set and
inflate both the held-out metrics and the membership audit's view of the model.
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
SOURCE_ROWS = 569  # rows in scikit-learn's breast-cancer dataset
# Births in four decades and 15% men. Each sex is dealt evenly round the decades (not drawn at
# random), so the smallest (decade, sex) group the patients contract generalizes to grows with the
# extract: drawn at random, 200 rows fell below k = 5 for about a third of the seeds, and the demo
# failed for a reason that had nothing to do with the code.
BIRTH_DECADES = (1950, 1960, 1970, 1980)
SHARE_FEMALE = 0.85
# The fewest rows whose smallest (decade, sex) group reaches k = 5: 20 men over 4 decades.
K_ANONYMOUS_FROM_ROWS = 130
JITTER = 0.01
# Fixed, unlike `seed`: every shard of a demo must cut its slice from the same shuffle.
_PARTITION_SEED = 20_240_569


def generate_patients(rows: int = SOURCE_ROWS, seed: int = 7, *, part: int = 0, parts: int = 1) -> pa.Table:
    """A hospital-like extract: direct identifiers, quasi-identifiers, features, a label, and a
    free-text note that no contract lists (so minimization drops it).

    With `parts` > 1 the features come from slice `part` of the dataset only (see the module
    docstring); more rows than the slice holds are resampled from it with jitter.
    """
    if rows < 1:
        raise InputError("--rows must be at least 1")
    from faker import Faker
    from sklearn.datasets import load_breast_cancer

    rng = np.random.default_rng(seed)
    bundle = load_breast_cancer()
    pool = source_rows(part, parts)
    picks = rng.permutation(pool)[:rows] if rows <= len(pool) else pool[rng.integers(0, len(pool), rows)]
    names = list(bundle.feature_names)
    features = bundle.data[picks][:, [names.index(f) for f in FEATURES.values()]]
    if rows > len(pool):
        features = np.clip(features * rng.normal(1.0, JITTER, features.shape), 0, None)
    features[:, -1] = np.clip(features[:, -1], 0, 1)  # smoothness is a ratio
    sex, decade = _quasi_identifiers(rng, rows)

    fake = Faker("en_US")
    fake.seed_instance(seed)
    full_names = [fake.name() for _ in range(rows)]
    columns: dict[str, list | np.ndarray] = {
        "patient_id": [f"P{seed:03d}-{i:07d}" for i in range(rows)],
        "full_name": full_names,
        "email": [fake.email() for _ in range(rows)],
        "ssn": [fake.ssn() for _ in range(rows)],
        "phone": [fake.phone_number() for _ in range(rows)],
        "date_of_birth": [fake.date_between(dt.date(int(d), 1, 1), dt.date(int(d) + 9, 12, 31)) for d in decade],
        "sex": sex,
        "postcode": [fake.postcode() for _ in range(rows)],
        "address": [fake.street_address() + ", " + fake.city() for _ in range(rows)],
        "referral_note": [f"Referred by Dr. {fake.last_name()} for {n}" for n in full_names],
    }
    for i, column in enumerate(FEATURES):
        columns[column] = features[:, i]
    columns["diagnosis"] = np.array(["malignant", "benign"])[bundle.target[picks]]
    return pa.table({name: pa.array(values) for name, values in columns.items()})


def source_rows(part: int = 0, parts: int = 1) -> np.ndarray:
    """Indices of the dataset rows that shard `part` of `parts` draws from: disjoint across parts,
    together every row, sizes differing by one at most (569 rows in 2 parts: 285 and 284)."""
    if not 1 <= parts <= SOURCE_ROWS:
        raise InputError(f"parts must be between 1 and {SOURCE_ROWS}, not {parts}")
    if not 0 <= part < parts:
        raise InputError(f"part must be between 0 and {parts - 1}, not {part}")
    if parts == 1:
        return np.arange(SOURCE_ROWS)  # the whole dataset in its own order: one extract as before
    order = np.random.default_rng(_PARTITION_SEED).permutation(SOURCE_ROWS)
    return np.sort(np.array_split(order, parts)[part])


def _quasi_identifiers(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Sex and birth decade per row: exact shares, each sex dealt round the decades, rows shuffled."""
    men = round(rows * (1 - SHARE_FEMALE))
    sex = np.array(["M"] * men + ["F"] * (rows - men))
    decades = np.array(BIRTH_DECADES)
    decade = np.concatenate([decades[np.arange(men) % len(decades)], decades[np.arange(rows - men) % len(decades)]])
    order = rng.permutation(rows)
    return sex[order], decade[order]


def write_patients(path: Path, rows: int = SOURCE_ROWS, seed: int = 7) -> Path:
    """Write the extract to `path`, atomically, as CSV or Parquet by its suffix (.csv, .parquet)."""
    suffix = path.suffix.lower()
    if suffix not in _WRITERS:
        raise InputError(f"{path.name}: cannot tell the format from the suffix",
                         hint=f"end the name with {' or '.join(_WRITERS)}")
    return _write(path, suffix, rows, seed)


def write_patients_csv(path: Path, rows: int = SOURCE_ROWS, seed: int = 7, *, part: int = 0, parts: int = 1) -> Path:
    """Write the extract (`part` of `parts`, see `generate_patients`) to `path` as CSV, whatever its
    suffix, atomically."""
    return _write(path, ".csv", rows, seed, part=part, parts=parts)


def write_patients_to(stream: BinaryIO, rows: int = SOURCE_ROWS, seed: int = 7) -> None:
    """Write the extract to an open stream (stdout) as CSV."""
    _WRITERS[".csv"](generate_patients(rows, seed), stream)


def _write(path: Path, suffix: str, rows: int, seed: int, *, part: int = 0, parts: int = 1) -> Path:
    from secure_mlops.storage import atomic_output

    table = generate_patients(rows, seed, part=part, parts=parts)  # before the file is opened: errors leave none
    with atomic_output(path) as handle:
        _WRITERS[suffix](table, handle)
    return path


def _csv(table: pa.Table, handle: BinaryIO) -> None:
    from pyarrow import csv

    csv.write_csv(table, handle)


def _parquet(table: pa.Table, handle: BinaryIO) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, handle)


_WRITERS: dict[str, Callable[[pa.Table, BinaryIO], None]] = {".csv": _csv, ".parquet": _parquet}
