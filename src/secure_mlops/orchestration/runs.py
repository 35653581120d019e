"""The local runs under STATE_DIR/pipeline-root: each run's summary kept in its folder, listed
newest first, found again by id (`secure-mlops runs`, `secure-mlops show RUN`)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from secure_mlops.errors import InputError
from secure_mlops.orchestration.results import ResultFile
from secure_mlops.orchestration.summary import Gate, RunSummary
from secure_mlops.storage import write_atomically

SUMMARY_FILE = "run-summary.json"


def save_summary(summary: RunSummary) -> Path:
    """Keep the run's summary in its folder, success or failure."""
    return write_atomically(Path(summary.run_dir) / SUMMARY_FILE,
                            json.dumps(dataclasses.asdict(summary), indent=2, sort_keys=True, default=str) + "\n")


def load_summary(run_dir: Path) -> RunSummary:
    try:
        data = json.loads((run_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
        data["gates"] = [Gate(**g) for g in data.get("gates", [])]
        data["results"] = [ResultFile(**r) for r in data.get("results", [])]
        known = {f.name for f in dataclasses.fields(RunSummary)}
        return RunSummary(**{k: v for k, v in data.items() if k in known})
    except FileNotFoundError:
        raise InputError(f"run {run_dir.name} has no {SUMMARY_FILE}",
                         hint="it was interrupted, or ran before runs kept a summary; its log is in its folder") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{run_dir / SUMMARY_FILE} is not a run summary ({type(exc).__name__})") from None


@dataclass(frozen=True)
class RunEntry:
    """One line of `secure-mlops runs`."""

    run_id: str
    started: str
    outcome: str  # succeeded, failed, or unknown (no summary: interrupted, or older)
    contract: str
    failure: str | None
    run_dir: Path


def list_runs(pipeline_root: Path) -> list[RunEntry]:
    """Every run folder, newest first (kfp.local names them by their start time)."""
    if not pipeline_root.is_dir():
        return []
    entries = []
    for folder in sorted((p for p in pipeline_root.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True):
        try:
            summary = load_summary(folder)
        except InputError:
            started = datetime.fromtimestamp(folder.stat().st_mtime).astimezone().isoformat(timespec="seconds")
            entries.append(RunEntry(folder.name, started, "unknown", "", None, folder))
            continue
        entries.append(RunEntry(summary.run_id, summary.started, summary.outcome, summary.contract, summary.failure,
                                folder))
    return entries


def find_run(pipeline_root: Path, run: str) -> Path:
    """A run folder by its id, a unique part of it, `latest`, or its path."""
    given = Path(run).expanduser()
    if given.is_dir() and (given / SUMMARY_FILE).exists():
        return given
    folders = sorted((p for p in pipeline_root.iterdir() if p.is_dir()), key=lambda p: p.name) if pipeline_root.is_dir() else []
    if run == "latest" and folders:
        return folders[-1]
    exact = [p for p in folders if p.name == run]
    matches = exact or [p for p in folders if run in p.name]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise InputError(f"no run {run!r} under {pipeline_root}", hint="`secure-mlops runs` lists them")
    raise InputError(f"{run!r} names {len(matches)} runs", hint="give more of the id: `secure-mlops runs` lists them")
