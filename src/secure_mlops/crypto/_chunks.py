"""The chunk loops: take a chunk from the source, seal or open it into a buffer, write it.

One thread. cryptography's AES-GCM holds the GIL, so a reader thread could overlap it only with
I/O the kernel does, and handing chunks over cost more than it saved: a plain loop runs closest
to raw AES-GCM (benchmarks/bench_encryption.py). Memory is at most two chunks, whatever the
stream's length.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secure_mlops.crypto._io import readinto_full, write_all
from secure_mlops.crypto.format import NONCE_PREFIX_SIZE, TAG_SIZE, EnvelopeHeader, integrity_failure
from secure_mlops.errors import InputError

_COUNTER = struct.Struct(">IB")  # chunk index, last flag: the nonce after its prefix
_MAX_CHUNKS = 2**32  # the chunk index is a u32


def seal_chunks(key: bytes, header: EnvelopeHeader, context: bytes, src: BinaryIO, dst: BinaryIO) -> None:
    """Encrypt the rest of `src` into `dst` as `header`'s chunks under `key`."""
    aead, associated_data, nonce = AESGCM(key), header.fixed_bytes + context, _nonce(header)
    size = header.chunk_size
    sealed = memoryview(bytearray(size + TAG_SIZE))
    for index, plaintext in enumerate(_pieces(src, size)):
        if index >= _MAX_CHUNKS:
            raise InputError(f"input too large for {size}-byte chunks")
        _COUNTER.pack_into(nonce, NONCE_PREFIX_SIZE, index, len(plaintext) < size)
        out = sealed[: len(plaintext) + TAG_SIZE]
        aead.encrypt_into(nonce, plaintext, associated_data, out)
        write_all(dst, out)


def open_chunks(key: bytes, header: EnvelopeHeader, context: bytes, src: BinaryIO, dst: BinaryIO) -> None:
    """Decrypt `header`'s chunks from the rest of `src` into `dst`, each written once it verified."""
    aead, associated_data, nonce = AESGCM(key), header.fixed_bytes + context, _nonce(header)
    segment = header.chunk_size + TAG_SIZE
    plaintext = memoryview(bytearray(header.chunk_size))
    for index, sealed in enumerate(_pieces(src, segment)):
        # Shorter than a tag: the stream ended where a chunk (at least the final one) belongs.
        if len(sealed) < TAG_SIZE or index >= _MAX_CHUNKS:
            raise integrity_failure()
        _COUNTER.pack_into(nonce, NONCE_PREFIX_SIZE, index, len(sealed) < segment)
        out = plaintext[: len(sealed) - TAG_SIZE]
        try:
            aead.decrypt_into(nonce, sealed, associated_data, out)
        except InvalidTag:
            raise integrity_failure() from None
        write_all(dst, out)


def _pieces(src: BinaryIO, size: int) -> Iterator[memoryview]:
    """The rest of `src` in pieces of `size` bytes, ending with the first short (maybe empty) one.

    Each piece is valid until the next is asked for. An in-memory `io.BytesIO` is sliced where
    its bytes lie: copying them into a buffer of our own would cost a third of the time AES-GCM
    takes. Any other stream is read into one buffer.
    """
    return _slices(src, size) if isinstance(src, io.BytesIO) else _reads(src, size)


def _slices(src: io.BytesIO, size: int) -> Iterator[memoryview]:
    with src.getbuffer() as whole:
        offset = min(src.tell(), len(whole))
        try:
            while True:
                piece = whole[offset : offset + size]
                offset += len(piece)
                yield piece
                if len(piece) < size:
                    return
        finally:
            src.seek(offset)  # where a read would have left it


def _reads(src: BinaryIO, size: int) -> Iterator[memoryview]:
    # Filled completely: one short read (pipes, sockets, S3 bodies) must not pass for the end.
    buffer = memoryview(bytearray(size))
    while True:
        filled = readinto_full(src, buffer)
        yield buffer[:filled]
        if filled < size:
            return


def _nonce(header: EnvelopeHeader) -> bytearray:
    """The nonce buffer: the prefix, then the counter each chunk packs in place."""
    return bytearray(header.nonce_prefix + bytes(_COUNTER.size))
