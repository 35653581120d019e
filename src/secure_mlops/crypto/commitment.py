"""Key commitment (format version 2): a file's header names the one data key its chunks open under.

AES-GCM does not commit to its key: whoever holds two data keys can craft a chunk that verifies
under both, so two files differing only in the wrapped key would decrypt to two plaintexts. In
version 2 the header carries HMAC-SHA256(data key, label ‖ parameters), checked before any chunk
is opened, and the chunks use a second HMAC output under another label: the commitment is a
PRF value independent of the chunk key and reveals nothing about it. Collision resistance of
SHA-256 then ties one header to one data key (the committing-suite idea of the AWS Encryption
SDK, with one hash call per object).
"""

from __future__ import annotations

import hmac

from secure_mlops.crypto.format import (
    FORMAT_V1,
    EnvelopeHeader,
    check_version,
    encode_parameters,
    integrity_failure,
)
from secure_mlops.crypto.keys import DataKey, WrappedKey

_COMMITMENT_LABEL = b"SMLENC/2 key commitment"
_CHUNK_KEY_LABEL = b"SMLENC/2 chunk key"


def new_header(
    version: int, chunk_size: int, nonce_prefix: bytes, data_key: DataKey, wrapped_key: WrappedKey
) -> EnvelopeHeader:
    """The header of a new file: with the commitment to `data_key` from version 2 on."""
    check_version(version)
    parameters = encode_parameters(version, chunk_size, nonce_prefix)
    commitment = b"" if version == FORMAT_V1 else _derive(data_key, _COMMITMENT_LABEL, parameters)
    return EnvelopeHeader(version, chunk_size, nonce_prefix, commitment, wrapped_key)


def check_commitment(header: EnvelopeHeader, data_key: DataKey) -> None:
    """The generic IntegrityError unless `header` commits to `data_key` (version 1 commits to none)."""
    if header.version == FORMAT_V1:
        return
    if not hmac.compare_digest(_derive(data_key, _COMMITMENT_LABEL, header.parameters), header.commitment):
        raise integrity_failure()


def chunk_key(header: EnvelopeHeader, data_key: DataKey) -> bytes:
    """The AES-256 key of `header`'s chunks, once its commitment to `data_key` is checked."""
    check_commitment(header, data_key)
    if header.version == FORMAT_V1:
        return data_key.material
    return _derive(data_key, _CHUNK_KEY_LABEL, header.parameters)


def _derive(data_key: DataKey, label: bytes, parameters: bytes) -> bytes:
    # The labels differ in length and the parameters have a fixed one: no two inputs collide.
    return hmac.digest(data_key.material, label + parameters, "sha256")
