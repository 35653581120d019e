"""`secure-mlops contract init | check`: propose a data contract from a sample, check one before a run."""

from __future__ import annotations

from pathlib import Path

import typer

from secure_mlops.cli.options import STDOUT, distinct, output_file

app = typer.Typer(
    help="Write and check data contracts (docs/contracts.md): which columns are accepted, how each is "
    "minimized, and the k-anonymity a run must reach.\n\n"
    "Example: secure-mlops contract init --sample churn.csv -o churn.contract.yaml && "
    "secure-mlops contract check churn.contract.yaml --data churn.csv",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command()
def init(
    sample: Path = typer.Option(..., "--sample", exists=True, dir_okay=False, readable=True, metavar="FILE",
                                help="A sample of the data: .csv or .parquet (read whole: a sample, not the extract)."),
    k: int = typer.Option(5, "--k", min=1, metavar="N", help="The k-anonymity the contract requires and reaches on the sample."),
    target: str = typer.Option(None, "--target", metavar="COLUMN",
                               help="The column the model predicts (its label). Default: a guess, said so in a comment."),
    name: str = typer.Option(None, "--name", metavar="NAME", help="The contract's name. Default: from the sample's file name."),
    output: Path = output_file("Where to write the proposed contract (YAML). Default: stdout.", stdout=True,
                               required=False),
) -> None:
    """Propose a data contract from a sample, with a comment on every choice for a person to review.

    Identifiers, quasi-identifiers, features and the target are recognized by name and by value;
    quasi-identifiers are generalized until the sample is k-anonymous. Values never reach the
    contract, except a label's few classes.
    Example: secure-mlops contract init --sample churn.csv --target churned -o churn.contract.yaml
    """
    from secure_mlops.privacy.contract_init import propose_contract
    from secure_mlops.storage import write_atomically

    distinct(("--sample", sample), ("--output", output))
    proposal = propose_contract(sample, k=k, target=target, name=name)
    if output is None or output == STDOUT:
        typer.echo(proposal.text, nl=False)
        return
    write_atomically(output, proposal.text)
    typer.echo(f"proposed {output}: {len(proposal.contract.columns)} columns, k = {proposal.k_achieved} on "
               f"{proposal.rows} sample rows (required {k}); review each column's comment, then "
               f"`secure-mlops contract check {output} --data FILE`")


@app.command()
def check(
    contract: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, metavar="CONTRACT",
                                    help="The data contract (YAML)."),
    data: Path = typer.Option(None, "--data", exists=True, dir_okay=False, readable=True, metavar="FILE",
                              help="Also check it against this data (.csv or .parquet), as minimization would meet it."),
) -> None:
    """Check a data contract: every rule, one line per problem; with --data, the columns, their types
    and the k-anonymity reached after minimization (column names and counts only, never values).

    Exit code 0 when fine, 4 for a problem in the contract or the data, 5 when only k is not reached.
    Example: secure-mlops contract check policies/data/patients.contract.yaml --data raw.csv
    """
    from secure_mlops.privacy.contract_check import check_contract

    result = check_contract(contract, data)
    for problem in result.problems:
        typer.echo(f"problem: {problem}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    if result.k_anonymity is not None and data is not None:
        typer.echo(result.k_anonymity.summary(data.name))
    failure = result.failure()
    if failure is not None:
        raise failure
    c = result.contract
    if c is None:  # unreachable: a contract that did not load is a problem
        return
    typer.echo(f"ok: contract {c.name} version {c.version}: {len(c.columns)} columns, k = {c.k_anonymity.k}"
               + (f", checked against {data.name}" if data is not None else ""))
