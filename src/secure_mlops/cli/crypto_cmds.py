"""`secure-mlops encrypt | decrypt | rewrap`: envelope encryption with data keys from Vault."""

from __future__ import annotations

from pathlib import Path

import typer

from secure_mlops.cli.options import distinct, input_file, output_file
from secure_mlops.config import get_settings

CONTEXT_HELP = (
    "Associated data bound to the file, e.g. its object path. Defaults to the encrypted file's "
    "name, so a renamed file must be decrypted with --context OLD_NAME."
)


def register(app: typer.Typer) -> None:
    app.command()(encrypt)
    app.command()(decrypt)
    app.command()(rewrap)


def encrypt(
    input: Path = input_file("Plaintext file to encrypt."),
    output: Path = output_file("Encrypted file to write (appears only when complete)."),
    context: str = typer.Option(None, "--context", "-c", help=CONTEXT_HELP),
) -> None:
    """Encrypt a file with a fresh data key from Vault Transit (AES-256-GCM, streamed).

    Example: secure-mlops encrypt -i minimized.parquet -o minimized.parquet.enc
    """
    from secure_mlops.crypto import encrypt_file
    from secure_mlops.vault import data_key_service

    distinct(input, output)
    settings = get_settings()
    header = encrypt_file(
        input, output, data_key_service(settings), _context(context, output), settings.chunk_size
    )
    typer.echo(f"encrypted {input} -> {output} (key {header.key_name} v{header.key_version})")


def decrypt(
    input: Path = input_file("Encrypted file to read."),
    output: Path = output_file("Plaintext file to write (appears only if all of the input verified)."),
    context: str = typer.Option(None, "--context", "-c", help=CONTEXT_HELP),
) -> None:
    """Decrypt and verify a file; nothing is written unless every chunk verifies.

    Example: secure-mlops decrypt -i minimized.parquet.enc -o /dev/shm/minimized.parquet
    """
    from secure_mlops.crypto import decrypt_file
    from secure_mlops.vault import data_key_service

    distinct(input, output)
    decrypt_file(input, output, data_key_service(), _context(context, input))
    typer.echo(f"decrypted {input} -> {output}")


def rewrap(
    input: Path = input_file("Encrypted file whose data key to re-wrap."),
    output: Path = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Where to write; default: replace the input atomically."
    ),
) -> None:
    """Re-wrap a file's data key under the newest Transit key version, without touching the data.

    Run after `vault write -f transit/keys/<key>/rotate`, before raising min_decryption_version.
    Example: secure-mlops rewrap -i minimized.parquet.enc
    """
    from secure_mlops.crypto import rewrap_file
    from secure_mlops.vault import data_key_service

    header = rewrap_file(input, output or input, data_key_service())
    typer.echo(f"rewrapped {output or input} (key {header.key_name} v{header.key_version})")


def _context(explicit: str | None, encrypted_file: Path) -> bytes:
    return (explicit if explicit is not None else encrypted_file.name).encode("utf-8")
