"""The header and the byte layout, checked against docs/envelope-format.md.

`spec_encrypt`/`spec_decrypt` are a second implementation written from the spec alone (raw
AES-GCM and byte slicing), so the library is tested against the document, not against itself.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secure_mlops.crypto import (
    DataKey,
    WrappedKey,
    decrypt_stream,
    encrypt_stream,
    read_header,
    rewrap_stream,
)
from secure_mlops.errors import InputError

# The test vectors of docs/envelope-format.md.
VECTOR_KEY = bytes(range(32))
VECTOR_PREFIX = bytes.fromhex("a0a1a2a3a4a5a6")
VECTOR_WRAPPED = WrappedKey("datasets", "vault:v1:dGVzdC12ZWN0b3I=")
VECTOR_CONTEXT = b"datasets/train.csv"
VECTOR_1 = bytes.fromhex(
    "534d4c454e43010100001000a0a1a2a3a4a5a6000864617461736574730000000100197661756c743a76"
    "313a6447567a644331325a574e306233493d"
    "1f042572d72ac0b76c17b44bc55ed50b10abd55f0553c3ec1445661210"
)
VECTOR_2_SHA256 = "dbd3dda7f105b946b641d3d87e9a2ca7a447e3f4fabfa33d982ab9399a4c1320"


class FixedKeyService:
    """Hands out one known data key, for vectors and the spec-only implementation."""

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        return DataKey(VECTOR_KEY), VECTOR_WRAPPED

    def unwrap_data_key(self, wrapped: WrappedKey) -> DataKey:
        assert wrapped == VECTOR_WRAPPED
        return DataKey(VECTOR_KEY)

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        return wrapped


def _u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def spec_encrypt(data: bytes, chunk_size: int = 4096, context: bytes = VECTOR_CONTEXT) -> bytes:
    fixed = b"SMLENC" + bytes([1, 1]) + chunk_size.to_bytes(4, "big") + VECTOR_PREFIX
    name = VECTOR_WRAPPED.key_name.encode()
    wrapped = VECTOR_WRAPPED.ciphertext.encode()
    header = fixed + _u16(len(name)) + name + (1).to_bytes(4, "big") + _u16(len(wrapped)) + wrapped
    # Full chunks, then one shorter (possibly empty) final chunk.
    chunks = [data[i : i + chunk_size] for i in range(0, len(data) + 1, chunk_size)]
    sealed = b""
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        nonce = VECTOR_PREFIX + index.to_bytes(4, "big") + bytes([last])
        sealed += AESGCM(VECTOR_KEY).encrypt(nonce, chunk, fixed + context)
    return header + sealed


def spec_decrypt(blob: bytes, context: bytes) -> bytes:
    assert blob[:7] == b"SMLENC\x01" and blob[7] == 1
    chunk_size = int.from_bytes(blob[8:12], "big")
    prefix, fixed = blob[12:19], blob[:19]
    name_end = 21 + int.from_bytes(blob[19:21], "big")
    wrapped_end = name_end + 6 + int.from_bytes(blob[name_end + 4 : name_end + 6], "big")
    assert blob[name_end + 6 : wrapped_end].decode() == VECTOR_WRAPPED.ciphertext
    body = blob[wrapped_end:]
    segments = [body[i : i + chunk_size + 16] for i in range(0, len(body), chunk_size + 16)]
    plaintext = b""
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        nonce = prefix + index.to_bytes(4, "big") + bytes([last])
        plaintext += AESGCM(VECTOR_KEY).decrypt(nonce, segment, fixed + context)
    return plaintext


def decrypt(blob: bytes, key_service=None, context: bytes = VECTOR_CONTEXT) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, key_service or FixedKeyService(), context)
    return out.getvalue()


def test_spec_vectors_match_an_implementation_of_the_spec():
    assert spec_encrypt(b"hello, world\n") == VECTOR_1
    assert hashlib.sha256(spec_encrypt(bytes(4096))).hexdigest() == VECTOR_2_SHA256


def test_spec_vector_decrypts():
    assert decrypt(VECTOR_1) == b"hello, world\n"
    assert decrypt(spec_encrypt(bytes(4096))) == bytes(4096)


@pytest.mark.parametrize("size", [0, 4095, 4096, 3 * 4096 + 5])
def test_library_and_spec_implementation_read_each_other(size):
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    ours = io.BytesIO()
    encrypt_stream(io.BytesIO(data), ours, FixedKeyService(), b"ctx", chunk_size=4096)

    assert spec_decrypt(ours.getvalue(), b"ctx") == data
    assert decrypt(spec_encrypt(data, context=b"ctx"), context=b"ctx") == data


def test_read_header_reports_the_header_and_stops_at_the_first_chunk():
    src = io.BytesIO(VECTOR_1)

    header = read_header(src)

    assert header.chunk_size == 4096
    assert header.nonce_prefix == VECTOR_PREFIX
    assert header.wrapped_key == VECTOR_WRAPPED
    assert (header.key_name, header.key_version) == ("datasets", 1)
    assert header.encode() == VECTOR_1[: src.tell()]


@pytest.mark.parametrize(
    "blob",
    [b"", b"SML", b"id,name,email\n1,Ada,ada@example.org\n", b"\x00" * 100, b"smlenc\x01"],
    ids=["empty", "short", "csv", "zeros", "lowercase-magic"],
)
def test_not_our_file_is_input_error(key_service, blob):
    with pytest.raises(InputError, match=r"^not a secure-mlops encrypted file$"):
        decrypt(blob, key_service)
    with pytest.raises(InputError, match=r"^not a secure-mlops encrypted file$"):
        rewrap_stream(io.BytesIO(blob), io.BytesIO(), key_service)
    assert key_service.calls == {}


def test_unsupported_format_version_is_input_error_naming_it(key_service):
    blob = bytearray(VECTOR_1)
    blob[6] = 9

    with pytest.raises(InputError, match="version 9"):
        decrypt(bytes(blob), key_service)


@pytest.mark.parametrize("chunk_size", [0, 1, 4095, 64 * 1024 * 1024 + 1, 2**32 - 1])
def test_hostile_chunk_size_is_rejected(key_service, fails_integrity, chunk_size):
    blob = bytearray(VECTOR_1)
    blob[8:12] = chunk_size.to_bytes(4, "big")

    with fails_integrity():
        decrypt(bytes(blob), key_service)
    with fails_integrity():
        read_header(io.BytesIO(bytes(blob)))
    assert key_service.calls == {}  # rejected before asking for the key
    with pytest.raises(InputError, match="chunk size"):
        encrypt_stream(io.BytesIO(b"x"), io.BytesIO(), key_service, b"", chunk_size=chunk_size)
    assert key_service.calls == {}


@pytest.mark.parametrize("cut", [20, 25, 40, 59], ids=lambda cut: f"header-cut-at-{cut}")
def test_truncated_header_fails(key_service, fails_integrity, cut):
    with fails_integrity():
        decrypt(VECTOR_1[:cut], key_service)


def test_header_with_malformed_wrapped_key_fails(fails_integrity):
    blob = VECTOR_1.replace(b"vault:v1:", b"vault:vX:")

    with fails_integrity():
        read_header(io.BytesIO(blob))


def test_spec_vector_rejects_every_bit_flip_cut_and_append(fails_integrity):
    chunk_start = 60  # vector 1: a 60-byte header, then its one chunk
    for offset in [*range(7, 19), *range(chunk_start, len(VECTOR_1))]:
        for bit in range(8):
            tampered = bytearray(VECTOR_1)
            tampered[offset] ^= 1 << bit
            with fails_integrity():
                decrypt(bytes(tampered))
    for cut in range(19, len(VECTOR_1)):
        with fails_integrity():
            decrypt(VECTOR_1[:cut])
    with fails_integrity():
        decrypt(VECTOR_1 + b"\x00")
    with fails_integrity():
        decrypt(VECTOR_1, context=b"datasets/test.csv")
