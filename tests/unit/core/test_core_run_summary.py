"""A local run's summary from its folder: results under names with extensions, each gate's
verdict, the shard and report behind a failure, kept and listed for `runs` and `show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secure_mlops.errors import InputError
from secure_mlops.orchestration.results import publish_results
from secure_mlops.orchestration.runs import find_run, list_runs, load_summary, save_summary
from secure_mlops.orchestration.summary import (
    RunSummary,
    collect_artifacts,
    failed_shards,
    failure_line,
    gates,
    planned_shards,
)

SHARDS = ["/data/raw/part-a.csv", "/data/raw/part-b.csv"]


def _task(run: Path, task: str, outputs: dict[str, dict], files: dict[str, str] | None = None,
          finished: bool = True) -> None:
    folder = run / task
    folder.mkdir(parents=True)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    if finished:
        artifacts = {name: {"artifacts": [{"name": name, "uri": str(folder / name), "metadata": meta}]}
                     for name, meta in outputs.items()}
        (folder / "executor_output.json").write_text(json.dumps({"artifacts": artifacts}))


def _shards(run: Path) -> None:
    _task(run, "plan-shards", {})
    (run / "plan-shards" / "executor_output.json").write_text(json.dumps({"parameterValues": {"Output": SHARDS}}))
    for i in range(2):
        _task(run, f"for-loop-1-iteration-{i}/minimize-shard",
              {"dataset": {"k_required": 5, "k_achieved": 9 + i, "contract": "churn@2.0.0"}, "report": {}},
              {"dataset": "SMLENC...", "report": "{}"})


@pytest.fixture()
def green(tmp_path: Path) -> Path:
    run = tmp_path / "pipeline-root" / "secure-mlops-2026-01-02-03-04-05-000001"
    _shards(run)
    for i in range(2):
        _task(run, f"for-loop-1-iteration-{i}/validate-shard", {"validated": {"checks": 32, "checks_failed": 0},
                                                                "report": {}},
              {"validated": "SMLENC...", "report": "<!doctype html>"})
    _task(run, "publish-dataset", {"dataset": {"rows": 10}, "profile": {}}, {"dataset": "SMLENC", "profile": "{}"})
    _task(run, "train", {"model": {}, "metrics": {"roc_auc": 0.91, "recall": 0.8}, "classification": {"x": 1}},
          {"model": "zip"})
    _task(run, "privacy-audit", {"audit": {"membership_advantage": 0.04, "max_membership_advantage": 0.1},
                                 "model_card": {}}, {"model_card": "# card"})
    _task(run, "package", {"manifest": {}, "bento": {}}, {"manifest": "{}"})
    (run / "package" / "bento").mkdir()
    return run


def test_results_get_extensions_and_ciphertext_none(green: Path) -> None:
    results = publish_results(green, collect_artifacts(green))
    names = {Path(r.path).name for r in results}
    assert {"minimize-shard-0.report.json", "validate-shard-1.report.html", "publish-dataset.profile.json",
            "train.model.skops", "train.metrics.json", "privacy-audit.audit.json", "privacy-audit.model_card.md",
            "package.manifest.json", "package.bento"} <= names
    assert not any(".dataset" in n or ".validated" in n for n in names)
    folder = green / "results"
    assert (folder / "validate-shard-1.report.html").read_text() == "<!doctype html>"
    assert (folder / "validate-shard-1.report.html").is_symlink()  # relative: the run folder can move
    assert not Path((folder / "validate-shard-1.report.html").readlink()).is_absolute()
    assert json.loads((folder / "train.metrics.json").read_text()) == {"recall": 0.8, "roc_auc": 0.91}
    # Done again, the same entries.
    assert publish_results(green, collect_artifacts(green)) == results


def test_each_gate_says_pass_or_fail_with_what_it_compared(green: Path) -> None:
    parameters = {"reference_profile_uri": "", "min_roc_auc": 0.95, "min_recall": 0.5, "psi_threshold": 0.2}
    steps = [("publish-dataset", "SUCCESS"), ("train", "SUCCESS")]
    found = {(g.name, g.shard): g for g in gates(collect_artifacts(green), parameters, steps, [], [])}
    assert found[("k-anonymity", 1)].passed is True and found[("k-anonymity", 1)].detail == "k 10 achieved, 5 required"
    assert found[("validation", 0)].passed is True and "32 of 32" in found[("validation", 0)].detail
    assert found[("drift", None)].passed is None and "no reference" in found[("drift", None)].detail
    assert found[("membership inference", None)].passed is True
    quality = found[("quality", None)]
    assert quality.passed is False and "roc_auc 0.91, at least 0.95" in quality.detail
    without = {g.name for g in gates(collect_artifacts(green), {}, steps, [], [])}
    assert "quality" not in without  # no minimum-metric parameters: no quality gate to report


def test_a_failed_shard_is_named_by_its_input_and_its_report(tmp_path: Path) -> None:
    run = tmp_path / "secure-mlops-2026-01-02-03-04-05-000002"
    _shards(run)
    _task(run, "for-loop-1-iteration-0/validate-shard", {"validated": {"checks": 32, "checks_failed": 0}, "report": {}},
          {"validated": "SMLENC", "report": "<html>"})
    _task(run, "for-loop-1-iteration-1/validate-shard", {}, {"report": "<html>bad</html>"}, finished=False)
    failures = ["[validate-shard] validation failed: 2 of 32 checks (age: range)"]
    assert planned_shards(run) == SHARDS
    (failed,) = failed_shards(run, failures)
    assert (failed.step, failed.shard, failed.uri) == ("validate-shard", 1, SHARDS[1])
    assert failed.report == str(run / "results" / "validate-shard-1.report.html")
    assert Path(failed.report).read_text() == "<html>bad</html>"
    line = failure_line(failures[0], [failed])
    assert SHARDS[1] in line and failed.report in line and "2 of 32 checks" in line
    verdicts = gates(collect_artifacts(run), {}, [], failures, [failed])
    assert [(g.name, g.shard, g.passed) for g in verdicts if g.passed is False] == [("validation", 1, False)]


def _summary(run: Path, succeeded: bool, started: str) -> RunSummary:
    return RunSummary(run_id=run.name, run_dir=str(run), started=started, seconds=3.0, succeeded=succeeded,
                      contract="churn@2.0.0", data="/data/raw", log_file=str(run / "run.log"),
                      failure=None if succeeded else "[train] quality gate failed")


def test_runs_are_listed_newest_first_with_outcome_and_shown_again(tmp_path: Path) -> None:
    root = tmp_path / "pipeline-root"
    old, new, bare = (root / f"secure-mlops-2026-01-0{d}-00-00-00-000000" for d in (1, 2, 3))
    for folder in (old, new, bare):
        folder.mkdir(parents=True)
    save_summary(_summary(old, True, "2026-01-01T00:00:00+00:00"))
    save_summary(_summary(new, False, "2026-01-02T00:00:00+00:00"))
    listed = list_runs(root)
    assert [(e.run_id, e.outcome) for e in listed] == [(bare.name, "unknown"), (new.name, "failed"),
                                                       (old.name, "succeeded")]
    assert listed[1].failure == "[train] quality gate failed" and listed[2].contract == "churn@2.0.0"
    assert load_summary(find_run(root, new.name)) == _summary(new, False, "2026-01-02T00:00:00+00:00")
    assert find_run(root, "01-02") == new and find_run(root, "latest") == bare and find_run(root, str(old)) == old
    with pytest.raises(InputError, match="names 3 runs"):
        find_run(root, "secure-mlops")
    with pytest.raises(InputError, match="no run 'nope'"):
        find_run(root, "nope")
    with pytest.raises(InputError, match=r"has no run-summary\.json"):
        load_summary(bare)


def test_a_private_run_has_a_differential_privacy_gate_and_a_budget_failure_is_not_a_quality_one(
        green: Path) -> None:
    train = green / "train" / "executor_output.json"
    outputs = json.loads(train.read_text())
    outputs["artifacts"]["metrics"]["artifacts"][0]["metadata"].update(
        dp_epsilon=1.0, dp_delta=0.0, privacy_budget_spent=2.0, privacy_budget_total=3.0)
    train.write_text(json.dumps(outputs))
    steps = [("publish-dataset", "SUCCESS"), ("train", "SUCCESS")]
    found = {g.name: g for g in gates(collect_artifacts(green), {"min_roc_auc": 0.7}, steps, [], [])}
    assert found["differential privacy"].passed is True
    assert found["differential privacy"].detail == "ε 1, δ 0; the dataset's budget: 2 of 3 spent"

    failure = ("[train] privacy budget exceeded: contract 'patients' allows ε 3 in total on dataset sha256:ab…, "
               "3 is spent in 3 runs, and this run asks for 1")
    verdicts = gates(collect_artifacts(green), {"min_roc_auc": 0.7}, [("train", "FAILED")], [failure], [])
    assert [(g.name, g.passed) for g in verdicts if g.passed is False] == [("differential privacy", False)]
    assert "quality" not in {g.name for g in verdicts}


def test_a_quality_failure_of_a_private_model_stays_a_quality_failure(green: Path) -> None:
    failure = ("[train] quality gate failed: held-out recall 0.400 is below the minimum 0.500 (the model is "
               "differentially private at ε 1, and its noise costs accuracy: a larger dp_epsilon ...)")
    verdicts = gates(collect_artifacts(green), {"min_recall": 0.5}, [("train", "FAILED")], [failure], [])
    assert [(g.name, g.passed) for g in verdicts if g.passed is False] == [("quality", False)]
