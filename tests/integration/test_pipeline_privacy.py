"""Differentially private training end to end (`secure-mlops run --param dp_epsilon=...`, kfp.local,
a real OpenBao): ε and δ in the summary, the model card, the signed manifest and the run record;
the dataset's privacy budget in the audit store stops the run that would exceed it, before training."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.pipeline import run_pipeline, shards

pytestmark = pytest.mark.integration

# The quality gate is another test's subject: at ε = 1 on a few hundred rows the noise may cost
# it, and this test is about what a private run states and spends.
NO_QUALITY_GATE = ("--param", "min_roc_auc=0", "--param", "min_recall=0")


@pytest.mark.control("differential-privacy")
def test_a_private_run_states_its_epsilon_and_the_next_one_over_budget_fails_before_training(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    env, state = cli_env, Path(cli_env["SECURE_MLOPS_STATE_DIR"])
    data = shards(tmp_path / "raw")

    first = run_pipeline(env, "--data", data, "--param", "dp_epsilon=1.0", *NO_QUALITY_GATE)

    assert first.returncode == 0, first.stdout + first.stderr
    assert "pass  differential privacy: ε 1, δ 0; the dataset's budget: 1 of 3 spent" in first.stdout
    results = Path(re.search(r"^pipeline succeeded: (.+)$", first.stdout, re.M).group(1)) / "results"
    card = (results / "privacy-audit.model_card.md").read_text()
    assert "## Differential privacy" in card and "ε = 1 and δ = 0" in card
    assert re.search(r"^\| this model \| 1 \| 0\.\d{4} \| 0\.\d{4} \| -?\d\.\d{3} \|$", card, re.M), card
    assert "| reference without differential privacy | none |" in card
    assert "not trained with differential privacy" not in card
    signed = json.loads((results / "package.manifest.json").read_text())["manifest"]
    assert signed["model"]["metrics"]["dp_epsilon"] == 1.0 and signed["model"]["metrics"]["dp_delta"] == 0.0
    (record,) = (state / "audit-store").glob("*/summary.json")
    assert json.loads(record.read_text())["differential_privacy"] == {
        "epsilon": 1.0, "delta": 0.0, "budget_total": 3.0, "budget_spent": 1.0}
    (entry,) = (state / "audit-store" / "privacy-budget" / "patients").glob("*/000001.json")
    assert json.loads(entry.read_text())["epsilon"] == 1.0

    second = run_pipeline(env, "--data", data, "--param", "dp_epsilon=2.5", *NO_QUALITY_GATE)

    assert second.returncode == 10, second.stdout + second.stderr
    (line,) = [line for line in second.stderr.splitlines() if "privacy budget exceeded" in line]
    assert "[train]" in line and "allows ε 3 in total" in line and "1 is spent in 1 run" in line
    assert "asks for 2.5" in line and "at most 2 is left" in line
    assert "FAIL  differential privacy: privacy budget exceeded" in second.stdout
    assert "quality" not in second.stdout.split("gates:")[1].split("results")[0]
    assert "[privacy-audit]" not in second.stderr and "deploy: " not in second.stdout
    assert "Traceback" not in second.stderr
    assert sorted(p.name for p in entry.parent.iterdir()) == ["000001.json"]  # a refused run spends nothing

    third = run_pipeline(env, "--data", data, "--param", "dp_epsilon=0.5", "--param", "min_roc_auc=0.999")

    assert third.returncode == 10, third.stdout + third.stderr
    (line,) = [line for line in third.stderr.splitlines() if "quality gate failed" in line]
    assert "differentially private at ε 0.5" in line and "this run's ε is spent" in line
    assert "FAIL  quality:" in third.stdout
    assert sorted(p.name for p in entry.parent.iterdir()) == ["000001.json", "000002.json"]  # fitted: spent
