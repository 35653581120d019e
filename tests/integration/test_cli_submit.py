"""`secure-mlops submit` fails clearly without a reachable Kubeflow Pipelines (none runs here)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.servers import free_port


def submit(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("submit", *args)


def test_unreachable_host_is_a_one_line_pipeline_error() -> None:
    result = submit("--host", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 10
    assert result.stderr.strip().splitlines()[-1].startswith("error: Kubeflow Pipelines at http://127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_missing_compiled_pipeline_says_to_compile(tmp_path: Path) -> None:
    result = submit("--host", "http://127.0.0.1:1", "--package", str(tmp_path / "none.yaml"))
    assert result.returncode == 3 and "secure-mlops compile" in result.stderr


def test_unknown_parameter_is_refused_before_contacting_kfp() -> None:
    result = submit("--host", "http://127.0.0.1:1", "--param", "no_such=1")
    assert result.returncode == 4 and "unknown pipeline parameter" in result.stderr
