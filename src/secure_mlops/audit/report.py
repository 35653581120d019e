"""The evidence report: each control's verdict from its tests' outcomes, in JSON, Markdown and HTML.

A control passes only when at least one test names it and every test that names it passed: a
skipped test, one that was not run, or a control without a test is no evidence, so it fails.

The three forms say the same thing. JSON is for machines (the schema is the dict `build_report`
returns); Markdown reads in a terminal or a pull request; the HTML page is self-contained (styles
inline, no script, no font or CDN) so it opens offline and prints or screenshots as one page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jinja2

from secure_mlops.audit.catalogue import OWASP_ML_TOP_10, Control
from secure_mlops.storage import write_atomically

REPORT_NAMES: Final = ("evidence.json", "evidence.md", "evidence.html")


@dataclass(frozen=True)
class MarkedTest:
    """One marked test: its pytest node id, the controls it names and how it ended."""

    nodeid: str
    controls: tuple[str, ...]
    outcome: str  # passed, failed, skipped or not run


def build_report(
    controls: Sequence[Control],
    outcomes: Sequence[MarkedTest],
    engine_versions: Mapping[str, str],
    *,
    commit: str,
    started_at: str,
    finished_at: str,
    live: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready dict: every control with its status and tests, in catalogue order,
    and `live` (`audit.live.live_section`) when a deployed environment was checked too."""
    rows = []
    for control in controls:
        tests = [{"test": test.nodeid, "outcome": test.outcome} for test in outcomes if control.id in test.controls]
        rows.append({
            "id": control.id,
            "title": control.title,
            "threats": list(control.threats),
            "owasp": list(control.owasp),
            "status": "pass" if _reason(tests) is None else "fail",
            "reason": _reason(tests),
            "tests": tests,
            "engine": control.engine,
            "engine_version": engine_versions[control.engine],
        })
    failed = sum(row["status"] == "fail" for row in rows)
    report = {
        "commit": commit,
        "started_at": started_at,
        "finished_at": finished_at,
        "summary": {"controls": len(rows), "passed": len(rows) - failed, "failed": failed},
        "controls": rows,
    }
    return {**report, "live": dict(live)} if live is not None else report


def audit_failed(report: Mapping[str, Any]) -> bool:
    """Whether a control, or a check of the deployed environment, failed."""
    return bool(report["summary"]["failed"] or report.get("live", {}).get("summary", {}).get("failed"))


def summary_line(report: Mapping[str, Any]) -> str:
    """One line: how many controls passed, and which failed."""
    summary = report["summary"]
    failed = [row["id"] for row in report["controls"] if row["status"] == "fail"]
    line = f"{summary['passed']} of {summary['controls']} controls passed"
    if "live" in report:
        live = report["live"]
        line += f", {live['summary']['passed']} of {live['summary']['checks']} live checks ({live['env']})"
        failed += [f"{check['id']} {check['target']}" for check in live["checks"] if check["status"] == "fail"]
    return f"{line}; failed: {', '.join(failed)}" if failed else line


def write_reports(report: Mapping[str, Any], out_dir: Path) -> tuple[Path, ...]:
    """Write the report's three forms into `out_dir` (each appears whole or not at all)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = (
        json.dumps(report, indent=2, ensure_ascii=False) + "\n",
        _TEMPLATES.get_template("evidence.md").render(report=report, owasp=OWASP_ML_TOP_10),
        _TEMPLATES.get_template("evidence.html").render(report=report, owasp=OWASP_ML_TOP_10),
    )
    paths = tuple(out_dir / name for name in REPORT_NAMES)
    for path, text in zip(paths, texts, strict=True):
        write_atomically(path, text)
    return paths


def _reason(tests: Sequence[Mapping[str, str]]) -> str | None:
    """Why a control fails, or None when it passes."""
    if not tests:
        return "no test names this control"
    not_passed = [test for test in tests if test["outcome"] != "passed"]
    if not not_passed:
        return None
    kinds = sorted({test["outcome"] for test in not_passed})
    return f"{len(not_passed)} of {len(tests)} tests {' or '.join(kinds)}"


_MARKDOWN: Final = """\
# Control evidence

Commit `{{ report.commit }}`, run from {{ report.started_at }} to {{ report.finished_at }} (UTC).

**{{ report.summary.passed }} of {{ report.summary.controls }} controls passed.**

