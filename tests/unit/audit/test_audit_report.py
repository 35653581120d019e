"""A control's verdict comes from its tests, and the three forms of the report say the same."""

from __future__ import annotations

import json
from pathlib import Path

from secure_mlops.audit.catalogue import Control
from secure_mlops.audit.report import MarkedTest, build_report, summary_line, write_reports

CONTROLS = (
    Control("alpha", "Alpha <holds>", ("T1",), ("ML02",), "pytest"),
    Control("beta", "Beta", ("T2", "T3"), (), "openbao"),
    Control("gamma", "Gamma", ("T4",), (), "pytest"),
)
VERSIONS = {"pytest": "8.4.2", "openbao": "2.7.2"}


def _report(*outcomes: MarkedTest) -> dict:
    return build_report(CONTROLS, outcomes, VERSIONS, commit="abc123", started_at="2026-12-05T10:00:00+00:00",
                        finished_at="2026-12-05T10:05:00+00:00")


def _status(report: dict) -> dict[str, str]:
    return {row["id"]: row["status"] for row in report["controls"]}


def test_a_control_passes_only_when_every_test_naming_it_passed() -> None:
    report = _report(
        MarkedTest("t.py::a1", ("alpha",), "passed"),
        MarkedTest("t.py::shared", ("alpha", "beta"), "passed"),
        MarkedTest("t.py::b1", ("beta",), "failed"),
    )
    assert _status(report) == {"alpha": "pass", "beta": "fail", "gamma": "fail"}
    beta = report["controls"][1]
    assert beta["reason"] == "1 of 2 tests failed"
    assert beta["tests"] == [{"test": "t.py::shared", "outcome": "passed"}, {"test": "t.py::b1", "outcome": "failed"}]
    assert report["controls"][2]["reason"] == "no test names this control"
    assert report["summary"] == {"controls": 3, "passed": 1, "failed": 2}
    assert summary_line(report) == "1 of 3 controls passed; failed: beta, gamma"


def test_a_skipped_or_unrun_test_is_no_evidence() -> None:
    report = _report(MarkedTest("t.py::a", ("alpha",), "skipped"), MarkedTest("t.py::b", ("beta",), "not run"),
                     MarkedTest("t.py::g", ("gamma",), "passed"))
    assert _status(report) == {"alpha": "fail", "beta": "fail", "gamma": "pass"}


def test_the_json_holds_the_fields_an_auditor_filters_on() -> None:
    report = _report(MarkedTest("t.py::b", ("beta",), "passed"))
    beta = report["controls"][1]
    assert {"id", "title", "threats", "status", "tests", "engine", "engine_version"} <= set(beta)
    assert (beta["threats"], beta["engine"], beta["engine_version"]) == (["T2", "T3"], "openbao", "2.7.2")
    assert {"commit", "started_at", "finished_at", "controls"} <= set(report)


def test_the_three_forms_are_written_and_agree(tmp_path: Path) -> None:
    report = _report(MarkedTest("t.py::a", ("alpha",), "passed"), MarkedTest("t.py::b<script>", ("beta",), "failed"))
    paths = write_reports(report, tmp_path / "out")
    assert [path.name for path in paths] == ["evidence.json", "evidence.md", "evidence.html"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == report
    markdown, html = paths[1].read_text(encoding="utf-8"), paths[2].read_text(encoding="utf-8")
    assert "**1 of 3 controls passed.**" in markdown
    assert "| `beta` | Beta | T2, T3 | - | openbao 2.7.2 | **FAIL** | 0 of 1 |" in markdown
    assert "1 of 3 controls passed." in html and "Alpha &lt;holds&gt;" in html and "b&lt;script&gt;" in html
    # Self-contained: nothing is fetched when the page opens.
    assert "<script" not in html and "http" not in html.replace('name="viewport"', "") and "<link" not in html
