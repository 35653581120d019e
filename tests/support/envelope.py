"""The envelope format as docs/envelope-format.md states it, for tests that build or alter files
byte by byte: the version 2 key schedule and the key part's layout, written from the document."""

from __future__ import annotations

import hmac

from secure_mlops.crypto import DataKey, WrappedKey

COMMITMENT_LABEL = b"SMLENC/2 key commitment"
CHUNK_KEY_LABEL = b"SMLENC/2 chunk key"
PARAMETERS_SIZE = 19  # magic, version, algorithm id, chunk size, nonce prefix
COMMITMENT_SIZE = 32


def spec_keys(data_key: bytes, parameters: bytes) -> tuple[bytes, bytes]:
    """(key commitment, chunk key) of version 2 for the header's 19 parameter bytes."""
    return (
        hmac.new(data_key, COMMITMENT_LABEL + parameters, "sha256").digest(),
        hmac.new(data_key, CHUNK_KEY_LABEL + parameters, "sha256").digest(),
    )


def fixed_part_size(blob: bytes) -> int:
    return PARAMETERS_SIZE + (COMMITMENT_SIZE if blob[6] == 2 else 0)


def with_key_part(blob: bytes, *, name: bytes | None = None, wrapped: bytes | None = None) -> bytes:
    """`blob` with its key name and/or wrapped key replaced, lengths fixed up, all else as it was:
    what someone who can edit the file (but holds no key) can make of it."""
    start = fixed_part_size(blob)
    name_end = start + 2 + int.from_bytes(blob[start : start + 2], "big")
    old_name = blob[start + 2 : name_end]
    version = blob[name_end : name_end + 4]
    wrapped_end = name_end + 6 + int.from_bytes(blob[name_end + 4 : name_end + 6], "big")
    old_wrapped = blob[name_end + 6 : wrapped_end]
    if wrapped is not None:  # the key version field follows the wrapped key's `vault:v<N>:`
        version = int(wrapped.split(b":")[1][1:]).to_bytes(4, "big")
    name = old_name if name is None else name
    wrapped = old_wrapped if wrapped is None else wrapped
    key_part = len(name).to_bytes(2, "big") + name + version + len(wrapped).to_bytes(2, "big") + wrapped
    return blob[:start] + key_part + blob[wrapped_end:]


class HandsOut:
    """A key service for crafting files: it hands out one data key chosen by the caller, as an
    attacker with their own keys encrypts."""

    def __init__(self, key: bytes, wrapped: WrappedKey) -> None:
        self._key, self._wrapped = key, wrapped

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        return DataKey(self._key), self._wrapped
