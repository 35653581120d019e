"""Chunked AES-256-GCM in the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015).

Chunk i is sealed with nonce = prefix(7) || i (u32) || last (u8) and associated data
= the header's fixed part || the caller's context. Every chunk but the last holds exactly
`chunk_size` plaintext bytes and the last holds fewer (none if the data is empty or ends on a
chunk boundary), so the reader knows the last chunk by its length and needs no look-ahead, and
reordering, dropping, truncating or appending chunks all change some nonce and fail the tag.
In format version 2 the chunk key is derived from the data key, and the header's commitment to
the data key is checked before any chunk is opened (crypto/commitment.py).
"""

from __future__ import annotations

import os
from typing import BinaryIO

from secure_mlops.crypto._chunks import open_chunks, seal_chunks
from secure_mlops.crypto._io import readinto_full, write_all
from secure_mlops.crypto.commitment import check_commitment, chunk_key, new_header
from secure_mlops.crypto.format import (
    DEFAULT_CHUNK_SIZE,
    FORMAT_VERSION,
    MAX_CHUNK_SIZE,
    MIN_CHUNK_SIZE,
    NONCE_PREFIX_SIZE,
    EnvelopeHeader,
    check_version,
    integrity_failure,
    is_valid_chunk_size,
    read_header,
)
from secure_mlops.crypto.keys import KeyService
from secure_mlops.errors import InputError

_COPY_SIZE = 1024 * 1024


def encrypt_stream(
    src: BinaryIO,
    dst: BinaryIO,
    key_service: KeyService,
    context: bytes,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    version: int = FORMAT_VERSION,
) -> EnvelopeHeader:
    """Encrypt `src` into `dst` under a fresh data key (one key-service call).

    `context` is bound to the ciphertext (for example the object's path): decryption with any
    other context fails. `version` 1 writes the format readers before version 2 understand,
    without key commitment: only for them.
    """
    _check_context(context)
    check_version(version)
    if not is_valid_chunk_size(chunk_size):
        raise InputError(f"chunk size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} bytes")
    data_key, wrapped_key = key_service.generate_data_key()
    try:
        header = new_header(version, chunk_size, os.urandom(NONCE_PREFIX_SIZE), data_key, wrapped_key)
        key = chunk_key(header, data_key)
    finally:
        data_key.wipe()
    write_all(dst, memoryview(header.encode()))
    seal_chunks(key, header, context, src, dst)
    return header


def decrypt_stream(
    src: BinaryIO, dst: BinaryIO, key_service: KeyService, context: bytes
) -> EnvelopeHeader:
    """Decrypt `src` into `dst`, verifying every chunk (one key-service call).

    Each chunk is written once it verified, so after an IntegrityError `dst` may hold the
    verified beginning of a damaged stream: discard it (`decrypt_file` does so for you).
    A version 2 header's key commitment is checked before any chunk is opened.
    """
    _check_context(context)
    header = read_header(src)
    data_key = key_service.unwrap_data_key(header.wrapped_key)
    try:
        key = chunk_key(header, data_key)
    finally:
        data_key.wipe()
    open_chunks(key, header, context, src, dst)
    return header


def rewrap_stream(src: BinaryIO, dst: BinaryIO, key_service: KeyService) -> EnvelopeHeader:
    """Re-wrap the data key under the newest key version; the chunks are copied untouched.

    What can be checked without the context and without decrypting the data is: the header
    (canonical, and in version 2 its commitment to the data key, which costs one more
    key-service call) and that the chunks' total length fits the chunk size. A damaged chunk
    surfaces only at the next decryption. IntegrityError for anything found; `dst` then holds
    a partial copy to discard (`rewrap_file` does so).
    """
    header = read_header(src)
    if header.commitment:
        data_key = key_service.unwrap_data_key(header.wrapped_key)
        try:
            check_commitment(header, data_key)
        finally:
            data_key.wipe()
    rewrapped = header.with_wrapped_key(key_service.rewrap_data_key(header.wrapped_key))
    write_all(dst, memoryview(rewrapped.encode()))
    view = memoryview(bytearray(_COPY_SIZE))
    length = 0
    while count := readinto_full(src, view):
        write_all(dst, view[:count])
        length += count
    if not header.is_valid_body_length(length):
        raise integrity_failure()
    return rewrapped


def _check_context(context: bytes) -> None:
    if not isinstance(context, bytes | bytearray):
        raise InputError("context must be bytes (for example the object's path, encoded)")
