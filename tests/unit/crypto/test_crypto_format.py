"""The header and the byte layout, checked against docs/envelope-format.md.

`spec_encrypt`/`spec_decrypt` are a second implementation written from the spec alone (raw
AES-GCM, HMAC and byte slicing), so the library is tested against the document, not against
itself; the test vectors are read from the document.
"""

from __future__ import annotations

import hashlib
import io
import re
from itertools import takewhile

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
from secure_mlops.crypto.format import integrity_failure
from secure_mlops.errors import InputError
from tests.support.envelope import spec_keys
from tests.support.paths import ROOT

# The fixed inputs of the test vectors in docs/envelope-format.md.
VECTOR_KEY = bytes(range(32))
VECTOR_PREFIX = bytes.fromhex("a0a1a2a3a4a5a6")
VECTOR_WRAPPED = WrappedKey("datasets", "vault:v1:dGVzdC12ZWN0b3I=")
VECTOR_CONTEXT = b"datasets/train.csv"
# Vector number -> (format version, plaintext).
VECTOR_INPUTS = {
    "1": (1, b"hello, world\n"),
    "2": (1, bytes(4096)),
    "3": (2, b"hello, world\n"),
    "4": (2, bytes(4096)),
}


def _is_hex(token: str) -> bool:
    return re.fullmatch(r"[0-9a-f]+", token) is not None


def _doc_vectors() -> dict[str, dict[str, str | bytes]]:
    """Each vector of the document's "Test vectors" section: its bytes (from a ```text block:
    each line's hex groups, up to the note that follows them) or its tags and digest."""
    text = (ROOT / "docs" / "envelope-format.md").read_text(encoding="utf-8")
    section = text.split("## Test vectors", 1)[1].split("\n## ", 1)[0]
    vectors: dict[str, dict[str, str | bytes]] = {}
    for number, body in re.findall(r"\*\*Vector (\d+)\*\*(.*?)(?=\*\*Vector \d+\*\*|\Z)", section, re.DOTALL):
        block = re.search(r"```text\n(.*?)```", body, re.DOTALL)
        if block:
            hex_text = "".join("".join(takewhile(_is_hex, line.split())) for line in block.group(1).splitlines())
            vectors[number] = {"bytes": bytes.fromhex(hex_text)}
        else:
            found = re.search(
                r"tag\s+of\s+chunk\s+0\s+is\s+`([0-9a-f]{32})`.*?a\s+tag\s+only\)\s+is\s+`([0-9a-f]{32})`.*?"
                r"SHA-256\s+of\s+the\s+file\s+is\s+`([0-9a-f]{64})`", body, re.DOTALL,
            )
            assert found, f"vector {number}: tags and digest not found"
            vectors[number] = dict(zip(("tag0", "tag1", "sha256"), found.groups(), strict=True))
    derived = re.search(r"key\s+commitment:\s+`([0-9a-f]{64})`.*?chunk\s+key:\s+`([0-9a-f]{64})`", section, re.DOTALL)
    assert derived, "the version 2 key commitment and chunk key are not in the document"
    vectors["derived"] = {"commitment": derived.group(1), "chunk_key": derived.group(2)}
    return vectors


DOC = _doc_vectors()
VECTOR_1 = DOC["1"]["bytes"]
VECTOR_3 = DOC["3"]["bytes"]
assert isinstance(VECTOR_1, bytes) and isinstance(VECTOR_3, bytes)


class FixedKeyService:
    """Hands out one known data key, for vectors and the spec-only implementation."""

    key_name = VECTOR_WRAPPED.key_name

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        return DataKey(VECTOR_KEY), VECTOR_WRAPPED

    def unwrap_data_key(self, wrapped: WrappedKey) -> DataKey:
        if wrapped != VECTOR_WRAPPED:  # what Vault would answer for any other wrapped key
            raise integrity_failure()
        return DataKey(VECTOR_KEY)

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        return wrapped


def _u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def vector_keys(version: int, parameters: bytes) -> tuple[bytes, bytes]:
    """(key commitment, chunk key): none and the data key itself in version 1."""
    return (b"", VECTOR_KEY) if version == 1 else spec_keys(VECTOR_KEY, parameters)


def spec_encrypt(
    data: bytes, chunk_size: int = 4096, context: bytes = VECTOR_CONTEXT, version: int = 2
) -> bytes:
    parameters = b"SMLENC" + bytes([version, 1]) + chunk_size.to_bytes(4, "big") + VECTOR_PREFIX
    commitment, chunk_key = vector_keys(version, parameters)
    fixed = parameters + commitment
    name = VECTOR_WRAPPED.key_name.encode()
    wrapped = VECTOR_WRAPPED.ciphertext.encode()
    header = fixed + _u16(len(name)) + name + (1).to_bytes(4, "big") + _u16(len(wrapped)) + wrapped
    # Full chunks, then one shorter (possibly empty) final chunk.
    chunks = [data[i : i + chunk_size] for i in range(0, len(data) + 1, chunk_size)]
    sealed = b""
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        nonce = VECTOR_PREFIX + index.to_bytes(4, "big") + bytes([last])
        sealed += AESGCM(chunk_key).encrypt(nonce, chunk, fixed + context)
    return header + sealed


