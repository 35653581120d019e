"""File wrappers: the output appears, complete and verified, or not at all."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from secure_mlops.crypto.format import DEFAULT_CHUNK_SIZE, EnvelopeHeader
from secure_mlops.crypto.keys import KeyService
from secure_mlops.crypto.stream import decrypt_stream, encrypt_stream, rewrap_stream
from secure_mlops.errors import InputError
from secure_mlops.storage.atomic import atomic_output


def encrypt_file(
    input: Path,
    output: Path,
    key_service: KeyService,
    context: bytes,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> EnvelopeHeader:
    """Encrypt `input` to `output` (atomically, mode 0600); see `encrypt_stream`."""
    with _open_input(input) as src, atomic_output(output) as dst:
        return encrypt_stream(src, dst, key_service, context, chunk_size)


def decrypt_file(
    input: Path, output: Path, key_service: KeyService, context: bytes
) -> EnvelopeHeader:
    """Decrypt `input` to `output` (mode 0600); `output` appears only if all of `input` verified."""
    with _open_input(input) as src, atomic_output(output) as dst:
        return decrypt_stream(src, dst, key_service, context)


def rewrap_file(input: Path, output: Path, key_service: KeyService) -> EnvelopeHeader:
    """Re-wrap `input`'s data key into `output` (atomically); `output` may be `input` itself.

    `output` gets `input`'s permissions (ciphertext shared with a group stays shared), set on
    the temp file before it is renamed into place. Nothing is written if `input` fails the
    checks of `rewrap_stream`.
    """
    with _open_input(input) as src, atomic_output(output) as dst:
        os.fchmod(dst.fileno(), os.fstat(src.fileno()).st_mode & 0o777)  # permission bits only
        return rewrap_stream(src, dst, key_service)


def _open_input(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
