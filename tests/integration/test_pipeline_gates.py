"""The pipeline's trust gates end to end (`secure-mlops run`, kfp.local, a real OpenBao): the
quality gate stops a weak model at train, before anything is packaged, and the train/test split
reports the exact duplicates it kept on one side."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from secure_mlops.demo_data import FEATURES, generate_patients
from tests.support.pipeline import run_pipeline

pytestmark = pytest.mark.integration


def test_a_weak_model_fails_at_train_naming_the_metric_its_value_and_the_minimum(good_run, tmp_path: Path) -> None:
    env, _, _ = good_run
    # A third of the labels swapped at random: what is left to learn keeps ROC AUC far below 0.99.
    table = generate_patients(569, seed=61)
    labels = np.array(table.column("diagnosis").to_pylist())
    swap = np.random.default_rng(61).random(len(labels)) < 0.35
    labels[swap] = np.where(labels[swap] == "malignant", "benign", "malignant")
    table = table.set_column(table.schema.get_field_index("diagnosis"), "diagnosis", [labels.tolist()])
    (tmp_path / "raw").mkdir()
    pq.write_table(table, tmp_path / "raw" / "part-0.parquet")

    result = run_pipeline(env, "--data", tmp_path / "raw", "--param", "min_roc_auc=0.99")

    assert result.returncode == 10, result.stdout + result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "quality gate failed" in line]
    assert "[train]" in line
    assert "held-out roc_auc 0." in line and "is below the minimum 0.990" in line
    assert "[privacy-audit]" not in result.stderr and "Traceback" not in result.stderr
    assert "deploy: " not in result.stdout  # nothing was packaged or rendered


def test_the_split_reports_the_exact_duplicates_in_the_data(good_run) -> None:
    _, data, result = good_run
    rows: list[tuple[str, ...]] = []
    for shard in sorted(data.glob("*.csv")):
        with open(shard, newline="") as handle:
            rows += [tuple(row[c] for c in (*FEATURES, "diagnosis")) for row in csv.DictReader(handle)]
    duplicates = len(rows) - len(set(rows))
    (metrics,) = [line for line in result.stdout.splitlines() if line.startswith("held-out metrics")]
    assert re.search(rf"\bduplicate_rows {duplicates}\b", metrics), metrics
