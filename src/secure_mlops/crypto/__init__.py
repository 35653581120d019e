"""Envelope encryption: one data key per object from the key service, AES-256-GCM, streamed.

Recipe-level calls only; every verification failure is the same `IntegrityError`. Files are
written in format version 2, whose header commits to its data key; version 1 is still read. A
plaintext data key lives only in memory and is never logged, pickled or stored; this package
never talks to Vault itself (the key service is passed in). The format is specified in
docs/envelope-format.md.
"""

from __future__ import annotations

from secure_mlops.crypto.files import decrypt_file, encrypt_file, rewrap_file
from secure_mlops.crypto.format import DEFAULT_CHUNK_SIZE, EnvelopeHeader, read_header
from secure_mlops.crypto.keys import DataKey, KeyService, WrappedKey
from secure_mlops.crypto.stream import decrypt_stream, encrypt_stream, rewrap_stream

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DataKey",
    "EnvelopeHeader",
    "KeyService",
    "WrappedKey",
    "decrypt_file",
    "decrypt_stream",
    "encrypt_file",
    "encrypt_stream",
    "read_header",
    "rewrap_file",
    "rewrap_stream",
]
