"""What a local run produced and decided: each task's artifacts and their (value-free) metadata,
each gate passed or failed, the shard and report behind a failure.

A bad shard fails the whole run: nothing is merged, trained or published from the other shards,
and the failure names the shard (its input) and its report. A partial dataset would train a model
on data nobody chose, and hide the bad shard behind a green run.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BAD_SHARD = "a bad shard fails the whole run: nothing is merged, trained or published"
_STEP = re.compile(r"^\[([\w-]+)\]")
# The gate each failing step stands for.
STEP_GATES = {
    "minimize-shard": "k-anonymity",
    "validate-shard": "validation",
    "publish-dataset": "validation and drift of the merged dataset",
    "train": "quality",
    "privacy-audit": "membership inference",
}
SHARD_STEPS = ("minimize-shard", "validate-shard")
# What the train step logs about differential privacy: privacy numbers, not held-out metrics.
PRIVACY_METRICS = ("dp_epsilon", "dp_delta", "dp_clipped_values", "privacy_budget_spent", "privacy_budget_total")
# A train failure that starts so is differential privacy's (budget, bounds), not quality's.
_DP_FAILURE = re.compile(r"privacy budget exceeded|contract .+ sets no privacy budget|(cannot fit )?differentially private"
                         r"|dp_epsilon")
# The minimum-metric parameters of the quality gate, by the metric they bound.
QUALITY_PARAMETERS = {"min_roc_auc": "roc_auc", "min_recall": "recall", "min_precision": "precision",
                      "min_accuracy": "accuracy", "min_f1": "f1"}


@dataclass(frozen=True)
class ArtifactRecord:
    task: str  # e.g. "train" or "for-loop-1-iteration-0/minimize-shard"
    name: str
    uri: str
    metadata: dict[str, Any]


def collect_artifacts(run_dir: Path) -> list[ArtifactRecord]:
    records: list[ArtifactRecord] = []
    for output in sorted(run_dir.rglob("executor_output.json")):
        task = str(output.parent.relative_to(run_dir))
        data = json.loads(output.read_text(encoding="utf-8"))
        for name, entry in data.get("artifacts", {}).items():
            for artifact in entry.get("artifacts", []):
                records.append(ArtifactRecord(task, name, artifact.get("uri", ""), artifact.get("metadata", {})))
    return records


def planned_shards(run_dir: Path) -> list[str]:
    """The shards plan-shards listed, in iteration order (ParallelFor iteration i is shard i)."""
    output = run_dir / "plan-shards" / "executor_output.json"
    if not output.is_file():
        return []
    values = json.loads(output.read_text(encoding="utf-8")).get("parameterValues", {}).get("Output", [])
    return [str(v) for v in values] if isinstance(values, list) else []


@dataclass(frozen=True)
class Gate:
    name: str  # "k-anonymity", "validation", "drift", "membership inference", "quality"
    passed: bool | None  # None: not checked in this run
    detail: str
    shard: int | None = None


@dataclass(frozen=True)
class ShardFailure:
    step: str
    shard: int
    uri: str  # the shard's input
    report: str | None  # the step's report, when it wrote one


def failed_shards(run_dir: Path, failures: list[str]) -> list[ShardFailure]:
    """The shards whose step failed: a shard step's folder kfp.local made, without the
    executor_output.json a finished task leaves."""
    from secure_mlops.orchestration.results import RESULTS, entry_name

    failed_steps = {m.group(1) for line in failures if (m := _STEP.match(line))}
    shards = planned_shards(run_dir)
    found: list[ShardFailure] = []
    for iteration in sorted(run_dir.glob("for-loop-*-iteration-*")):
        index = iteration.name.rsplit("-", 1)[1]
        if not index.isdigit():
            continue
        for step in SHARD_STEPS:
            folder = iteration / step
            if step in failed_steps and folder.is_dir() and not (folder / "executor_output.json").exists():
                report = _link_failed_report(run_dir / RESULTS, folder / "report", entry_name(step, "report", int(index)))
                uri = shards[int(index)] if int(index) < len(shards) else f"shard {index}"
                found.append(ShardFailure(step, int(index), uri, report))
    return sorted(found, key=lambda f: (f.shard, f.step))


def _link_failed_report(folder: Path, report: Path, name: str) -> str | None:
    # A failed validation still writes its report (every check, without values): the reason to look.
    if not report.is_file():
        return None
    folder.mkdir(exist_ok=True)
    entry = folder / name
    if entry.is_symlink() or entry.exists():
        entry.unlink()
    entry.symlink_to(os.path.relpath(report, folder))
    return str(entry)


def failure_line(failure: str, shards: list[ShardFailure]) -> str:
    """The failing step's line, then which shard and where its report is."""
    if not shards:
        return failure
    named = "; ".join(f"shard {s.shard} ({s.uri})" + (f", report {s.report}" if s.report else "") for s in shards)
    return f"{failure}; {named}"


