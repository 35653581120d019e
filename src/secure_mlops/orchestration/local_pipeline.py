"""The pipeline on this machine, as `secure-mlops run` and `make demo` start it: the choices a
local run makes (data, drift reference, who triggered it, the local Vault), the run, and a
summary of what it produced, for the command line to print.
"""

from __future__ import annotations

import getpass
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secure_mlops.config import Settings
from secure_mlops.errors import PipelineError
from secure_mlops.orchestration.summary import ArtifactRecord, collect_artifacts

DEMO_SHARDS = 2
DEMO_ROWS = 569
# One drift reference per contract name and version: a run is compared only with the last accepted
# dataset of its own contract, never with another table's profile.
REFERENCES_DIR = "drift-references"


@dataclass(frozen=True)
class RunSummary:
    run_dir: Path
    log_file: Path
    metrics: dict[str, float] = field(default_factory=dict)
    privacy: dict[str, float] = field(default_factory=dict)
    k_achieved: int | None = None
    """The smallest k any shard achieved."""
    deployed: ArtifactRecord | None = None
    outputs: list[ArtifactRecord] = field(default_factory=list)
    """The manifest and the model card: what a reader opens first."""
    artifacts: list[ArtifactRecord] = field(default_factory=list)
    reference: Path | None = None
    """Where the accepted dataset's profile was kept as the next run's drift reference."""
    compared_with: Path | None = None
    """The drift reference this run was compared with; None: its contract had none yet."""


def run_local_pipeline(
    settings: Settings,
    *,
    contract: Path,
    data: str | None = None,
    params: Mapping[str, Any] | None = None,
    parallelism: int = 4,
    progress: Callable[[str], None] = print,
) -> RunSummary:
    """Run the pipeline with kfp.local; `PipelineError` names the failed step and the log."""
    from pipelines.secure_pipeline import build_pipeline
    from secure_mlops.orchestration.local_run import run_locally
    from secure_mlops.vault import DevVault

    pipeline = build_pipeline(cluster=False, parallelism=parallelism)
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
    progress(f"running pipeline locally (root {pipeline_root})")
    outcome = run_locally(pipeline, arguments, pipeline_root, progress)
    if not outcome.succeeded:
        raise PipelineError(f"pipeline failed: {outcome.failure}", hint=f"full log: {outcome.log_file}")
    if outcome.run_dir is None or outcome.log_file is None:
        raise PipelineError("pipeline reported success but left no run folder", hint=f"full log: {outcome.log_file}")
    return _summarize(outcome.run_dir, outcome.log_file, reference, compared_with)


def demo_shards(folder: Path, shards: int = DEMO_SHARDS, rows: int = DEMO_ROWS) -> Path:
    """Synthetic raw shards for a run without data (made once, reused: same seed, same data)."""
    from secure_mlops.demo_data import write_patients_csv

    folder.mkdir(parents=True, exist_ok=True)
    for index in range(shards):
        shard = folder / f"part-{index:04d}.csv"
        if not shard.exists():
            write_patients_csv(shard, rows=rows, seed=100 + index)
    return folder


def drift_reference(settings: Settings, contract: Path) -> Path:
    """Where the last accepted dataset's profile under `contract`'s name and version is kept."""
    from secure_mlops.privacy import load_contract

    loaded = load_contract(contract)
    return settings.state_dir / REFERENCES_DIR / f"{loaded.name}@{loaded.version}.profile.json"


def _summarize(run_dir: Path, log_file: Path, reference: Path, compared_with: Path | None) -> RunSummary:
    records = collect_artifacts(run_dir)
    by_name: dict[str, ArtifactRecord] = {r.name: r for r in records}
    k_values = [int(r.metadata["k_achieved"]) for r in records if "k_achieved" in r.metadata]
    kept = None
    if "profile" in by_name:
        reference.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(by_name["profile"].uri, reference)  # the next run's drift reference
        kept = reference
    return RunSummary(
        run_dir=run_dir,
        log_file=log_file,
        metrics=_numbers(by_name.get("metrics")),
        privacy=_numbers(by_name.get("audit")),
        k_achieved=min(k_values) if k_values else None,
        deployed=by_name.get("manifests"),
        outputs=[r for r in records if r.name in {"manifest", "model_card"}],
        artifacts=records,
        reference=kept,
        compared_with=compared_with,
    )


def _numbers(record: ArtifactRecord | None) -> dict[str, float]:
    if record is None:
        return {}
    return {k: v for k, v in record.metadata.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
