"""`secure-mlops audit` end to end on a small project of its own: a real pytest run, real reports.

The project's own audit runs every control test (several minutes, against OpenBao, moto and
`bentoml serve`); `make audit` runs it. Here a three-control project shows the verdicts, the exit
status and the files, in seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.integration

CATALOGUE = """\
controls:
  - {id: alpha, title: Alpha holds, threats: [T1], owasp: [ML02], engine: pytest}
  - {id: beta, title: Beta holds, threats: [T2], owasp: [], engine: openbao}
  - {id: gamma, title: Gamma holds, threats: [T3], owasp: [], engine: pytest}
"""
TESTS = """\
import pytest

@pytest.mark.control("alpha")
def test_alpha():
    assert True

@pytest.mark.control("alpha", "beta")
def test_shared():
    assert True

@pytest.mark.control("beta")
def test_beta():
    assert {beta_holds}

def test_not_a_control():
    assert False
"""


def _project(root: Path, *, beta_holds: bool, gamma_tested: bool) -> dict[str, str]:
    (root / "policies").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "policies" / "controls.yaml").write_text(CATALOGUE, encoding="utf-8")
    tests = TESTS.format(beta_holds=beta_holds)
    if gamma_tested:
        tests += '\n@pytest.mark.control("gamma")\ndef test_gamma():\n    assert True\n'
    (root / "tests" / "test_sample.py").write_text(tests, encoding="utf-8")
    return {**os.environ, "SECURE_MLOPS_PROJECT_ROOT": str(root), "SECURE_MLOPS_STATE_DIR": str(root / "state")}


def test_failing_and_untested_controls_fail_the_audit_with_exit_12(tmp_path: Path) -> None:
    env = _project(tmp_path / "project", beta_holds=False, gamma_tested=False)
    out = tmp_path / "report"
    result = run_cli("audit", "--out", out, env=env)
    assert result.returncode == 12, result.stderr
    assert result.stdout.split() == [str(out / name) for name in ("evidence.json", "evidence.md", "evidence.html")]
    assert result.stderr.strip().endswith(
        f"error: 1 of 3 controls passed; failed: beta, gamma (see {out / 'evidence.md'})"
    )
    report = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    rows = {row["id"]: row for row in report["controls"]}
    assert {name: row["status"] for name, row in rows.items()} == {"alpha": "pass", "beta": "fail", "gamma": "fail"}
    assert [test["outcome"] for test in rows["beta"]["tests"]] == ["passed", "failed"]
    assert rows["gamma"]["reason"] == "no test names this control"
    assert rows["beta"]["engine_version"].count(".") >= 1  # OpenBao's version, read from `bao version`
    assert "test_not_a_control" not in (out / "evidence.md").read_text(encoding="utf-8")  # only control tests run
    assert "test_beta" in (out / "pytest.log").read_text(encoding="utf-8")


def test_an_audit_where_every_control_holds_exits_0_with_one_summary_line(tmp_path: Path) -> None:
    env = _project(tmp_path / "project", beta_holds=True, gamma_tested=True)
    result = run_cli("audit", env=env)
    assert result.returncode == 0, result.stderr
    *paths, summary = result.stdout.splitlines()
    assert summary == "3 of 3 controls passed"
    assert all(Path(path).is_file() and Path(path).parent.parent == tmp_path / "project" / "state" / "audit"
               for path in paths)


def test_an_audit_outside_a_checkout_says_where_it_looked(tmp_path: Path) -> None:
    env = _project(tmp_path / "project", beta_holds=True, gamma_tested=True)
    (tmp_path / "project" / "tests" / "test_sample.py").unlink()
    (tmp_path / "project" / "tests").rmdir()
    result = run_cli("audit", "--out", tmp_path / "report", env=env)
    assert result.returncode == 4
    assert "no tests folder at" in result.stderr and "SECURE_MLOPS_PROJECT_ROOT" in result.stderr
    assert "Traceback" not in result.stderr
