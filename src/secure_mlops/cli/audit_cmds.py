"""`secure-mlops audit`: evidence that each control holds today."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from secure_mlops.config import get_settings
from secure_mlops.errors import ControlsFailed

app = typer.Typer(
    invoke_without_command=True,
    rich_markup_mode=None,
)


@app.callback()
def audit(
    context: typer.Context,
    out: Path = typer.Option(
        None, "--out", "-o", file_okay=False,
        help="Folder for evidence.md, evidence.html, evidence.json and pytest.log. "
        "Default: STATE_DIR/audit/<UTC time>.",
    ),
) -> None:
    """Evidence for auditors: run the tests tied to each control of policies/controls.yaml and
    write a report (Markdown, self-contained HTML, JSON); exit 12 when a control fails.

    A control passes when at least one test names it and every test naming it passed. Runs from a
    checkout (its tests/ folder), against the real servers the tests start on loopback.

    Example: secure-mlops audit --out audit-report
    """
    if context.invoked_subcommand is not None:
        return
    from secure_mlops.audit.report import summary_line
    from secure_mlops.audit.run import run_audit

    settings = get_settings()
    out_dir = out or settings.state_dir / "audit" / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    typer.echo(f"running the control tests (log: {out_dir / 'pytest.log'}) ...", err=True)
    result = run_audit(settings.project_root, out_dir)
    for path in result.paths:
        typer.echo(str(path))
    line = summary_line(result.report)
    if result.report["summary"]["failed"]:
        raise ControlsFailed(line, hint=f"see {result.paths[1]}")
    typer.echo(line)
