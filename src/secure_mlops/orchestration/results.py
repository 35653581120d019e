"""A finished local run's results under names a person can open: `<run>/results/`, one entry per
report, metrics set, model card, manifest..., each with the extension of what it holds.

kfp.local names an output after the component's output (`report`, `model_card`) with no
extension, so a browser shows a report's HTML source, and metrics exist only as metadata inside
executor_output.json. Files and folders are linked (relative links: the run folder can move);
metadata-only outputs are written out as JSON. Ciphertext is not linked: it opens only through
Vault, with `secure-mlops decrypt`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from secure_mlops.orchestration.summary import ArtifactRecord
from secure_mlops.storage import write_atomically

RESULTS = "results"
CIPHERTEXT = None

# (component, output) -> the extension of its entry ("" for a folder), or CIPHERTEXT: not linked.
# Every output of pipelines/artifacts.py has a line (tests/unit/pipelines checks it).
FILE_KINDS: dict[tuple[str, str], str | None] = {
    ("minimize-shard", "dataset"): CIPHERTEXT,
    ("minimize-shard", "report"): "json",
    ("validate-shard", "validated"): CIPHERTEXT,
    ("validate-shard", "report"): "html",
    ("publish-dataset", "dataset"): CIPHERTEXT,
    ("publish-dataset", "profile"): "json",
    ("train", "model"): "skops",
    ("train", "metrics"): "json",
    ("train", "classification"): "json",
    ("privacy-audit", "audit"): "json",
    ("privacy-audit", "model_card"): "md",
    ("package", "bento"): "",
    ("package", "manifest"): "json",
    ("deploy", "manifests"): "",
}

# What each entry is, as the summary labels it.
LABELS: dict[tuple[str, str], str] = {
    ("minimize-shard", "report"): "minimization report",
    ("validate-shard", "report"): "validation report",
    ("publish-dataset", "profile"): "dataset profile",
    ("train", "model"): "model",
    ("train", "metrics"): "held-out metrics",
    ("train", "classification"): "confusion matrix and ROC curve",
    ("privacy-audit", "audit"): "privacy audit",
    ("privacy-audit", "model_card"): "model card",
    ("package", "bento"): "bento",
    ("package", "manifest"): "signed manifest",
    ("deploy", "manifests"): "rendered manifests",
}


@dataclass(frozen=True)
class ResultFile:
    label: str  # e.g. "validation report, shard 0"
    path: str
    shard: int | None = None


def component_and_shard(task: str) -> tuple[str, int | None]:
    """'for-loop-1-iteration-0/validate-shard' -> ('validate-shard', 0); 'train' -> ('train', None)."""
    parent, _, component = task.rpartition("/")
    marker = "-iteration-"
    if marker in parent:
        index = parent.rsplit(marker, 1)[1]
        if index.isdigit():
            return component, int(index)
    return component, None


def entry_name(component: str, output: str, shard: int | None) -> str:
    """'validate-shard', 'report', 0 -> 'validate-shard-0.report.html'."""
    extension = FILE_KINDS.get((component, output)) or ""
    stem = f"{component}-{shard}" if shard is not None else component
    return f"{stem}.{output}" + (f".{extension}" if extension else "")


def publish_results(run_dir: Path, records: list[ArtifactRecord]) -> list[ResultFile]:
    """Make `run_dir/results/` from the run's artifacts (done again, it gives the same entries)."""
    folder = run_dir / RESULTS
    folder.mkdir(exist_ok=True)
    shown: list[ResultFile] = []
    for record in records:
        component, shard = component_and_shard(record.task)
        key = (component, record.name)
        if FILE_KINDS.get(key, CIPHERTEXT) is CIPHERTEXT:
            continue  # ciphertext, or an output this module does not know yet: never linked blindly
        entry = folder / entry_name(component, record.name, shard)
        if not _place(entry, Path(record.uri), record.metadata):
            continue
        label = LABELS.get(key, f"{component} {record.name}") + (f", shard {shard}" if shard is not None else "")
        shown.append(ResultFile(label, str(entry), shard))
    return sorted(shown, key=_pipeline_order)


# The order a reader meets them in: each shard's reports, then the pipeline's steps in order.
_ORDER = [key for key in FILE_KINDS if FILE_KINDS[key] is not CIPHERTEXT]


def _pipeline_order(result: ResultFile) -> tuple[int, int, int]:
    name = Path(result.path).name
    step = next((i for i, (component, output) in enumerate(_ORDER) if name.startswith(component)
                 and f".{output}" in name), len(_ORDER))
    return (0, result.shard, step) if result.shard is not None else (1, 0, step)


def _place(entry: Path, source: Path, metadata: dict) -> bool:
    if source.exists():
        if entry.is_symlink() or entry.exists():
            entry.unlink()
        entry.symlink_to(os.path.relpath(source, entry.parent), target_is_directory=source.is_dir())
        return True
    if entry.suffix == ".json" and metadata:
        # A metrics output: kfp keeps it as metadata only.
        write_atomically(entry, json.dumps(metadata, indent=2, sort_keys=True) + "\n")
        return True
    return False