def gates(records: list[ArtifactRecord], parameters: dict[str, Any], steps: list[tuple[str, str]],
          failures: list[str], shard_failures: list[ShardFailure]) -> list[Gate]:
    """Each gate's verdict in this run: from what the steps recorded, and the failure for the
    gate that stopped it. A gate whose step never ran is left out."""
    from secure_mlops.orchestration.results import component_and_shard

    found: list[Gate] = []
    done = {task for task, status in steps if status == "SUCCESS"}
    for record in records:
        component, shard = component_and_shard(record.task)
        meta = record.metadata
        if (component, record.name) == ("minimize-shard", "dataset") and "k_achieved" in meta:
            achieved, required = int(meta["k_achieved"]), int(meta["k_required"])
            found.append(Gate("k-anonymity", achieved >= required, f"k {achieved} achieved, {required} required", shard))
        elif (component, record.name) == ("validate-shard", "validated") and "checks" in meta:
            checks, failed = int(meta["checks"]), int(meta.get("checks_failed", 0))
            found.append(Gate("validation", failed == 0, f"{checks - failed} of {checks} checks passed", shard))
    failed_steps = {m.group(1): line for line in failures if (m := _STEP.match(line))}
    for failure in shard_failures:
        found.append(Gate(STEP_GATES[failure.step], False, _reason(failed_steps.get(failure.step, "")), failure.shard))
    found.sort(key=lambda g: (g.name != "k-anonymity", g.shard if g.shard is not None else -1))
    by_task = {component_and_shard(r.task)[0] + "/" + r.name: r.metadata for r in records}
    found += _drift(parameters, "publish-dataset" in done, failed_steps.get("publish-dataset"))
    found += _membership(by_task.get("privacy-audit/audit"), parameters, failed_steps.get("privacy-audit"))
    train_failure = failed_steps.get("train")
    if train_failure is not None and _DP_FAILURE.match(_reason(train_failure)):
        return [*found, Gate("differential privacy", False, _reason(train_failure))]
    found += _differential_privacy(by_task.get("train/metrics"))
    found += _quality(by_task.get("train/metrics"), parameters, "train" in done, train_failure)
    return found


def _reason(line: str) -> str:
    return _STEP.sub("", line).strip() or "the step failed"


def _drift(parameters: dict[str, Any], published: bool, failure: str | None) -> list[Gate]:
    reference = parameters.get("reference_profile_uri") or ""
    if failure is not None:
        return [Gate(STEP_GATES["publish-dataset"], False, _reason(failure))]
    if not published:
        return []
    if not reference:
        return [Gate("drift", None, "no reference for this contract and version yet, so no drift was measured")]
    return [Gate("drift", True, f"compared with {reference}: PSI of every feature at most "
                                f"{parameters.get('psi_threshold', '?')}")]


def _membership(audit: dict[str, Any] | None, parameters: dict[str, Any], failure: str | None) -> list[Gate]:
    if failure is not None:
        return [Gate("membership inference", False, _reason(failure))]
    if not audit:
        return []
    threshold = audit.get("max_membership_advantage", parameters.get("max_membership_advantage"))
    # The statistic the gate decides with may be a bound on the advantage rather than the advantage itself.
    name = next((k for k in audit if "advantage" in k and ("upper" in k or "bound" in k)), "membership_advantage")
    value = audit.get(name)
    passed = None if value is None or threshold is None else float(value) <= float(threshold)
    return [Gate("membership inference", passed, f"{name} {_number(value)}, at most {_number(threshold)}")]


def _differential_privacy(metrics: dict[str, Any] | None) -> list[Gate]:
    if not metrics or "dp_epsilon" not in metrics:
        return []
    return [Gate("differential privacy", True,
                 f"ε {_number(metrics['dp_epsilon'])}, δ {_number(metrics.get('dp_delta'))}; the dataset's budget: "
                 f"{_number(metrics.get('privacy_budget_spent'))} of {_number(metrics.get('privacy_budget_total'))} spent")]


def _quality(metrics: dict[str, Any] | None, parameters: dict[str, Any], trained: bool,
             failure: str | None) -> list[Gate]:
    if failure is not None:
        return [Gate("quality", False, _reason(failure))]
    bounds = {name: metric for name, metric in QUALITY_PARAMETERS.items() if name in parameters}
    if not trained or not metrics or not bounds:
        return []
    parts, passed = [], True
    for name, metric in bounds.items():
        value, minimum = metrics.get(metric), parameters[name]
        if value is None:
            parts.append(f"{metric} not reported (minimum {_number(minimum)})")
            continue
        passed = passed and float(value) >= float(minimum)
        parts.append(f"{metric} {_number(value)}, at least {_number(minimum)}")
    return [Gate("quality", passed, "; ".join(parts))]


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def numbers(metadata: dict[str, Any] | None) -> dict[str, float]:
    """The numeric entries of an output's metadata (a metrics output's metrics)."""
    if not metadata:
        return {}
    return {k: v for k, v in metadata.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


@dataclass
class RunSummary:
    """One local run, as `run` prints it and `show` prints it again (kept as run-summary.json)."""

    run_id: str
    run_dir: str
    started: str  # ISO 8601, local time with offset
    seconds: float
    succeeded: bool
    contract: str
    data: str
    log_file: str
    failure: str | None = None  # the failure line: step, reason, shard and report
    shards: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    privacy: dict[str, float] = field(default_factory=dict)
    gates: list[Gate] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)  # results.ResultFile
    deployed: dict[str, Any] = field(default_factory=dict)  # bento_tag, rendered, applied
    reference: str | None = None  # where the accepted dataset's profile was kept as the next drift reference
    compared_with: str | None = None  # the drift reference this run was compared with; None: none yet

    @property
    def outcome(self) -> str:
        return "succeeded" if self.succeeded else "failed"
