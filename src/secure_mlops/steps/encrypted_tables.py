"""Encrypted Parquet tables, decrypted into memory only."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from secure_mlops.crypto import EnvelopeHeader, KeyService, decrypt_stream, encrypt_stream
from secure_mlops.errors import InputError
from secure_mlops.storage import atomic_output


def read_encrypted_table(path: Path, context: str, key_service: KeyService) -> pa.Table:
    """Decrypt and verify the whole file in memory, then parse it: plaintext never touches disk."""
    plain = io.BytesIO()
    try:
        with open(path, "rb") as src:
            decrypt_stream(src, plain, key_service, context.encode())
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return pq.read_table(pa.BufferReader(plain.getbuffer()))


def write_encrypted_table(
    table: pa.Table, path: Path, context: str, key_service: KeyService, chunk_size: int
) -> EnvelopeHeader:
    plain = io.BytesIO()
    pq.write_table(table, plain)
    plain.seek(0)
    with atomic_output(path) as dst:
        return encrypt_stream(plain, dst, key_service, context.encode(), chunk_size)
