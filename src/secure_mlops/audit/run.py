"""`secure-mlops audit`: run the tests that name a control, and report each control's verdict.

The tests run in a child pytest (the project's own settings, plus the evidence plugin), with its
output kept in `<out>/pytest.log` rather than on the terminal: what the auditor reads is the
report, and the log is there for whoever must see why a test failed.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from secure_mlops.audit.catalogue import CATALOGUE_PATH, load_catalogue
from secure_mlops.audit.engines import engine_version
from secure_mlops.audit.report import MarkedTest, build_report, write_reports
from secure_mlops.errors import InputError

PYTEST_LOG: Final = "pytest.log"
_EVIDENCE: Final = ".evidence.json"
# pytest's exit codes that still mean "the tests ran": 0 all passed, 1 some failed, 5 none collected.
_TESTS_RAN: Final = (0, 1, 5)


@dataclass(frozen=True)
class AuditResult:
    """The report (as written in JSON) and the paths of its files."""

    report: dict[str, Any]
    paths: tuple[Path, ...]


def run_audit(project_root: Path, out_dir: Path, *, live: dict[str, Any] | None = None) -> AuditResult:
    """Run every control test under `project_root/tests`, write the reports into `out_dir`, with
    the `live` section (the deployed environment's checks) when given."""
    controls = load_catalogue(project_root / CATALOGUE_PATH)
    tests_dir = project_root / "tests"
    if not tests_dir.is_dir():
        raise InputError(f"no tests folder at {tests_dir}: the audit runs from a checkout of the project",
                         hint="set SECURE_MLOPS_PROJECT_ROOT to the checkout")
    out_dir.mkdir(parents=True, exist_ok=True)
    evidence = out_dir / _EVIDENCE
    evidence.unlink(missing_ok=True)
    started_at = _now()
    with (out_dir / PYTEST_LOG).open("w", encoding="utf-8") as log:
        result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments, no shell
            [sys.executable, "-m", "pytest", "-m", "control", "-p", "secure_mlops.audit.evidence_plugin",
             f"--control-evidence={evidence}", "--control-catalogue", str(project_root / CATALOGUE_PATH),
             "-p", "no:cacheprovider", str(tests_dir)],
            cwd=project_root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False,
        )
    finished_at = _now()
    if result.returncode not in _TESTS_RAN or not evidence.is_file():
        raise InputError(f"pytest could not run the control tests (exit {result.returncode})",
                         hint=f"see {out_dir / PYTEST_LOG}")
    outcomes = _outcomes(evidence)
    evidence.unlink()
    versions = {engine: engine_version(engine, project_root) for engine in {c.engine for c in controls}}
    report = build_report(controls, outcomes, versions, commit=_commit(project_root),
                          started_at=started_at, finished_at=finished_at, live=live)
    return AuditResult(report, write_reports(report, out_dir))


def _outcomes(evidence: Path) -> list[MarkedTest]:
    tests = json.loads(evidence.read_text(encoding="utf-8"))["tests"]
    return [MarkedTest(test["nodeid"], tuple(test["controls"]), test["outcome"]) for test in tests]


def _commit(project_root: Path) -> str:
    """The checkout's commit, with `-dirty` when files differ from it; `unknown` outside git."""
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        head, status = (
            subprocess.run([git, *arguments], cwd=project_root, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603
            for arguments in (("rev-parse", "HEAD"), ("status", "--porcelain", "--untracked-files=no"))
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if status else "")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
