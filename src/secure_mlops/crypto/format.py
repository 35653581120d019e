"""The envelope header: encoding, parsing and the format's limits (spec: docs/envelope-format.md).

Layout, all integers big-endian::

    fixed part (bound into every chunk's AAD, never changes after encryption)
      parameters (19 bytes): magic "SMLENC" | format version u8 | algorithm id u8 |
                             chunk size u32 | nonce prefix (7)
      version 2 only: key commitment (32), derived from the data key and the parameters
    key part (replaced by rewrap)
      key name length u16 | key name (ASCII) | key version u32 | wrapped key length u16 |
      wrapped key (ASCII, Vault's "vault:v<N>:<base64>")

Parsing is canonical: every field has one valid spelling, so any changed byte is refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from typing import BinaryIO

from secure_mlops.crypto._io import readinto_full
from secure_mlops.crypto.keys import WrappedKey
from secure_mlops.errors import InputError, IntegrityError

MAGIC = b"SMLENC"
FORMAT_V1 = 1  # read, and written only when asked (for readers that predate version 2)
FORMAT_V2 = 2  # key-committing
FORMAT_VERSION = FORMAT_V2  # what files are written in
FORMAT_VERSIONS = (FORMAT_V1, FORMAT_V2)
ALGORITHM_AES_256_GCM_STREAM = 1

NONCE_PREFIX_SIZE = 7
TAG_SIZE = 16
COMMITMENT_SIZE = 32
MIN_CHUNK_SIZE = 4 * 1024
MAX_CHUNK_SIZE = 64 * 1024 * 1024
# 1 MiB: AES-GCM runs at full speed from ~64 KiB up, so bigger chunks buy nothing, while the
# Python loop costs ~1 µs per chunk and the 16-byte tag 0.0015 % of the data at this size.
DEFAULT_CHUNK_SIZE = 1024 * 1024

_PARAMETERS = struct.Struct(f">{len(MAGIC)}sBBI{NONCE_PREFIX_SIZE}s")
_AFTER_VERSION = struct.Struct(f">BI{NONCE_PREFIX_SIZE}s")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")

INTEGRITY_FAILURE = (
    "decryption failed: the file was modified, truncated, or the context does not match"
)


def integrity_failure() -> IntegrityError:
    """The one error for every failed check, so a caller (or attacker) learns nothing from it."""
    return IntegrityError(INTEGRITY_FAILURE)


def is_valid_chunk_size(chunk_size: int) -> bool:
    return MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE


def check_version(version: int) -> None:
    if version not in FORMAT_VERSIONS:
        raise InputError(f"unsupported encrypted file format version {version}")


def encode_parameters(version: int, chunk_size: int, nonce_prefix: bytes) -> bytes:
    """The header's first 19 bytes: what the key commitment and every chunk are bound to."""
    return _PARAMETERS.pack(MAGIC, version, ALGORITHM_AES_256_GCM_STREAM, chunk_size, nonce_prefix)


@dataclass(frozen=True)
class EnvelopeHeader:
    """What precedes the chunks: chunking parameters, key commitment and the wrapped data key."""

    version: int
    chunk_size: int
    nonce_prefix: bytes
    commitment: bytes  # empty in version 1
    wrapped_key: WrappedKey

    def __post_init__(self) -> None:
        check_version(self.version)
        if len(self.commitment) != (COMMITMENT_SIZE if self.version == FORMAT_V2 else 0):
            raise ValueError("a version 2 header carries a 32-byte key commitment, version 1 none")

    @property
    def key_name(self) -> str:
        return self.wrapped_key.key_name

    @property
    def key_version(self) -> int:
        return self.wrapped_key.version

    @property
    def parameters(self) -> bytes:
        return encode_parameters(self.version, self.chunk_size, self.nonce_prefix)

    @property
    def fixed_bytes(self) -> bytes:
        """The immutable part, exactly as stored; it prefixes every chunk's associated data."""
        return self.parameters + self.commitment

    def encode(self) -> bytes:
        name = self.wrapped_key.key_name.encode("ascii")
        wrapped = self.wrapped_key.ciphertext.encode("ascii")
        return b"".join(
            (
                self.fixed_bytes,
                _U16.pack(len(name)),
                name,
                _U32.pack(self.key_version),
                _U16.pack(len(wrapped)),
                wrapped,
            )
        )

    def with_wrapped_key(self, wrapped_key: WrappedKey) -> EnvelopeHeader:
        return replace(self, wrapped_key=wrapped_key)

    def is_valid_body_length(self, length: int) -> bool:
        """Whether `length` bytes can be this header's chunks: full segments of chunk size + tag,
        then one final segment of at least a tag and less than a full one."""
        return length % (self.chunk_size + TAG_SIZE) >= TAG_SIZE


def read_header(src: BinaryIO) -> EnvelopeHeader:
    """Parse the header and leave `src` at the first chunk.

    InputError if `src` is not an envelope at all or has a format version we do not know;
    IntegrityError (the generic one) for anything else wrong in the header.
    """
    if _read_exact(src, len(MAGIC), not_ours=True) != MAGIC:
        raise InputError("not a secure-mlops encrypted file")
    version = _read_exact(src, 1)[0]
    check_version(version)
    algorithm, chunk_size, nonce_prefix = _AFTER_VERSION.unpack(_read_exact(src, _AFTER_VERSION.size))
    # A hostile chunk size would make the reader allocate up to 4 GiB per chunk buffer.
    if algorithm != ALGORITHM_AES_256_GCM_STREAM or not is_valid_chunk_size(chunk_size):
        raise integrity_failure()
    commitment = _read_exact(src, COMMITMENT_SIZE) if version == FORMAT_V2 else b""

    name = _read_exact(src, _U16.unpack(_read_exact(src, _U16.size))[0])
    (key_version,) = _U32.unpack(_read_exact(src, _U32.size))
    wrapped = _read_exact(src, _U16.unpack(_read_exact(src, _U16.size))[0])
    try:
        wrapped_key = WrappedKey(key_name=name.decode("ascii"), ciphertext=wrapped.decode("ascii"))
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise integrity_failure() from None
    if wrapped_key.version != key_version:
        raise integrity_failure()
    return EnvelopeHeader(version, chunk_size, nonce_prefix, commitment, wrapped_key)


def _read_exact(src: BinaryIO, size: int, *, not_ours: bool = False) -> bytes:
    buffer = bytearray(size)
    if readinto_full(src, memoryview(buffer)) != size:
        if not_ours:
            raise InputError("not a secure-mlops encrypted file")
        raise integrity_failure()
    return bytes(buffer)
