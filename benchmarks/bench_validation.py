"""Throughput of the validation gate against a bare pandas pass over the same table.

Builds 1,000,000 rows shaped like minimization's output for the patients contract (32-hex
pseudonyms, decade dates, two categories, five float features, a label; seeded, vectorized),
profiles a second table drawn the same way as the reference, then times `validate_dataset`
(Great Expectations suite + profile + drift). The baseline, in the same run, is what any check
must at least do: the same pyarrow -> pandas conversion and one vectorized min and max per
column. Great Expectations' import is timed apart (it is paid once per process). Prints;
asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from secure_mlops.privacy import load_contract
from secure_mlops.validation import profile_dataset, validate_dataset
from secure_mlops.validation.frame import to_frame

ROWS = 1_000_000
CONTRACT = Path(__file__).resolve().parents[1] / "policies/data/patients.contract.yaml"
HEX = np.frombuffer(b"0123456789abcdef", dtype="S1")
FEATURES = {  # column -> (mean, sd) of the breast-cancer features
    "mean_radius": (14.1, 3.5),
    "mean_texture": (19.3, 4.3),
    "mean_perimeter": (92.0, 24.3),
    "mean_area": (655.0, 352.0),
}


def pseudonyms(rng: np.random.Generator, n: int) -> pa.Array:
    """n random 32-hex strings, built from nibbles without a Python loop."""
    nibbles = rng.integers(0, 16, (n, 32), dtype=np.uint8)
    return pa.array(HEX[nibbles].view("S32").ravel()).cast(pa.string())


def make_table(seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    decades = [dt.date(year, 1, 1) for year in range(1930, 2010, 10)]
    columns: dict[str, pa.Array] = {
        "patient_id": pseudonyms(rng, ROWS),
        "date_of_birth": pa.array(decades, pa.date32()).take(rng.integers(0, len(decades), ROWS)),
        "sex": pa.array(["F", "M"]).take(pa.array((rng.random(ROWS) < 0.15).astype(np.int8))),
    }
    for name, (mean, sd) in FEATURES.items():
        columns[name] = pa.array(np.abs(rng.normal(mean, sd, ROWS)))
    columns["mean_smoothness"] = pa.array(rng.beta(9, 90, ROWS))
    labels = pa.array(["malignant", "benign"])
    columns["diagnosis"] = labels.take(pa.array((rng.random(ROWS) < 0.63).astype(np.int8)))
    return pa.table(columns)


def baseline(table: pa.Table) -> None:
    frame = to_frame(table)
    for name in frame.columns:
        frame[name].min()
        frame[name].max()


def main() -> None:
    contract = load_contract(CONTRACT)
    started = time.perf_counter()
    table, other = make_table(1), make_table(2)
    print(f"generated 2 x {ROWS:,} rows x {table.num_columns} columns in "
          f"{time.perf_counter() - started:.1f} s ({table.nbytes / 1e6:.0f} MB in Arrow)")

    started = time.perf_counter()
    validate_dataset(table.slice(0, 10), contract)  # imports Great Expectations
    imported = time.perf_counter() - started

    started = time.perf_counter()
    reference = profile_dataset(other, contract)
    profiled = time.perf_counter() - started

    started = time.perf_counter()
    baseline(table)
    base = time.perf_counter() - started

    started = time.perf_counter()
    result = validate_dataset(table, contract, reference=reference)
    gate = time.perf_counter() - started

    print(f"great_expectations import + first small run : {imported:6.2f} s (once per process)")
    print(f"profile (reference)                         : {profiled:6.2f} s "
          f"{ROWS / profiled:12,.0f} rows/s")
    print(f"baseline  to pandas + min/max per column    : {base:6.2f} s {ROWS / base:12,.0f} rows/s")
    print(f"validate  suite + profile + drift           : {gate:6.2f} s {ROWS / gate:12,.0f} rows/s")
    print(f"ratio validate / baseline                   : {gate / base:6.1f}x slower")
    print(f"{result.summary()}; {sum(c.name != 'drift' for c in result.checks)} contract checks, "
          f"{sum(c.name == 'drift' for c in result.checks)} drift checks")


if __name__ == "__main__":
    main()
