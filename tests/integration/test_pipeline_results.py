"""Results you can find, through the real CLI: every report and metrics file under the run's
results/ with its extension and its path printed, each gate's verdict, `runs` and `show`, and a
failure that names the shard and its report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from secure_mlops.demo_data import generate_patients
from tests.support.cli import run_cli
from tests.support.pipeline import run_pipeline, shards

pytestmark = pytest.mark.integration
STEPS = ("plan-shards", "publish-dataset", "train", "privacy-audit", "package", "deploy", "record-run")


def _run_dir(stdout: str) -> Path:
    line = next(line for line in stdout.splitlines() if line.startswith("pipeline succeeded: "))
    return Path(line.removeprefix("pipeline succeeded: "))


def _printed_results(stdout: str) -> dict[str, Path]:
    lines = stdout.split("\nresults (", 1)[1].splitlines()[1:]
    return {label.strip(): Path(path) for label, path in
            (line.rsplit(": ", 1) for line in lines if line.startswith("  "))}


def test_every_step_is_reported_once_with_its_time_none_lost(good_run) -> None:
    stdout = good_run[2].stdout
    finished = re.findall(r"^  (\S+)\s+SUCCESS in \d+\.\d s$", stdout, flags=re.MULTILINE)
    # Two shards: minimize and validate twice (with two shards in parallel one of them went missing).
    assert sorted(finished) == sorted([*STEPS, "minimize-shard", "minimize-shard", "validate-shard", "validate-shard"])
    assert "\x1b[" not in stdout


def test_every_report_and_metrics_file_is_in_results_with_its_extension_and_printed(good_run) -> None:
    stdout = good_run[2].stdout
    run = _run_dir(stdout)
    printed = _printed_results(stdout)
    assert all(path.exists() for path in printed.values()), printed
    assert {path.parent for path in printed.values()} == {run / "results", run}  # run-summary.json in the run's folder
    assert json.loads((run / "run-summary.json").read_text())["succeeded"] is True
    names = {path.name for path in printed.values()}
    assert {"validate-shard-0.report.html", "validate-shard-1.report.html", "minimize-shard-0.report.json",
            "train.metrics.json", "privacy-audit.audit.json", "privacy-audit.model_card.md",
            "package.manifest.json", "publish-dataset.profile.json"} <= names
    assert (run / "results" / "validate-shard-1.report.html").read_text().lstrip().lower().startswith("<!doctype html")
    metrics = json.loads((run / "results" / "train.metrics.json").read_text())
    assert 0 < metrics["roc_auc"] <= 1 and f"roc_auc {metrics['roc_auc']:g}" in stdout
    for name in ("minimize-shard-0.report.json", "privacy-audit.audit.json", "package.manifest.json"):
        json.loads((run / "results" / name).read_text())


def test_the_summary_gives_each_gates_verdict(good_run) -> None:
    gates = good_run[2].stdout.split("\ngates:\n", 1)[1].split("\n")
    verdicts = [line for line in gates if line.startswith("  ") and not line.startswith("   ")]
    for shard in (0, 1):
        assert any(re.match(rf"  pass  k-anonymity shard {shard} \(part-\d+\.csv\): k \d+ achieved, \d+ required", line)
                   for line in verdicts), verdicts
        assert any(re.match(rf"  pass  validation shard {shard} .*: (\d+) of \1 checks passed", line)
                   for line in verdicts), verdicts
    assert any(line.startswith("  pass  membership inference: ") and "at most 0.1" in line for line in verdicts)
    assert any(" drift" in line for line in verdicts)


def test_runs_lists_the_run_and_show_prints_its_summary_again(good_run) -> None:
    env, _, result = good_run
    run = _run_dir(result.stdout)
    listed = run_cli("runs", env=env)
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.startswith(run.name))
    assert "succeeded" in line and "patients@" in line
    shown = run_cli("show", run.name, env=env)
    assert shown.returncode == 0, shown.stderr
    assert _printed_results(shown.stdout) == _printed_results(result.stdout)
    assert shown.stdout.split("gates:")[1].split("deploy:")[0] == result.stdout.split("gates:")[1].split("deploy:")[0]


def test_a_bad_model_type_is_refused_before_anything_runs(good_run) -> None:
    env, data, _ = good_run
    root = Path(env["SECURE_MLOPS_STATE_DIR"]) / "pipeline-root"
    before = set(root.iterdir())
    result = run_pipeline(env, "--data", data, "--param", "model_type=xgboost")
    assert result.returncode == 4 and "model_type 'xgboost'" in result.stderr and "random_forest" in result.stderr
    assert set(root.iterdir()) == before


def test_a_bad_shard_fails_the_run_naming_the_shard_and_its_report(good_run, tmp_path: Path) -> None:
    env, _, _ = good_run
    raw = shards(tmp_path / "raw", seeds=(61,))
    table = generate_patients(569, seed=62)
    poisoned = table.set_column(
        table.schema.get_field_index("mean_smoothness"), "mean_smoothness",
        [[5.0 if i % 10 == 0 else v for i, v in enumerate(table.column("mean_smoothness").to_pylist())]],
    )
    bad = raw / "part-62.parquet"
    pq.write_table(poisoned, bad)
    result = run_cli("-v", "run", "--data", raw, env=env, timeout=600)
    assert result.returncode == 10, result.stdout + result.stderr
    error = next(line for line in result.stderr.splitlines() if line.startswith("error: pipeline failed"))
    assert "[validate-shard]" in error and str(bad) in error and "part-61" not in error
    report = Path(re.search(r"report (\S+\.report\.html)", error).group(1))
    assert report.is_file() and "mean_smoothness" in report.read_text()
    assert "a bad shard fails the whole run" in error
    # -v: kfp.local's log, without colour codes.
    assert "Executing task" in result.stderr and "\x1b[" not in result.stderr
    assert re.search(r"FAIL  validation shard \d \(part-62\.parquet\)", result.stdout)
    listed = run_cli("runs", env=env)
    failed = listed.stdout.splitlines()
    index = next(i for i, line in enumerate(failed) if " failed " in line)
    assert str(bad) in failed[index + 1]
