"""What differential privacy costs: utility and leakage against ε, through `secure_mlops.training`.

For each data set, trains the contract's logistic regression without DP (the baseline, in the
same process) and with DP at ε = 0.5, 1, 2, 4 and 8, several times each (the DP noise is drawn
anew every fit, so one fit says little), and prints the mean held-out accuracy and ROC AUC, the
mean membership advantage of the loss-threshold attack, how often the default quality gate
(ROC AUC >= 0.7, recall >= 0.5) passes, and each mean as a ratio to the baseline. Data sets:

- demo: the patients contract on the 569 rows `secure-mlops run` trains on (426 training rows),
  bounds from the contract;
- digits: scikit-learn's handwritten digits (1,797 rows, 64 pixels; 0-4 against 5-9), bounds
  [0, 16] from the data set's description;
- synthetic: scikit-learn's make_classification, 20,000 rows of 8 features, bounds [-5, 5] set
  from the generator's scale before any fit.

None of the bounds or hyperparameters were tuned on these runs. Prints; asserts nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from secure_mlops.demo_data import generate_patients
from secure_mlops.privacy import DataContract, load_contract
from secure_mlops.training import membership_advantage, train_model

EPSILONS = (0.5, 1.0, 2.0, 4.0, 8.0)
CONTRACT = Path(__file__).parents[1] / "policies" / "data" / "patients.contract.yaml"


@dataclass(frozen=True)
class Case:
    name: str
    table: pa.Table
    contract: DataContract
    repeats: int


def _contract(name: str, features: list[str], low: float, high: float) -> DataContract:
    return DataContract.model_validate({
        "name": name, "version": "1", "differential_privacy": {"total_epsilon": 100},
        "columns": [*({"name": f, "type": "float", "classification": "feature", "action": "keep", "min": low,
                       "max": high} for f in features),
                    {"name": "label", "type": "string", "classification": "label", "action": "keep",
                     "allowed_values": ["positive", "negative"]}],
    })


def _table(x: np.ndarray, positive: np.ndarray, features: list[str]) -> pa.Table:
    columns = {name: x[:, i].astype(np.float64) for i, name in enumerate(features)}
    columns["label"] = np.where(positive, "positive", "negative")
    return pa.table(columns)


def cases() -> list[Case]:
    from sklearn.datasets import load_digits, make_classification

    digits = load_digits()
    pixels = [f"p{i}" for i in range(digits.data.shape[1])]
    x, y = make_classification(n_samples=20_000, n_features=8, n_informative=5, n_redundant=1, weights=[0.65],
                               flip_y=0.02, random_state=3)
    synthetic = [f"x{i}" for i in range(8)]
    return [
        Case("demo", generate_patients(), load_contract(CONTRACT), repeats=100),
        Case("digits", _table(digits.data, digits.target >= 5, pixels), _contract("digits", pixels, 0, 16), repeats=20),
        Case("synthetic", _table(x, y == 1, synthetic), _contract("synthetic", synthetic, -5, 5), repeats=4),
    ]


def measure(case: Case, epsilon: float | None) -> tuple[np.ndarray, float]:
    """Per fit: accuracy, ROC AUC, membership advantage, quality gate passed; and seconds per fit."""
    rows = []
    started = time.perf_counter()
    for _ in range(1 if epsilon is None else case.repeats):
        result = train_model(case.table, case.contract, seed=0, dp_epsilon=epsilon)
        m = result.metrics
        rows.append((m["accuracy"], m["roc_auc"], membership_advantage(result).advantage,
                     m["roc_auc"] >= 0.7 and m["recall"] >= 0.5))
    return np.array(rows, dtype=float), (time.perf_counter() - started) / len(rows)


def report(case: Case, out: Callable[[str], None] = print) -> None:
    baseline, base_seconds = measure(case, None)
    acc0, auc0, adv0, _ = baseline.mean(axis=0)
    train_rows = int(case.table.num_rows * 0.75)
    out(f"\n{case.name}: {case.table.num_rows:,} rows ({train_rows:,} training), {case.repeats} fits per ε")
    out(f"{'ε':>6}  {'accuracy':>8}  {'ROC AUC':>7}  {'advantage':>9}  {'gate':>5}  "
        f"{'acc/base':>8}  {'auc/base':>8}  {'time/base':>9}")
    out(f"{'no DP':>6}  {acc0:8.4f}  {auc0:7.4f}  {adv0:9.3f}  {baseline[0, 3]:5.0%}  "
        f"{1:8.2f}  {1:8.2f}  {1:9.2f}")
    for epsilon in EPSILONS:
        runs, seconds = measure(case, epsilon)
        acc, auc, adv, gate = runs.mean(axis=0)
        out(f"{epsilon:6g}  {acc:8.4f}  {auc:7.4f}  {adv:9.3f}  {gate:5.0%}  "
            f"{acc / acc0:8.2f}  {auc / auc0:8.2f}  {seconds / base_seconds:9.2f}")


def main() -> None:
    for case in cases():
        report(case)


if __name__ == "__main__":
    main()
