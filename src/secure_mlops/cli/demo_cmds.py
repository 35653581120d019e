"""`secure-mlops demo | demo-data`: the end-to-end demo and its synthetic data."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from secure_mlops.cli.options import STDOUT, contract_option, contract_or_default, output_file
from secure_mlops.config import get_settings


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command("demo-data")(demo_data)


def demo(
    contract: Path = contract_option(),
    out: Path = typer.Option(None, "--out", file_okay=False, help="Where to keep the results. Default: STATE_DIR/demo."),
    rows: int = typer.Option(569, "--rows", min=50, help="Rows of synthetic data (the patients contract's k "
                             "is reached from 130 rows)."),
) -> None:
    """Run the data core end to end on a synthetic extract with identifiers in it.

    Starts the local Vault if needed, minimizes, encrypts, decrypts to a scratch file and
    compares, redacts a sample log, and prints a summary. Example: secure-mlops demo --rows 2000
    """
    from secure_mlops.demo import run_demo

    settings = get_settings()
    s = run_demo(settings, contract_or_default(contract), out or settings.state_dir / "demo", rows=rows)
    echo = typer.echo
    echo(f"Vault:        {s.vault_addr} (data key version {s.key_version})")
    echo(f"minimize:     {s.raw_rows} rows in, {s.minimized_rows} out; k-anonymity {s.k_achieved} >= {s.k_required}")
    echo(f"  dropped:    {', '.join(s.columns_dropped)}")
    echo(f"  not in contract, dropped: {', '.join(s.columns_not_in_contract) or 'none'}")
    for action, columns in s.columns_transformed.items():
        echo(f"  {action + ':':<11} {', '.join(columns)}")
    echo(f"encrypt:      {s.encrypted_path}")
    echo(f"decrypt:      round trip {'identical' if s.round_trip_ok else 'DIFFERENT'} (scratch copy removed)")
    echo(f"report:       {s.report_path}")
    echo("redact (sample log):")
    for line in s.redacted_log:
        echo(f"  {line}")
    if s.vault_addr == settings.dev_vault_addr:
        echo(f"the local Vault keeps running (state in {settings.state_dir}); stop it with `secure-mlops dev down`")
    if not s.round_trip_ok:
        raise typer.Exit(1)


def demo_data(
    out: Path = output_file("File to write: .csv or .parquet (by its suffix).", names=("--out", "-o"), stdout=True),
    rows: int = typer.Option(569, "--rows", min=1, help="Rows; above 569 rows are resampled with noise."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same file."),
) -> None:
    """Write a synthetic patients extract (real breast-cancer features, fake identities), CSV or Parquet.

    It contains synthetic personal data on purpose: use it to try `minimize`. With -o -, CSV goes
    to stdout. Example: secure-mlops demo-data --rows 1000 --out raw.csv
    """
    from secure_mlops.demo_data import write_patients, write_patients_to

    if out == STDOUT:
        write_patients_to(sys.stdout.buffer, rows=rows, seed=seed)
        sys.stdout.buffer.flush()
    else:
        write_patients(out, rows=rows, seed=seed)
    typer.echo(f"wrote {rows} synthetic rows to {'stdout' if out == STDOUT else out}", err=out == STDOUT)
