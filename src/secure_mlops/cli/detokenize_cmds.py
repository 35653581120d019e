"""`secure-mlops detokenize`: tokens back to values, for the re-identifier role, on the record."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from secure_mlops.cli.options import STDOUT, distinct, output_file
from secure_mlops.config import get_settings
from secure_mlops.errors import InputError


def register(app: typer.Typer) -> None:
    app.command()(detokenize)


def detokenize(
    column: str = typer.Option(..., "--column", help="The tokenized column the tokens come from, e.g. patient_id."),
    contract: Path = typer.Option(
        ..., "--contract", exists=True, dir_okay=False, help="The data contract that tokenized the column (YAML)."
    ),
    reason: str = typer.Option(
        ..., "--reason", help="Why the values are needed (one line, stored in the audit record), e.g. a ticket."
    ),
    input: Path = typer.Option(
        None, "--input", "-i", exists=True, dir_okay=False, readable=True,
        help="File of tokens, one per line. Default: stdin.",
    ),
    output: Path = output_file("Where to write the values, one per line, in the order of the tokens.",
                               stdout=True, required=False),
) -> None:
    """Turn tokens back into values with Vault Transit (the secure-mlops-reidentifier policy).

    Each call appends a record to the audit store (who, when, how many, column, reason; never a
    value or a token) before any value is written.
    Example: secure-mlops detokenize --contract policies/data/patients.contract.yaml --column patient_id
    --reason 'INC-1234: notify affected patients' -i tokens.txt -o values.txt
    """
    from secure_mlops.privacy import load_contract
    from secure_mlops.privacy.reidentify import check_reason, check_tokenized_column, reidentify
    from secure_mlops.storage.atomic import write_atomically
    from secure_mlops.vault.client import connect
    from secure_mlops.vault.errors import vault_errors
    from secure_mlops.vault.tokens import TransitTokenService

    distinct(("--input", input), ("--contract", contract), ("--output", output))
    data_contract = load_contract(contract)
    check_tokenized_column(data_contract, column)
    check_reason(reason)
    tokens = _read_tokens(input)
    settings = get_settings()
    client = connect(settings)
    with vault_errors("look up who is asking (auth/token/lookup-self)", client.url):
        identity = client.auth.token.lookup_self()["data"]
    result = reidentify(
        tokens, TransitTokenService(client, key_name=settings.token_key_name, mount=settings.transit_mount),
        contract=data_contract, column=column, reason=reason, who=str(identity.get("display_name") or "unknown"),
        entity_id=identity.get("entity_id") or None, store_uri=settings.audit_store_uri,
    )
    text = "".join(f"{value}\n" for value in result.values)
    if output is None or output == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomically(output, text)
    typer.echo(f"detokenized {len(result.values)} values of column {column}; recorded in {result.record}", err=True)


def _read_tokens(path: Path | None) -> list[str]:
    try:
        text = sys.stdin.read() if path is None else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the tokens ({type(exc).__name__})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]
