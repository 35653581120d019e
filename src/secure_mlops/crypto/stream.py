"""Chunked AES-256-GCM in the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015).

Chunk i is sealed with nonce = prefix(7) || i (u32) || last (u8) and associated data
= the header's fixed part || the caller's context. Every chunk but the last holds exactly
`chunk_size` plaintext bytes and the last holds fewer (none if the data is empty or ends on a
chunk boundary), so the reader knows the last chunk by its length and needs no look-ahead, and
reordering, dropping, truncating or appending chunks all change some nonce and fail the tag.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secure_mlops.crypto._io import readinto_full, write_all
from secure_mlops.crypto._pipeline import run_chunks
from secure_mlops.crypto.format import (
    DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    MIN_CHUNK_SIZE,
    NONCE_PREFIX_SIZE,
    TAG_SIZE,
    EnvelopeHeader,
    integrity_failure,
    is_valid_chunk_size,
    read_header,
)
from secure_mlops.crypto.keys import KeyService
from secure_mlops.errors import InputError

_COUNTER = struct.Struct(">IB")
_MAX_CHUNKS = 2**32  # the chunk index is a u32 in the nonce
_COPY_SIZE = 1024 * 1024


def encrypt_stream(
    src: BinaryIO,
    dst: BinaryIO,
    key_service: KeyService,
    context: bytes,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> EnvelopeHeader:
    """Encrypt `src` into `dst` under a fresh data key (one key-service call).

    `context` is bound to the ciphertext (for example the object's path): decryption with any
    other context fails.
    """
    _check_context(context)
    if not is_valid_chunk_size(chunk_size):
        raise InputError(f"chunk size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} bytes")
    data_key, wrapped_key = key_service.generate_data_key()
    try:
        header = EnvelopeHeader(chunk_size, os.urandom(NONCE_PREFIX_SIZE), wrapped_key)
        write_all(dst, memoryview(header.encode()))
        _seal_chunks(AESGCM(data_key.material), header, context, src, dst)
    finally:
        data_key.wipe()
    return header


def decrypt_stream(
    src: BinaryIO, dst: BinaryIO, key_service: KeyService, context: bytes
) -> EnvelopeHeader:
    """Decrypt `src` into `dst`, verifying every chunk (one key-service call).

    Each chunk is written once it verified, so after an IntegrityError `dst` may hold the
    verified beginning of a damaged stream: discard it (`decrypt_file` does so for you).
    """
    _check_context(context)
    header = read_header(src)
    data_key = key_service.unwrap_data_key(header.wrapped_key)
    try:
        _open_chunks(AESGCM(data_key.material), header, context, src, dst)
    finally:
        data_key.wipe()
    return header


def rewrap_stream(src: BinaryIO, dst: BinaryIO, key_service: KeyService) -> EnvelopeHeader:
    """Re-wrap the data key under the newest key version; the chunks are copied untouched.

    The data is not decrypted, so damage to the chunks surfaces only at the next decryption.
    """
    header = read_header(src)
    rewrapped = header.with_wrapped_key(key_service.rewrap_data_key(header.wrapped_key))
    write_all(dst, memoryview(rewrapped.encode()))
    view = memoryview(bytearray(_COPY_SIZE))
    while count := readinto_full(src, view):
        write_all(dst, view[:count])
    return rewrapped


def _seal_chunks(
    aead: AESGCM, header: EnvelopeHeader, context: bytes, src: BinaryIO, dst: BinaryIO
) -> None:
    associated_data = header.fixed_bytes + context

    def seal(index: int, plaintext: memoryview, last: bool, out: memoryview) -> memoryview:
        if index >= _MAX_CHUNKS:
            raise InputError(f"input too large for {header.chunk_size}-byte chunks")
        sealed = out[: len(plaintext) + TAG_SIZE]
        aead.encrypt_into(_nonce(header, index, last), plaintext, associated_data, sealed)
        return sealed

    run_chunks(src, dst, header.chunk_size, header.chunk_size + TAG_SIZE, seal)


def _open_chunks(
    aead: AESGCM, header: EnvelopeHeader, context: bytes, src: BinaryIO, dst: BinaryIO
) -> None:
    associated_data = header.fixed_bytes + context

    def open_(index: int, sealed: memoryview, last: bool, out: memoryview) -> memoryview:
        # Shorter than a tag: the stream ended where a chunk (at least the final one) belongs.
        if len(sealed) < TAG_SIZE or index >= _MAX_CHUNKS:
            raise integrity_failure()
        plaintext = out[: len(sealed) - TAG_SIZE]
        try:
            aead.decrypt_into(_nonce(header, index, last), sealed, associated_data, plaintext)
        except InvalidTag:
            raise integrity_failure() from None
        return plaintext

    run_chunks(src, dst, header.chunk_size + TAG_SIZE, header.chunk_size, open_)


def _nonce(header: EnvelopeHeader, index: int, last: bool) -> bytes:
    return header.nonce_prefix + _COUNTER.pack(index, last)


def _check_context(context: bytes) -> None:
    if not isinstance(context, bytes | bytearray):
        raise InputError("context must be bytes (for example the object's path, encoded)")