| Control | Title | Threats | OWASP ML | Engine | Status | Tests passed |
|---|---|---|---|---|---|---|
{% for c in report.controls -%}
| `{{ c.id }}` | {{ c.title }} | {{ c.threats | join(", ") }} | {{ c.owasp | join(", ") or "-" }} \
| {{ c.engine }} {{ c.engine_version }} | {{ "PASS" if c.status == "pass" else "**FAIL**" }} \
| {{ c.tests | selectattr("outcome", "equalto", "passed") | list | length }} of {{ c.tests | length }} |
{% endfor %}
{% for c in report.controls if c.status == "fail" %}
{% if loop.first %}## Failed controls
{% endif %}
### `{{ c.id }}`: {{ c.reason }}
{% for t in c.tests if t.outcome != "passed" %}
- {{ t.outcome }}: `{{ t.test }}`
{%- endfor %}
{% endfor %}
{% if report.live is defined %}
## The deployed environment (`{{ report.live.env }}`)

**{{ report.live.summary.passed }} of {{ report.live.summary.checks }} live checks passed.**

| Check | Target | Status | Expected | Found |
|---|---|---|---|---|
{% for l in report.live.checks -%}
| {{ l.title }} | `{{ l.target }}` | {{ "PASS" if l.status == "pass" else "**FAIL**" }} | {{ l.expected }} | {{ l.found }} |
{% endfor %}
{% endif %}
## Tests per control
{% for c in report.controls %}
### `{{ c.id }}`
{% for t in c.tests %}
- {{ t.outcome }}: `{{ t.test }}`
{%- else %}
- (none)
{%- endfor %}
{% endfor %}"""

_HTML: Final = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Control evidence {{ report.commit[:12] }}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #c9c9c9; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #efefef; }
.pass { background: #dff3e3; font-weight: bold; }
.fail { background: #f9dada; font-weight: bold; }
code { font-size: 12px; }
details { margin: .2em 0; }
</style>
</head>
<body>
<h1>Control evidence</h1>
<p>Commit <code>{{ report.commit }}</code>; run from {{ report.started_at }} to {{ report.finished_at }} (UTC).</p>
<p><strong>{{ report.summary.passed }} of {{ report.summary.controls }} controls passed.</strong></p>
<table>
<tr><th>Control</th><th>Title</th><th>Threats</th><th>OWASP ML</th><th>Engine</th><th>Status</th><th>Tests</th></tr>
{% for c in report.controls -%}
<tr>
<td><code>{{ c.id }}</code></td>
<td>{{ c.title }}</td>
<td>{{ c.threats | join(", ") }}</td>
<td>{% for o in c.owasp %}<abbr title="{{ owasp[o] }}">{{ o }}</abbr>{{ ", " if not loop.last }}{% else %}-{% endfor %}</td>
<td>{{ c.engine }} {{ c.engine_version }}</td>
<td class="{{ c.status }}">{{ c.status | upper }}{% if c.reason %}<br><small>{{ c.reason }}</small>{% endif %}</td>
<td><details><summary>{{ c.tests | selectattr("outcome", "equalto", "passed") | list | length }}
of {{ c.tests | length }} passed</summary>
{% for t in c.tests %}<div>{{ t.outcome }}: <code>{{ t.test }}</code></div>{% endfor %}
</details></td>
</tr>
{% endfor -%}
</table>
{% if report.live is defined %}
<h2>The deployed environment ({{ report.live.env }})</h2>
<p><strong>{{ report.live.summary.passed }} of {{ report.live.summary.checks }} live checks passed.</strong></p>
<table>
<tr><th>Check</th><th>Target</th><th>Status</th><th>Expected</th><th>Found</th></tr>
{% for l in report.live.checks -%}
<tr><td>{{ l.title }}</td><td><code>{{ l.target }}</code></td><td class="{{ l.status }}">{{ l.status | upper }}</td>
<td>{{ l.expected }}</td><td>{{ l.found }}</td></tr>
{% endfor -%}
</table>
{% endif %}
</body>
</html>
"""

# HTML-escaped by name: every test id and title goes through the escaper in the page.
_TEMPLATES: Final = jinja2.Environment(
    loader=jinja2.DictLoader({"evidence.md": _MARKDOWN, "evidence.html": _HTML}),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
