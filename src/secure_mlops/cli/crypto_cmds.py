"""`secure-mlops encrypt | decrypt | rewrap`: envelope encryption with data keys from Vault."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from secure_mlops.cli.options import STDOUT, distinct, input_file, output_file
from secure_mlops.config import get_settings
from secure_mlops.errors import InputError

if TYPE_CHECKING:
    from secure_mlops.crypto import EnvelopeHeader
    from secure_mlops.crypto.keys import KeyService

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
    output: Path = output_file(
        "Encrypted file to write (appears only when complete); with -, --context is required.", stdout=True
    ),
    context: str = typer.Option(None, "--context", "-c", help=CONTEXT_HELP),
) -> None:
    """Encrypt a file with a fresh data key from Vault Transit (AES-256-GCM, streamed).

    Example: secure-mlops encrypt -i minimized.parquet -o minimized.parquet.enc
    (or -o - --context s3://lake/minimized.parquet.enc | aws s3 cp - s3://lake/minimized.parquet.enc)
    """
    from secure_mlops.crypto import encrypt_file
    from secure_mlops.vault import data_key_service

    distinct(("--input", input), ("--output", output))
    to_stdout = output == STDOUT
    if to_stdout and context is None:
        raise InputError("-o - needs --context", hint="the default context is the output file's name")
    associated = _context(context, output)
    settings = get_settings()
    keys = data_key_service(settings)
    if to_stdout:
        header = _encrypt_to_stdout(input, keys, associated, settings.chunk_size)
    else:
        header = encrypt_file(input, output, keys, associated, settings.chunk_size)
    # With -o -, stdout carries the ciphertext: the message goes to stderr.
    typer.echo(f"encrypted {input} -> {'stdout' if to_stdout else output} (key {header.key_name} "
               f"v{header.key_version})", err=to_stdout)


def _encrypt_to_stdout(input: Path, keys: KeyService, context: bytes, chunk_size: int) -> EnvelopeHeader:
    from secure_mlops.crypto import encrypt_stream

    try:
        src = input.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {input}: {exc.strerror}") from None
    with src:
        header = encrypt_stream(src, sys.stdout.buffer, keys, context, chunk_size)
    sys.stdout.buffer.flush()
    return header


def decrypt(
    input: Path = input_file("Encrypted file to read."),
    output: Path = output_file(
        "Plaintext file to write (appears only if all of the input verified).",
        no_stdout="plaintext is released only once all of it has verified; write a file (e.g. under /dev/shm)",
    ),
    context: str = typer.Option(None, "--context", "-c", help=CONTEXT_HELP),
) -> None:
    """Decrypt and verify a file; nothing is written unless every chunk verifies.

    Example: secure-mlops decrypt -i minimized.parquet.enc -o /dev/shm/minimized.parquet
    """
    from secure_mlops.crypto import decrypt_file
    from secure_mlops.vault import data_key_service

    distinct(("--input", input), ("--output", output))
    associated = _context(context, input)
    decrypt_file(input, output, data_key_service(), associated)
    typer.echo(f"decrypted {input} -> {output}")


def rewrap(
    input: Path = input_file("Encrypted file whose data key to re-wrap."),
    output: Path = output_file("Where to write; default: replace the input atomically.", required=False),
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
    """The associated data as UTF-8: the same bytes on every platform and locale."""
    try:
        return (explicit if explicit is not None else encrypted_file.name).encode("utf-8")
    except UnicodeEncodeError:  # an argument or file name in another encoding (surrogate escapes)
        what = "--context" if explicit is not None else "the encrypted file's name, the default --context,"
        raise InputError(f"{what} is not valid UTF-8", hint="pass --context in UTF-8") from None
