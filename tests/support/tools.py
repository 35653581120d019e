"""Tools for the policy tests: checkov and hadolint from .venv-tools, prometheus and promtool
unpacked beside it, terraform and kubectl from PATH; and the one way the tests run checkov."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT


def _tools_bin() -> Path:
    return Path(os.environ.get("SECURE_MLOPS_TOOLS_BIN", ROOT / ".venv-tools" / "bin"))


def _installed(folder: Path, name: str) -> str:
    """A missing tool fails the test, it never skips it: `make tools` always installs it."""
    path = folder / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {folder}: run `make tools` (or `make test`)", pytrace=False)
    return str(path)


def venv_tool(name: str) -> str:
    """A tool from the tools venv (`make tools`)."""
    return _installed(_tools_bin(), name)


def prometheus_tool(name: str) -> str:
    """`prometheus` or `promtool`, which `make tools` unpacks from Debian's package into
    <tools venv>/prometheus, the sibling of the venv's bin folder."""
    return _installed(_tools_bin().parent / "prometheus" / "usr" / "bin", name)


def path_tool(name: str) -> str:
    """A binary from PATH (terraform, kubectl); missing -> skipped with the reason, as agreed for
    tools the project cannot install itself."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not on PATH on this machine; this check needs it")
    return found


CHECKOV_TIMEOUT_SECONDS = 300


def checkov_reports(targets: Mapping[str, Path], framework: str) -> dict[str, dict[str, Any]]:
    """checkov's JSON report of `framework` for each target (a file, or a folder scanned whole),
    offline; all runs are started at once, since each spends seconds starting up."""
    checkov = venv_tool("checkov")
    runs = {name: subprocess.Popen(
        [checkov, "-d" if path.is_dir() else "-f", str(path), "--framework", framework, "--skip-download",
         "-o", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for name, path in targets.items()}
    reports = {}
    for name, run in runs.items():
        out, err = run.communicate(timeout=CHECKOV_TIMEOUT_SECONDS)
        try:
            report = json.loads(out)
        except json.JSONDecodeError:
            pytest.fail(f"checkov gave no JSON report for {name} (exit {run.returncode}):\n{err[-2000:]}",
                        pytrace=False)
        # With one framework checkov prints one report object; with several, a list of them.
        reports[name] = report if isinstance(report, dict) else next(r for r in report if r["check_type"] == framework)
    return reports
