"""Round trips and every way of tampering with a stream, through the stream API."""

from __future__ import annotations

import io

import pytest

from secure_mlops.crypto import (
    decrypt_stream,
    encrypt_stream,
    read_header,
    rewrap_stream,
)
from secure_mlops.errors import InputError, VaultError

CHUNK = 4096
SEGMENT = CHUNK + 16  # a full chunk on disk: plaintext plus the GCM tag
CONTEXT = b"datasets/train.csv"


def encrypt(key_service, data: bytes, context: bytes = CONTEXT, chunk_size: int = CHUNK) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, key_service, context, chunk_size)
    return out.getvalue()


def decrypt(key_service, blob: bytes, context: bytes = CONTEXT) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, key_service, context)
    return out.getvalue()


def split(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The header bytes and the stored chunks (each a full segment except the last)."""
    src = io.BytesIO(blob)
    read_header(src)
    header_size = src.tell()
    body = blob[header_size:]
    return blob[:header_size], [body[i : i + SEGMENT] for i in range(0, len(body), SEGMENT)]


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 100]
)
def test_round_trip_small_and_empty_and_multi_chunk(key_service, size):
    data = bytes(i % 251 for i in range(size))

    blob = encrypt(key_service, data)

    assert decrypt(key_service, blob) == data
    _, chunks = split(blob)
    assert len(chunks) == size // CHUNK + 1  # the last chunk is always short, maybe empty


# Data moves through the I/O helper in ~1 MiB batches (255 or 256 chunks of 4 KiB): sizes
# around those edges, and long streams, check that batching changes nothing in the format.
@pytest.mark.parametrize(
    "chunks", [255, 256, 257, 600], ids=lambda n: f"{n}-chunks"
)
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_round_trip_across_io_batches(key_service, chunks, delta):
    data = bytes(i % 253 for i in range(chunks * CHUNK + delta))

    blob = encrypt(key_service, data)

    assert decrypt(key_service, blob) == data
    assert len(split(blob)[1]) == len(data) // CHUNK + 1


def test_long_stream_with_tampered_chunks_fails(key_service, fails_integrity):
    header, chunks = split(encrypt(key_service, b"q" * (600 * CHUNK + 5)))

    for kept in (1, 254, 255, 256, 257, len(chunks) - 1):
        with fails_integrity():
            decrypt(key_service, header + b"".join(chunks[:kept]))
    swapped = [*chunks[:300], chunks[301], chunks[300], *chunks[302:]]
    with fails_integrity():
        decrypt(key_service, header + b"".join(swapped))
    with fails_integrity():
        decrypt(key_service, header + b"".join(chunks[:255] + chunks[256:]))


def test_round_trip_with_default_chunk_size(key_service):
    data = b"x" * (3 * 1024 * 1024 + 7)
    out = io.BytesIO()

    header = encrypt_stream(io.BytesIO(data), out, key_service, CONTEXT)

    assert header.chunk_size == 1024 * 1024
    assert decrypt(key_service, out.getvalue()) == data


def test_decrypt_with_reordered_chunks_fails(key_service, fails_integrity):
    header, chunks = split(encrypt(key_service, b"a" * CHUNK + b"b" * CHUNK + b"c" * 10))

    with fails_integrity():
        decrypt(key_service, header + chunks[1] + chunks[0] + chunks[2])


def test_decrypt_with_dropped_middle_chunk_fails(key_service, fails_integrity):
    header, chunks = split(encrypt(key_service, b"a" * 3 * CHUNK + b"tail"))

    with fails_integrity():
        decrypt(key_service, header + chunks[0] + chunks[2] + chunks[3])


def test_decrypt_with_truncated_last_chunk_fails(key_service, fails_integrity):
    blob = encrypt(key_service, b"a" * (2 * CHUNK + 500))

    for cut in (1, 16, 500):
        with fails_integrity():
            decrypt(key_service, blob[:-cut])


@pytest.mark.parametrize("size", [2 * CHUNK + 500, 2 * CHUNK], ids=["short-tail", "empty-tail"])
def test_decrypt_truncated_at_chunk_boundary_fails(key_service, fails_integrity, size):
    header, chunks = split(encrypt(key_service, b"a" * size))

    for kept in range(len(chunks)):  # header alone, then each prefix of whole chunks
        with fails_integrity():
            decrypt(key_service, header + b"".join(chunks[:kept]))


def test_decrypt_with_appended_chunk_fails(key_service, fails_integrity):
    header, chunks = split(encrypt(key_service, b"a" * CHUNK * 2))
    _, other_chunks = split(encrypt(key_service, b"b" * CHUNK * 3))

    with fails_integrity():
        decrypt(key_service, header + b"".join(chunks) + chunks[0])
    with fails_integrity():
        decrypt(key_service, header + b"".join(chunks) + other_chunks[2])


def test_decrypt_with_trailing_garbage_fails(key_service, fails_integrity):
    blob = encrypt(key_service, b"a" * (CHUNK + 3))

    for garbage in (b"\x00", b"x" * 16, b"y" * SEGMENT):
        with fails_integrity():
            decrypt(key_service, blob + garbage)


def test_decrypt_with_wrong_context_fails(key_service, fails_integrity):
    blob = encrypt(key_service, b"secret rows", context=b"datasets/a.csv")

    for context in (b"datasets/b.csv", b"", b"datasets/a.csv\x00"):
        with fails_integrity():
            decrypt(key_service, blob, context=context)


# Offsets in the fixed part past magic and version: algorithm id, chunk size, nonce prefix.
@pytest.mark.parametrize("offset", range(7, 19))
def test_decrypt_with_modified_header_fails(key_service, fails_integrity, offset):
    blob = bytearray(encrypt(key_service, b"a" * (CHUNK + 9)))
    blob[offset] ^= 0x01

    with fails_integrity():
        decrypt(key_service, bytes(blob))


def test_decrypt_with_modified_key_version_fails(key_service, fails_integrity):
    blob = encrypt(key_service, b"payload")
    name_length = int.from_bytes(blob[19:21], "big")
    version_offset = 21 + name_length + 3  # low byte of the u32 key version
    tampered = bytearray(blob)
    tampered[version_offset] ^= 0x02

    with fails_integrity():
        decrypt(key_service, bytes(tampered))


def test_decrypt_with_flipped_ciphertext_bit_fails(key_service, fails_integrity):
    blob = encrypt(key_service, b"a" * (2 * CHUNK + 1))
    header, _ = split(blob)

    for position in (len(header), len(header) + SEGMENT + 100, len(blob) - 1):
        tampered = bytearray(blob)
        tampered[position] ^= 0x80
        with fails_integrity():
            decrypt(key_service, bytes(tampered))


def test_rewrap_changes_only_key_part_and_still_decrypts(key_service):
    data = b"r" * (2 * CHUNK + 17)
    blob = encrypt(key_service, data)
    key_service.rotate()
    out = io.BytesIO()

    new_header = rewrap_stream(io.BytesIO(blob), out, key_service)

    rewrapped = out.getvalue()
    old_header_bytes, old_chunks = split(blob)
    new_header_bytes, new_chunks = split(rewrapped)
    assert new_header.key_version == 2
    assert read_header(io.BytesIO(blob)).key_version == 1
    assert new_header_bytes[:19] == old_header_bytes[:19]  # the fixed part is untouched
    assert new_header_bytes != old_header_bytes
    assert new_chunks == old_chunks
    key_service.min_decryption_version = 2
    assert decrypt(key_service, rewrapped) == data
    with pytest.raises(VaultError):  # the retired version no longer unwraps
        decrypt(key_service, blob)


def test_one_key_service_call_per_object(key_service):
    blob = encrypt(key_service, b"m" * (5 * CHUNK + 1))
    assert key_service.calls == {"generate_data_key": 1}

    decrypt(key_service, blob)
    assert key_service.calls == {"generate_data_key": 1, "unwrap_data_key": 1}

    rewrap_stream(io.BytesIO(blob), io.BytesIO(), key_service)
    assert key_service.calls == {"generate_data_key": 1, "unwrap_data_key": 1, "rewrap_data_key": 1}


def test_vault_error_from_key_service_propagates_unchanged(key_service):
    blob = encrypt(key_service, b"payload")
    key_service.rotate()
    key_service.min_decryption_version = 2

    with pytest.raises(VaultError, match="min_decryption_version"):
        decrypt(key_service, blob)


def test_context_must_be_bytes(key_service):
    with pytest.raises(InputError, match="context must be bytes"):
        encrypt(key_service, b"payload", context="datasets/train.csv")  # type: ignore[arg-type]
    assert key_service.calls == {}
