"""`secure-mlops audit`: evidence that each control holds today."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from secure_mlops.config import get_settings
from secure_mlops.errors import ControlsFailed, InputError

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
    live: bool = typer.Option(False, "--live", help="Also compare the deployed Vault (policies, Transit keys) "
                              "and each --bucket with the repository's intent, read-only."),
    bucket: list[str] = typer.Option([], "--bucket", help="A lake bucket to check with --live (repeatable; name only)."),
    env: str = typer.Option("prod", "--env", help="The Terraform environment (infra/terraform/envs/ENV) whose "
                            "values --live expects."),
    kms_key_arn: str = typer.Option(None, "--kms-key-arn", help="The lake's KMS key for --live; default: the key "
                                    "each bucket's default encryption names."),
) -> None:
    """Evidence for auditors: run the tests tied to each control of policies/controls.yaml and
    write a report (Markdown, self-contained HTML, JSON); exit 12 when a control fails.

    A control passes when at least one test names it and every test naming it passed. Runs from a
    checkout (its tests/ folder), against the real servers the tests start on loopback.

    With --live, the deployed environment is checked too, read-only, with the credentials given
    (VAULT_ADDR/VAULT_TOKEN of the auditor's policy, AWS_* of the auditor's role): Vault's
    policies equal the repository's, the Transit keys are neither exportable nor deletable and
    rotate as Terraform sets them, and each bucket's policy, encryption, versioning, public
    access block and logging match the Terraform modules.

    Example: secure-mlops audit --out audit-report
    Example: secure-mlops audit --live --bucket acme-secure-mlops-prod-data --bucket acme-secure-mlops-prod-data-audit
    """
    if context.invoked_subcommand is not None:
        return
    from secure_mlops.audit.report import audit_failed, summary_line
    from secure_mlops.audit.run import run_audit

    if bucket and not live:
        raise InputError("--bucket is checked only with --live", hint="add --live")
    settings = get_settings()
    out_dir = out or settings.state_dir / "audit" / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    live_report = None
    if live:  # first: a wrong address or credential fails in seconds, not after the tests
        from secure_mlops.audit.live import check_live, live_section

        typer.echo(f"checking the deployed environment against infra/terraform/envs/{env} ...", err=True)
        live_report = live_section(check_live(settings, buckets=bucket, env=env, kms_key_arn=kms_key_arn), env=env)
    typer.echo(f"running the control tests (log: {out_dir / 'pytest.log'}) ...", err=True)
    result = run_audit(settings.project_root, out_dir, live=live_report)
    for path in result.paths:
        typer.echo(str(path))
    line = summary_line(result.report)
    if audit_failed(result.report):
        raise ControlsFailed(line, hint=f"see {result.paths[1]}")
    typer.echo(line)


_STORE = typer.Option(None, "--store", help="The audit store: an s3:// prefix or a folder. "
                      "Default: SECURE_MLOPS_AUDIT_STORE, else STATE_DIR/audit-store.")


@app.command()
def runs(
    store: str = _STORE,
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


@app.command()
def budget(
    store: str = _STORE,
) -> None:
    """List the privacy budget of every dataset differentially private training has used: the
    contract, the dataset's digest, how many DP runs, the ε they spent, the contract's total and
    what is left.

    Example: secure-mlops audit budget --store s3://secure-mlops-data-audit/audit/runs/
    """
    from secure_mlops.audit.budget import list_ledgers

    where = store or get_settings().audit_store_uri
    ledgers = list_ledgers(where)
    if not ledgers:
        typer.echo(f"no privacy budget spent in {where}", err=True)
        return
    typer.echo(f"{'CONTRACT':<20} {'DATA (PLAINTEXT)':<20} {'RUNS':>4} {'SPENT ε':>8} {'TOTAL ε':>8} {'LEFT ε':>8}")
    for ledger in ledgers:
        first, total = ledger.entries[0], ledger.total_epsilon or 0.0
        left = max(total - ledger.spent_epsilon, 0.0)
        typer.echo(f"{first['contract']:<20} {str(first['dataset_sha256'])[:16]:<20} {len(ledger.entries):>4} "
                   f"{ledger.spent_epsilon:>8g} {total:>8g} {left:>8g}")
