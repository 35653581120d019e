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


# Long streams, with lengths around 256 chunks of 4 KiB (1 MiB, where an I/O layer would batch):
# the chunk loop must give every length the same layout.
@pytest.mark.parametrize(
    "chunks", [255, 256, 257, 600], ids=lambda n: f"{n}-chunks"
)
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_round_trip_across_io_batches(key_service, chunks, delta):
    data = bytes(i % 253 for i in range(chunks * CHUNK + delta))

    blob = encrypt(key_service, data)

    assert decrypt(key_service, blob) == data
    assert len(split(blob)[1]) == len(data) // CHUNK + 1


class Trickle(io.RawIOBase):
    """A pipe-like stream: each read returns at most `step` bytes."""

    def __init__(self, data: bytes, step: int = 1000) -> None:
        self._src, self._step = io.BytesIO(data), step

    def readable(self) -> bool:
        return True

    def readinto(self, view) -> int:
        return self._src.readinto(memoryview(view)[: self._step])


@pytest.mark.parametrize("size", [0, CHUNK - 1, CHUNK, 3 * CHUNK + 5])
def test_short_reads_give_the_same_chunks_as_an_in_memory_source(key_service, size):
    data = bytes(i % 249 for i in range(size))
    out = io.BytesIO()
    encrypt_stream(Trickle(data), out, key_service, CONTEXT, CHUNK)
    blob = out.getvalue()

    assert [len(c) for c in split(blob)[1]] == [len(c) for c in split(encrypt(key_service, data))[1]]
    opened = io.BytesIO()
    decrypt_stream(Trickle(blob, step=777), opened, key_service, CONTEXT)
    assert opened.getvalue() == data == decrypt(key_service, blob)


def test_an_in_memory_source_is_read_from_its_position_to_its_end(key_service):
    src = io.BytesIO(b"skipped|" + b"s" * (2 * CHUNK + 3))
    src.seek(8)
    out = io.BytesIO()

    encrypt_stream(src, out, key_service, CONTEXT, CHUNK)

    assert src.tell() == len(src.getvalue())
    src.write(b"still writable")  # the view of its buffer was released
    assert decrypt(key_service, out.getvalue()) == b"s" * (2 * CHUNK + 3)


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
    key_part = len(read_header(io.BytesIO(blob)).fixed_bytes)
    name_length = int.from_bytes(blob[key_part : key_part + 2], "big")
    version_offset = key_part + 2 + name_length + 3  # low byte of the u32 key version
    tampered = bytearray(blob)
    tampered[version_offset] ^= 0x02

    with fails_integrity():
        decrypt(key_service, bytes(tampered))


@pytest.mark.control("envelope-encryption")
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
    fixed = len(new_header.fixed_bytes)  # parameters and key commitment
    assert fixed == 51 and new_header_bytes[:fixed] == old_header_bytes[:fixed]  # untouched
    assert new_header_bytes != old_header_bytes
    assert new_chunks == old_chunks
    key_service.min_decryption_version = 2
    assert decrypt(key_service, rewrapped) == data
    with pytest.raises(VaultError):  # the retired version no longer unwraps
        decrypt(key_service, blob)


@pytest.mark.control("envelope-encryption")
def test_one_key_service_call_per_object(key_service):
    blob = encrypt(key_service, b"m" * (5 * CHUNK + 1))
    assert key_service.calls == {"generate_data_key": 1}

    decrypt(key_service, blob)
    assert key_service.calls == {"generate_data_key": 1, "unwrap_data_key": 1}

    # Rewrap unwraps the key once to check the header's commitment, then asks Vault to rewrap.
    rewrap_stream(io.BytesIO(blob), io.BytesIO(), key_service)
    assert key_service.calls == {"generate_data_key": 1, "unwrap_data_key": 2, "rewrap_data_key": 1}


def test_rewrap_of_a_version_1_file_is_one_call(key_service):
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(b"m" * CHUNK), out, key_service, CONTEXT, CHUNK, version=1)

    rewrap_stream(io.BytesIO(out.getvalue()), io.BytesIO(), key_service)

    assert key_service.calls == {"generate_data_key": 1, "rewrap_data_key": 1}


def _body_cuts_and_junk(blob: bytes, header_size: int) -> list[bytes]:
    """Versions of `blob` whose body cannot be a chunk sequence: too short for the final chunk,
    cut at a chunk boundary (the final chunk gone), or lengthened past one."""
    body = len(blob) - header_size
    short_tail = body % SEGMENT
    return [
        blob[:header_size],
        blob[: header_size + 15],
        blob[: header_size + SEGMENT],
        blob[: len(blob) - short_tail],
        blob + b"\x00" * (SEGMENT - short_tail),
        blob + b"j" * (SEGMENT - short_tail + 3),
    ]


@pytest.mark.parametrize("version", [1, 2])
def test_rewrap_refuses_a_truncated_or_lengthened_body(key_service, fails_integrity, version):
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(b"t" * (2 * CHUNK + 100)), out, key_service, CONTEXT, CHUNK, version=version)
    blob = out.getvalue()
    header_size = len(split(blob)[0])

    for damaged in _body_cuts_and_junk(blob, header_size):
        with fails_integrity():
            rewrap_stream(io.BytesIO(damaged), io.BytesIO(), key_service)
        with fails_integrity():
            decrypt(key_service, damaged)


def test_rewrap_checks_the_key_commitment_before_asking_for_a_new_wrapping(key_service, fails_integrity):
    blob = bytearray(encrypt(key_service, b"payload"))
    blob[19 + 7] ^= 0x01  # inside the key commitment

    with fails_integrity():
        rewrap_stream(io.BytesIO(bytes(blob)), io.BytesIO(), key_service)
    assert "rewrap_data_key" not in key_service.calls


def test_decrypt_with_modified_key_commitment_fails_and_writes_nothing(key_service, fails_integrity):
    blob = encrypt(key_service, b"c" * (3 * CHUNK))
    out = io.BytesIO()

    for offset in (19, 35, 50):
        tampered = bytearray(blob)
        tampered[offset] ^= 0x40
        with fails_integrity():
            decrypt_stream(io.BytesIO(bytes(tampered)), out, key_service, CONTEXT)
    assert out.getvalue() == b""


def test_version_1_files_still_decrypt(key_service):
    data = b"v1" * (3 * CHUNK)
    out = io.BytesIO()
    header = encrypt_stream(io.BytesIO(data), out, key_service, CONTEXT, CHUNK, version=1)

    assert (header.version, header.commitment, out.getvalue()[6]) == (1, b"", 1)
    assert decrypt(key_service, out.getvalue()) == data


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
