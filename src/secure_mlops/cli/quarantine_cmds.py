"""`secure-mlops quarantine`: move a poisoned or leaked dataset where no workload can read it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command()(quarantine)


def quarantine(
    prefix: str = typer.Argument(
        ..., metavar="PREFIX",
        help="s3://BUCKET/PREFIX (matched as S3 matches prefixes: end it with / to name one folder), or a local folder.",
    ),
    reason: str = typer.Option(..., "--reason", metavar="TEXT",
                               help="Why, for the incident's record (a ticket, not data): printed with the result."),
) -> None:
    """Quarantine a dataset: every object under s3://BUCKET/PREFIX moves to
    s3://BUCKET/quarantine/PREFIX (a copy, then a delete), out of reach of every workload role.
    The lake is versioned, so the original versions stay as evidence. A local folder moves to
    quarantine/ beside it, with mode 0o700.

    Refuses (exit 4) an empty --reason, a prefix already in quarantine/, and one that matches
    nothing; exit 8 if S3 refuses (what was moved stays moved: run it again). Needs AWS credentials
    that may list, read and delete under the prefix and write under quarantine/: a person's, as
    no workload role may.

    Example: secure-mlops quarantine s3://lake/raw/batch-7/ --reason "INC-42: poisoned labels"
    """
    from secure_mlops.storage.quarantine import quarantine as quarantine_prefix

    result = quarantine_prefix(prefix, reason=reason)
    typer.echo(f"quarantined {result.source} -> {result.target}")
    typer.echo(f"moved {result.moved}, gone meanwhile {result.gone}")
    typer.echo(f"reason: {reason.strip()}")
