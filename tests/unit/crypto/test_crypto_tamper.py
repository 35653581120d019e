"""Every change to any header byte is refused: the one integrity error, never a Vault error.

Exhaustive over the header of a small file of each version (every byte, every other value), with
the in-memory key service that answers as Transit does (tests/support/fakes.py).
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secure_mlops.crypto import decrypt_stream, encrypt_stream, read_header, rewrap_stream
from secure_mlops.errors import InputError, IntegrityError
from tests.support.fakes import InMemoryKeyService

CONTEXT = b"datasets/train.csv"
NOT_OURS = "not a secure-mlops encrypted file"


def _sealed(key_service, version: int, data: bytes = b"a" * 5000) -> tuple[bytes, int]:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, key_service, CONTEXT, 4096, version=version)
    src = io.BytesIO(out.getvalue())
    read_header(src)
    return out.getvalue(), src.tell()


def _refusal(key_service, blob: bytes, operation: str) -> Exception | None:
    try:
        if operation == "decrypt":
            decrypt_stream(io.BytesIO(blob), io.BytesIO(), key_service, CONTEXT)
        else:
            rewrap_stream(io.BytesIO(blob), io.BytesIO(), key_service)
    except (InputError, IntegrityError) as exc:
        return exc
    return None


def _assert_refused_as_the_spec_says(offset: int, original: int, value: int, refusal: Exception | None) -> None:
    where = f"byte {offset}: {original:#04x} -> {value:#04x}"
    assert refusal is not None, f"{where} was accepted"
    if offset < 6:  # the magic: not our file at all
        assert str(refusal) == NOT_OURS, where
    elif offset == 6 and value not in (1, 2):  # a version this reader does not know, named
        assert str(refusal) == f"unsupported encrypted file format version {value}", where
    else:
        assert isinstance(refusal, IntegrityError), where
        assert str(refusal).startswith("decryption failed: the file was modified"), where


@pytest.mark.parametrize("operation", ["decrypt", "rewrap"])
@pytest.mark.parametrize("version", [1, 2])
def test_every_value_of_every_header_byte_is_refused(version, operation):
    key_service = InMemoryKeyService()
    blob, header_size = _sealed(key_service, version)
    key_service.rotate()  # rewrap has a newer version to go to, as after a real rotation

    for offset in range(header_size):
        if operation == "rewrap" and version == 1 and 8 <= offset < 19:
            # Version 1 authenticates its chunk size and nonce prefix only in the chunks' tags,
            # which need the context and every byte of data: rewrap sees them at the next decrypt.
            continue
        for value in range(256):
            if value == blob[offset]:
                continue
            tampered = bytearray(blob)
            tampered[offset] = value
            refusal = _refusal(key_service, bytes(tampered), operation)
            _assert_refused_as_the_spec_says(offset, blob[offset], value, refusal)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=st.sampled_from([1, 2]), data=st.data())
def test_any_rewrite_of_a_header_span_is_refused(version, data):
    key_service = InMemoryKeyService()
    blob, header_size = _sealed(key_service, version)
    start = data.draw(st.integers(6, header_size - 1), label="start")
    end = data.draw(st.integers(start + 1, header_size), label="end")
    replacement = data.draw(st.binary(min_size=0, max_size=2 * (end - start) + 4), label="replacement")
    tampered = blob[:start] + replacement + blob[end:]
    if tampered == blob:
        return

    refusal = _refusal(key_service, tampered, "decrypt")

    assert refusal is not None
    if not (start == 6 and tampered[6] not in (1, 2)):
        assert isinstance(refusal, IntegrityError)
