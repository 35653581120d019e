"""Cost of training through `secure_mlops.training` against a bare scikit-learn fit.

Builds 200,000 rows of the patients contract's features and label (seeded, vectorized, in
memory), then times (a) the baseline: the same Pipeline fitted on the same arrays, and (b) the
project's path: contract features, stratified split, fit, held-out metrics and ROC curve, the
membership audit, and a skops save + checked load. Prints; asserts nothing.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from secure_mlops.privacy import load_contract
from secure_mlops.training import audit_membership, load_model, save_model, train_model

ROWS = 200_000
CONTRACT = Path(__file__).parents[1] / "policies" / "data" / "patients.contract.yaml"
FEATURES = ("mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness")


def make_table() -> pa.Table:
    rng = np.random.default_rng(42)
    malignant = rng.random(ROWS) < 0.37
    shift = np.where(malignant, 1.0, 0.0)[:, None]
    x = rng.normal(0, 1, (ROWS, len(FEATURES))) + shift * rng.normal(1, 0.2, len(FEATURES))
    columns = {name: x[:, i] for i, name in enumerate(FEATURES)}
    columns["diagnosis"] = np.where(malignant, "malignant", "benign")
    return pa.table(columns)


def main() -> None:
    contract = load_contract(CONTRACT)
    table = make_table()
    x = np.column_stack([table.column(n).to_numpy() for n in FEATURES])
    y = table.column("diagnosis").to_numpy()

    def fit(rows: int) -> None:
        Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(max_iter=1000))]).fit(
            x[:rows], y[:rows])

    fit(1_000)  # warm-up: lazy imports and first-call costs are not the baseline's
    started = time.perf_counter()
    fit(ROWS * 3 // 4)
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    result = train_model(table, contract, seed=0)
    trained = time.perf_counter() - started
    started = time.perf_counter()
    audit = audit_membership(result)
    audited = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        save_model(result.estimator, Path(tmp) / "model.skops")
        load_model(Path(tmp) / "model.skops")
        persisted = time.perf_counter() - started

    total = trained + audited + persisted
    print(f"baseline  bare Pipeline.fit (150k rows) : {baseline:6.2f} s")
    print(f"train_model (split, fit, metrics, ROC)  : {trained:6.2f} s")
    print(f"audit_membership ({audit.members:,} + {audit.non_members:,} rows): {audited:6.2f} s  "
          f"advantage {audit.advantage:.3f}")
    print(f"skops save + checked load               : {persisted:6.2f} s")
    print(f"ratio everything / baseline             : {total / baseline:6.1f}x")


if __name__ == "__main__":
    main()
