"""The pipeline on this machine, as `secure-mlops run` and `make demo` start it: the choices a
local run makes (data, drift reference, who triggered it, the local Vault), the run, and a
summary of what it produced, for the command line to print.
"""

from __future__ import annotations

import getpass
import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from secure_mlops.config import Settings
from secure_mlops.errors import PipelineError
from secure_mlops.orchestration.local_run import LocalRun, StepProgress
from secure_mlops.orchestration.results import LABELS, ResultFile, publish_results
from secure_mlops.orchestration.runs import SUMMARY_FILE, save_summary
from secure_mlops.orchestration.summary import (
    BAD_SHARD,
    PRIVACY_METRICS,
    ArtifactRecord,
    RunSummary,
    ShardFailure,
    collect_artifacts,
    failed_shards,
    failure_line,
    gates,
    numbers,
    planned_shards,
)

DEMO_SHARDS = 2
DEMO_ROWS = 569  # in all, split across the shards: each of the source's rows in one shard
# One drift reference per contract name and version: a run is compared only with the last accepted
# dataset of its own contract, never with another table's profile.
REFERENCES_DIR = "drift-references"


def run_local_pipeline(
    settings: Settings,
    *,
    contract: Path,
    data: str | None = None,
    params: Mapping[str, Any] | None = None,
    parallelism: int = 4,
    progress: StepProgress | None = None,
) -> RunSummary:
    """Run the pipeline with kfp.local. The summary, kept in the run's folder, says how it ended,
    success or failure (`raise_for_failure`); `PipelineError` only when no run folder was made."""
    from pipelines.secure_pipeline import build_pipeline
    from secure_mlops.orchestration.local_run import run_locally
    from secure_mlops.orchestration.params import pipeline_defaults
    from secure_mlops.vault import DevVault

    pipeline = build_pipeline(cluster=False, parallelism=parallelism)
    if (params or {}).get("dp_epsilon"):
        from secure_mlops.privacy import load_contract
        from secure_mlops.training.private import privacy_budget

        privacy_budget(load_contract(contract))  # no budget or bounds: say so now, not after publish
    reference = drift_reference(settings, contract)
    compared_with = reference if reference.is_file() else None
    arguments = {
        "data_uri": data or str(demo_shards(settings.state_dir / "demo-data")),
        "contract_path": str(Path(contract).resolve()),
        "reference_profile_uri": str(compared_with or ""),
        "triggered_by": f"local-{getpass.getuser()}",
        "audit_uri": settings.audit_store_uri,
        **(params or {}),
    }
    if settings.vault_addr == settings.dev_vault_addr and settings.vault_token is None:
        DevVault(settings).up()
    pipeline_root = settings.state_dir / "pipeline-root"
    progress = progress or StepProgress()
    progress.note(f"running pipeline locally (root {pipeline_root})")
    outcome = run_locally(pipeline, arguments, pipeline_root, progress)
    if outcome.run_dir is None:
        what = f"pipeline failed: {outcome.failure}" if not outcome.succeeded else "pipeline left no run folder"
        raise PipelineError(what, hint=f"full log: {outcome.log_file}")
    kept = None
    profile = next((r for r in collect_artifacts(outcome.run_dir) if r.task == "publish-dataset" and r.name == "profile"),
                   None)
    if outcome.succeeded and profile is not None:
        reference.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(profile.uri, reference)  # the next run's drift reference
        kept = reference
    summary = _summarize(outcome, {**pipeline_defaults(pipeline), **arguments}, contract, kept)
    save_summary(summary)
    return summary


def raise_for_failure(summary: RunSummary) -> None:
    """`PipelineError` (exit 10) with the failure line: the step, why, and for a shard which one and its report."""
    if summary.succeeded:
        return
    shard_step = any(g.shard is not None and g.passed is False for g in summary.gates)
    hint = (f"{BAD_SHARD}; " if shard_step else "") + f"full log: {summary.log_file}; " \
        f"`secure-mlops show {summary.run_id}` shows the run again"
    raise PipelineError(f"pipeline failed: {summary.failure}", hint=hint)


