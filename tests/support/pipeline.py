"""Running the pipeline as a user would (`secure-mlops run`), on demo shards."""

from __future__ import annotations

import subprocess
from pathlib import Path

from secure_mlops.demo_data import source_rows, write_patients_csv
from tests.support.cli import run_cli


def run_pipeline(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli("run", *args, env=env, timeout=600)


def shards(folder: Path, seeds: tuple[int, ...] = (21, 22), rows: int | None = None) -> Path:
    """One shard per seed, each from its own slice of the source rows (no feature row in two
    shards), of `rows` rows (default: its whole slice)."""
    folder.mkdir(parents=True, exist_ok=True)
    for part, seed in enumerate(seeds):
        size = rows or len(source_rows(part, len(seeds)))
        write_patients_csv(folder / f"part-{seed}.csv", rows=size, seed=seed, part=part, parts=len(seeds))
    return folder


def bento_tag(stdout: str) -> str:
    """The bento a finished run packaged, from its summary line."""
    line = next(line for line in stdout.splitlines() if line.startswith("deploy: "))
    return line.split()[1]
