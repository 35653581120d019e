"""Running the installed `secure-mlops` command as a user would: a subprocess, a clean env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CLI = str(Path(sys.executable).parent / "secure-mlops")
ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "policies" / "data" / "patients.contract.yaml"


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without Vault or project settings, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "SECURE_MLOPS_"))}
    env.update(overrides)
    return env


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[Any]:
    """Text output, unless `stdin` is given as bytes (then bytes both ways). Runs from the checkout."""
    return subprocess.run(
        [CLI, *map(str, args)], env=env, input=stdin, capture_output=True, text=stdin is None,
        timeout=timeout, cwd=ROOT,
    )
