"""`secure-mlops minimize | redact`: data minimization and log redaction."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import typer

from secure_mlops.cli.options import distinct, input_file, output_file

_NOTHING_BEFORE_THE_GATE = "nothing is written before the k-anonymity gate has passed, at the end"


def register(app: typer.Typer) -> None:
    app.command()(minimize)
    app.command()(redact)


def minimize(
    contract: Path = typer.Option(
        ..., "--contract", exists=True, dir_okay=False, help="Data contract (YAML), e.g. policies/data/patients.contract.yaml."
    ),
    input: Path = input_file("Raw data: .csv or .parquet."),
    output: Path = output_file("Minimized Parquet file to write (nothing is written if a gate fails).",
                               no_stdout=_NOTHING_BEFORE_THE_GATE),
    report: Path = output_file(
        "Where to write the JSON report (counts only), together with the output or not at all. "
        "Default: OUTPUT.report.json.", names=("--report",), required=False, no_stdout=_NOTHING_BEFORE_THE_GATE,
    ),
    k: int = typer.Option(
        None, "--k", min=1, help="Raise the k-anonymity threshold for this run (never below the contract's k)."
    ),
) -> None:
    """Apply a data contract: drop, keep, generalize, mask and pseudonymize columns; enforce k-anonymity.

    Pseudonyms are keyed HMAC-SHA256 computed by Vault Transit (the key never leaves Vault).
    Example: secure-mlops minimize --contract policies/data/patients.contract.yaml -i raw.csv -o min.parquet
    """
    from secure_mlops.privacy import load_contract, minimize_file
    from secure_mlops.vault import pseudonym_hmac_service, token_service

    report_path = report or output.with_name(output.name + ".report.json")
    distinct(("--input", input), ("--contract", contract), ("--output", output), ("--report", report_path))
    data_contract = load_contract(contract)
    result = minimize_file(data_contract, input, output, pseudonym_hmac_service(), k=k, report_path=report_path,
                           make_token_service=token_service)
    typer.echo(
        f"minimized {result.input_rows} rows -> {output}: k-anonymity {result.k_achieved} "
        f"(required {result.k_required}); report: {report_path}"
    )


def redact(
    contract: list[Path] = typer.Option(
        None, "--contract", exists=True, dir_okay=False,
        help="Also redact values of the identifier columns this data contract names (repeatable).",
    ),
    line_buffered: bool = typer.Option(False, "--line-buffered", help="Flush after every line (for `tail -f`)."),
    deep: bool = typer.Option(
        False, "--deep",
        help="Also redact names, places and nationalities found by a named-entity model (Presidio, spaCy), "
             "after the usual detectors. Offline, a few hundred lines/s: for bulk scrubbing. Needs `make deep`.",
    ),
) -> None:
    """Redact personal data and secrets from logs: reads stdin, writes stdout, line by line.

    What it finds (keys of services, national and card numbers, addresses, names a cue announces,
    sensitive keys in any log format) and how well: docs/redaction.md.

    Examples: kubectl logs deploy/inference | secure-mlops redact --contract policies/data/patients.contract.yaml

    secure-mlops redact --deep < tickets.txt > tickets.scrubbed.txt
    """
    from secure_mlops.redaction import Redactor, redact_stream
    from secure_mlops.redaction.spans import LineRedactor

    redactor: LineRedactor = Redactor(extra_keys=_identifier_columns(contract or []))
    if deep:
        # Built before stdin is read: a missing backend fails at once, with nothing written.
        from secure_mlops.redaction.deep import DeepRedactor

        redactor = DeepRedactor(redactor)
    # Undecodable bytes must not stop the stream (or echo raw bytes in an error): replace them.
    source = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    out = sys.stdout
    # The stream, not line by line: a PEM private key's body spans lines and is dropped whole.
    for line in redact_stream(source, redactor):
        out.write(line)
        if line_buffered:
            out.flush()


def _identifier_columns(contracts: list[Path]) -> list[str]:
    if not contracts:
        return []
    from secure_mlops.privacy import load_contract

    return [name for path in contracts for name in load_contract(path).identifier_columns()]
