"""What a finished local run produced: each task's artifacts and their (value-free) metadata."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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
