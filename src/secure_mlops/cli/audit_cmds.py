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


@app.command()
def runs(
    store: str = typer.Option(None, "--store", help="The audit store: an s3:// prefix or a folder. "
                              "Default: SECURE_MLOPS_AUDIT_STORE, else STATE_DIR/audit-store."),
) -> None:
    """List the recorded pipeline runs, newest first: when, which run, who, the contract, the
    plaintext dataset's digest (equal digests: the same data) and the bento released.

    Example: secure-mlops audit runs --store s3://secure-mlops-data-audit/audit/runs/
    """
    from secure_mlops.audit.records import list_runs

    where = store or get_settings().audit_store_uri
    entries = list_runs(where)
    if not entries:
        typer.echo(f"no runs recorded in {where}", err=True)
        return
    typer.echo(f"{'RECORDED (UTC)':<26} {'RUN':<36} {'TRIGGERED BY':<20} {'CONTRACT':<20} {'DATA (PLAINTEXT)':<20} BENTO")
    for entry in entries:
        summary = entry.summary
        contract = f"{summary['contract']['name']}@{summary['contract']['version']}"
        data = str(summary["data"]["plaintext_sha256"]).removeprefix("sha256:")[:16]
        typer.echo(f"{summary['recorded_at']:<26} {summary['run_id']:<36} {summary['triggered_by']:<20} "
                   f"{contract:<20} {data:<20} {summary['release']['bento']}")
