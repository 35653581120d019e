"""Tools for the policy tests: checkov and hadolint from .venv-tools, prometheus and promtool
unpacked beside it, terraform and kubectl from PATH."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
