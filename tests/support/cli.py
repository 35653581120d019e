"""Running the installed `secure-mlops` command as a user would: a subprocess, a clean env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.environment import SETTINGS_PREFIXES
from tests.support.paths import ROOT

CLI = str(Path(sys.executable).parent / "secure-mlops")


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without Vault or project settings, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)}
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