def spec_decrypt(blob: bytes, context: bytes) -> bytes:
    version = blob[6]
    assert blob[:6] == b"SMLENC" and version in (1, 2) and blob[7] == 1
    chunk_size = int.from_bytes(blob[8:12], "big")
    prefix, parameters = blob[12:19], blob[:19]
    commitment, chunk_key = vector_keys(version, parameters)
    fixed_end = 19 + len(commitment)
    assert blob[19:fixed_end] == commitment  # before any chunk is opened
    fixed = blob[:fixed_end]
    name_end = fixed_end + 2 + int.from_bytes(blob[fixed_end : fixed_end + 2], "big")
    wrapped_end = name_end + 6 + int.from_bytes(blob[name_end + 4 : name_end + 6], "big")
    assert blob[name_end + 6 : wrapped_end].decode() == VECTOR_WRAPPED.ciphertext
    body = blob[wrapped_end:]
    segments = [body[i : i + chunk_size + 16] for i in range(0, len(body), chunk_size + 16)]
    plaintext = b""
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        nonce = prefix + index.to_bytes(4, "big") + bytes([last])
        plaintext += AESGCM(chunk_key).decrypt(nonce, segment, fixed + context)
    return plaintext


def decrypt(blob: bytes, key_service=None, context: bytes = VECTOR_CONTEXT) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, key_service or FixedKeyService(), context)
    return out.getvalue()


def library_encrypt(data: bytes, monkeypatch, version: int, context: bytes = VECTOR_CONTEXT) -> bytes:
    """The library's own output for the vectors' fixed inputs (the nonce prefix is pinned)."""
    monkeypatch.setattr("secure_mlops.crypto.stream.os.urandom", lambda size: VECTOR_PREFIX[:size])
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, FixedKeyService(), context, chunk_size=4096, version=version)
    monkeypatch.undo()
    return out.getvalue()


@pytest.mark.parametrize("number", sorted(VECTOR_INPUTS))
def test_document_vectors_match_the_spec_implementation_and_the_library(monkeypatch, number):
    version, plaintext = VECTOR_INPUTS[number]
    expected = DOC[number]
    spec, ours = spec_encrypt(plaintext, version=version), library_encrypt(plaintext, monkeypatch, version)

    assert spec == ours
    if "bytes" in expected:
        assert ours == expected["bytes"]
    else:
        assert hashlib.sha256(ours).hexdigest() == expected["sha256"]
        assert (ours[-32:-16].hex(), ours[-16:].hex()) == (expected["tag0"], expected["tag1"])
    assert decrypt(ours) == plaintext
    assert spec_decrypt(ours, VECTOR_CONTEXT) == plaintext


def test_document_lists_every_vector_and_the_derived_keys():
    assert sorted(DOC) == [*sorted(VECTOR_INPUTS), "derived"]
    parameters = VECTOR_3[:19]
    commitment, chunk_key = vector_keys(2, parameters)
    assert (commitment.hex(), chunk_key.hex()) == (DOC["derived"]["commitment"], DOC["derived"]["chunk_key"])
    assert VECTOR_3[19:51] == commitment


def test_files_are_written_in_version_2_by_default():
    out = io.BytesIO()
    header = encrypt_stream(io.BytesIO(b"x"), out, FixedKeyService(), b"ctx", chunk_size=4096)

    assert header.version == 2 and out.getvalue()[6] == 2
    assert read_header(io.BytesIO(out.getvalue())) == header


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("size", [0, 4095, 4096, 3 * 4096 + 5])
def test_library_and_spec_implementation_read_each_other(size, version):
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    ours = io.BytesIO()
    encrypt_stream(io.BytesIO(data), ours, FixedKeyService(), b"ctx", chunk_size=4096, version=version)

    assert spec_decrypt(ours.getvalue(), b"ctx") == data
    assert decrypt(spec_encrypt(data, context=b"ctx", version=version), context=b"ctx") == data


@pytest.mark.parametrize("version", [0, 3, 255])
def test_writing_an_unknown_version_is_refused(key_service, version):
    with pytest.raises(InputError, match="format version"):
        encrypt_stream(io.BytesIO(b"x"), io.BytesIO(), key_service, b"", version=version)
    assert key_service.calls == {}


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


@pytest.mark.parametrize(("vector", "header_size"), [(VECTOR_1, 60), (VECTOR_3, 92)], ids=["v1", "v2"])
def test_spec_vector_rejects_every_bit_flip_cut_and_append(fails_integrity, vector, header_size):
    for offset in [*range(7, len(vector))]:
        for bit in range(8):
            tampered = bytearray(vector)
            tampered[offset] ^= 1 << bit
            with fails_integrity():
                decrypt(bytes(tampered))
    for cut in range(7, len(vector)):
        with fails_integrity():
            decrypt(vector[:cut])
    with fails_integrity():
        decrypt(vector + b"\x00")
    with fails_integrity():
        decrypt(vector, context=b"datasets/test.csv")
    assert len(read_header_bytes(vector)) == header_size


def read_header_bytes(blob: bytes) -> bytes:
    src = io.BytesIO(blob)
    read_header(src)
    return blob[: src.tell()]


def test_version_2_header_is_read_field_by_field():
    src = io.BytesIO(VECTOR_3)

    header = read_header(src)

    assert (header.version, header.chunk_size, header.nonce_prefix) == (2, 4096, VECTOR_PREFIX)
    assert header.commitment == VECTOR_3[19:51] and header.wrapped_key == VECTOR_WRAPPED
    assert header.fixed_bytes == VECTOR_3[:51]
    assert header.encode() == VECTOR_3[: src.tell()]
