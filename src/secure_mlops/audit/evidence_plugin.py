"""A pytest plugin that ties tests to controls and records their outcomes as evidence.

A test names the controls it is evidence for with `@pytest.mark.control("<id>", ...)` (or a
module's `pytestmark`). At collection, a test naming an id that `policies/controls.yaml` does not
hold stops the run (a usage error naming the test and the id). With `--control-evidence FILE`, the
plugin writes each marked test's outcome there as JSON, which `secure-mlops audit` turns into its
report; with `--collect-only` too, the outcomes are "not run" and the file says which tests exist.

Loaded by every pytest run of the project (`addopts` in pyproject.toml) and by the audit (`-p`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import pytest

from secure_mlops.audit.catalogue import CATALOGUE_PATH, load_catalogue
from secure_mlops.errors import SecureMlopsError

MARKER: Final = "control"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("secure-mlops controls")
    group.addoption("--control-evidence", metavar="FILE", default=None,
                    help="Write each control-marked test's outcome to FILE as JSON.")
    group.addoption("--control-catalogue", metavar="FILE", default=None,
                    help=f"The controls catalogue (default: <rootdir>/{CATALOGUE_PATH}).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(*ids): the test is evidence for these controls of {CATALOGUE_PATH}"
    )
    config.pluginmanager.register(_Evidence(config), "secure-mlops-control-evidence")


class _Evidence:
    """The marked tests of one session and their outcomes."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.tests: dict[str, dict[str, object]] = {}
        self.outcomes: dict[str, str] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        marked = {item: _ids(item) for item in items}
        if not any(marked.values()):
            return
        catalogue_path = Path(self.config.getoption("--control-catalogue") or self.config.rootpath / CATALOGUE_PATH)
        try:
            known = {control.id for control in load_catalogue(catalogue_path)}
        except SecureMlopsError as exc:
            raise pytest.UsageError(str(exc)) from None
        unknown = [f"{item.nodeid}: {name}" for item, ids in marked.items() for name in ids if name not in known]
        if unknown:
            raise pytest.UsageError(f"tests name controls that {catalogue_path} does not hold:\n  " + "\n  ".join(unknown))
        for item, ids in marked.items():
            if ids:
                self.tests[item.nodeid] = {
                    "nodeid": item.nodeid,
                    "file": item.path.relative_to(self.config.rootpath).as_posix(),
                    "function": getattr(item, "originalname", item.name),
                    "controls": list(ids),
                }

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid not in self.tests:
            return
        # A failure in any phase (setup, call, teardown) is the test's outcome; a skip is no evidence.
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped and self.outcomes.get(report.nodeid) != "failed":
            self.outcomes[report.nodeid] = "skipped"
        elif report.when == "call" and report.passed:
            self.outcomes.setdefault(report.nodeid, "passed")

    def pytest_sessionfinish(self) -> None:
        path = self.config.getoption("--control-evidence")
        if not path:
            return
        tests = [{**test, "outcome": self.outcomes.get(nodeid, "not run")} for nodeid, test in self.tests.items()]
        Path(path).write_text(json.dumps({"tests": tests}, indent=2) + "\n", encoding="utf-8")


def _ids(item: pytest.Item) -> tuple[str, ...]:
    """The control ids of every `control` marker on the test, its class and its module."""
    ids: list[str] = []
    for marker in item.iter_markers(MARKER):
        for name in marker.args:
            if not isinstance(name, str):
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{MARKER} takes control ids as strings")
            if name not in ids:
                ids.append(name)
    return tuple(ids)