def demo_shards(folder: Path, shards: int = DEMO_SHARDS, rows: int = DEMO_ROWS) -> Path:
    """Synthetic raw shards for a run without data (made once, reused: same seed, same data).

    The shards share no feature row: `rows` in all, split as evenly as `shards` allows, each shard
    drawn from its own slice of the source, so no held-out row has a twin in the training set.
    Shards of an older layout (`part-0000.csv`, the same rows in every shard) are removed, since
    every CSV in the folder is read as a shard.
    """
    from secure_mlops.demo_data import write_patients_csv

    folder.mkdir(parents=True, exist_ok=True)
    names = [f"part-{index:04d}-of-{shards:04d}.csv" for index in range(shards)]
    for stale in folder.glob("part-*.csv"):
        if stale.name not in names:
            stale.unlink()
    for index, name in enumerate(names):
        shard = folder / name
        if not shard.exists():
            size = rows // shards + (index < rows % shards)
            write_patients_csv(shard, rows=size, seed=100 + index, part=index, parts=shards)
    return folder


def drift_reference(settings: Settings, contract: Path) -> Path:
    """Where the last accepted dataset's profile under `contract`'s name and version is kept."""
    from secure_mlops.privacy import load_contract

    loaded = load_contract(contract)
    return settings.state_dir / REFERENCES_DIR / f"{loaded.name}@{loaded.version}.profile.json"


def _summarize(outcome: LocalRun, parameters: dict[str, Any], contract: Path, kept: Path | None) -> RunSummary:
    run_dir = outcome.run_dir
    assert run_dir is not None  # noqa: S101 - checked by the caller
    records = collect_artifacts(run_dir)
    by_task: dict[str, ArtifactRecord] = {f"{r.task.rsplit('/', 1)[-1]}/{r.name}": r for r in records}
    shard_failures = [] if outcome.succeeded else failed_shards(run_dir, outcome.failures)
    deployed = by_task.get("deploy/manifests")
    trained = numbers(by_task["train/metrics"].metadata) if "train/metrics" in by_task else {}
    audited = numbers(by_task["privacy-audit/audit"].metadata) if "privacy-audit/audit" in by_task else {}
    return RunSummary(
        run_id=run_dir.name,
        run_dir=str(run_dir),
        started=datetime.fromtimestamp(outcome.started).astimezone().isoformat(timespec="seconds"),
        seconds=round(outcome.seconds, 1),
        succeeded=outcome.succeeded,
        contract=_contract_label(records, contract),
        data=str(parameters.get("data_uri", "")),
        log_file=str(outcome.log_file),
        failure=None if outcome.succeeded else failure_line(outcome.failure or "unknown failure", shard_failures),
        shards=planned_shards(run_dir),
        parameters=parameters,
        metrics={k: v for k, v in trained.items() if k not in PRIVACY_METRICS},
        privacy={**{k: v for k, v in trained.items() if k in PRIVACY_METRICS}, **audited},
        gates=gates(records, parameters, outcome.steps, outcome.failures, shard_failures),
        results=[*publish_results(run_dir, records), *_failed_reports(shard_failures),
                 ResultFile("run summary (`secure-mlops show` reads it)", str(run_dir / SUMMARY_FILE))],
        deployed=dict(deployed.metadata) if deployed is not None else {},
        reference=str(kept) if kept is not None else None,
        compared_with=str(parameters.get("reference_profile_uri") or "") or None,
    )


def _failed_reports(failures: list[ShardFailure]) -> list[ResultFile]:
    return [ResultFile(f"{LABELS[(f.step, 'report')]}, shard {f.shard} (failed)", f.report, f.shard)
            for f in failures if f.report is not None]


def _contract_label(records: list[ArtifactRecord], contract: Path) -> str:
    """name@version as the steps read it; the contract's path when no step got that far."""
    named = next((r.metadata["contract"] for r in records if "contract" in r.metadata), None)
    return str(named) if named else str(contract)
