"""Key commitment: one ciphertext opens under one data key only (format version 2).

AES-GCM alone does not commit to its key: with two keys in hand, solving one linear equation in
GCM's field for one ciphertext block gives a chunk whose tag verifies under both. Two files that
differ only in their wrapped key then decrypt, without any error, to two different plaintexts:
a reviewer approves one, a pipeline reads the other. Version 2's header commits to the data key.
"""

from __future__ import annotations

import io

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secure_mlops.crypto import decrypt_stream, encrypt_stream, read_header
from tests.support.envelope import HandsOut, spec_keys, with_key_part

CONTEXT = b"datasets/train.csv"
_ONE = 1 << 127  # the field's 1 in GCM's bit order (the first bit is the lowest coefficient)


def _gf_mul(x: int, y: int) -> int:
    """Multiplication in GF(2^128) as GCM defines it (NIST SP 800-38D, algorithm 1)."""
    product = 0
    for bit in range(127, -1, -1):
        if (x >> bit) & 1:
            product ^= y
        y = (y >> 1) ^ (0xE1 << 120) if y & 1 else y >> 1
    return product


def _gf_inverse(x: int) -> int:
    """x^(2^128 - 2): the product of x^(2^i) for i = 1..127."""
    result, power = _ONE, x
    for _ in range(127):
        power = _gf_mul(power, power)
        result = _gf_mul(result, power)
    return result


def _tag(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> int:
    """The tag `key` gives `ciphertext`: encrypting the plaintext it decrypts to reproduces it."""
    keystream = AESGCM(key).encrypt(nonce, bytes(len(ciphertext)), aad)[: len(ciphertext)]
    plaintext = bytes(c ^ k for c, k in zip(ciphertext, keystream, strict=True))
    return int.from_bytes(AESGCM(key).encrypt(nonce, plaintext, aad)[-16:], "big")


def _hash_key(key: bytes) -> int:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - GCM's H = E_K(0)
    return int.from_bytes(encryptor.update(bytes(16)) + encryptor.finalize(), "big")


def colliding_chunk(key1: bytes, key2: bytes, nonce: bytes, aad: bytes, first_block: bytes) -> bytes:
    """Two blocks of ciphertext and a tag valid under both keys.

    The tag is linear in each ciphertext block: the last block is multiplied by H^2 (only the
    lengths block follows it). With that block at zero the tags are t1 and t2; setting it to x
    adds x*H1^2 and x*H2^2, so x = (t1 + t2) / (H1^2 + H2^2) makes them equal.
    """
    assert len(first_block) == 16
    base = first_block + bytes(16)
    h1, h2 = _hash_key(key1), _hash_key(key2)
    difference = _tag(key1, nonce, base, aad) ^ _tag(key2, nonce, base, aad)
    free = _gf_mul(difference, _gf_inverse(_gf_mul(h1, h1) ^ _gf_mul(h2, h2)))
    ciphertext = first_block + free.to_bytes(16, "big")
    tag = _tag(key1, nonce, ciphertext, aad)
    assert tag == _tag(key2, nonce, ciphertext, aad)
    return ciphertext + tag.to_bytes(16, "big")


def _two_keys(key_service):
    """Two data keys and their wrapped forms, as anyone allowed to ask for data keys gets them."""
    (key1, wrapped1), (key2, wrapped2) = key_service.generate_data_key(), key_service.generate_data_key()
    return key1.material, wrapped1, key2.material, wrapped2


def _crafted_pair(key_service, version: int) -> tuple[bytes, bytes]:
    """Two files, byte for byte the same but for the wrapped key, with one chunk that verifies
    under each file's chunk key."""
    key1, wrapped1, key2, wrapped2 = _two_keys(key_service)
    honest = io.BytesIO()
    # The header the attacker starts from: an honest file under key 1.
    encrypt_stream(io.BytesIO(b""), honest, HandsOut(key1, wrapped1), CONTEXT, 4096, version=version)
    header = read_header(io.BytesIO(honest.getvalue()))
    parameters = header.fixed_bytes[:19]
    if version == 1:
        chunk_key1, chunk_key2 = key1, key2
    else:
        chunk_key1, chunk_key2 = spec_keys(key1, parameters)[1], spec_keys(key2, parameters)[1]
    nonce = header.nonce_prefix + (0).to_bytes(4, "big") + b"\x01"
    chunk = colliding_chunk(chunk_key1, chunk_key2, nonce, header.fixed_bytes + CONTEXT, b"approved: 1-100.")
    first = header.encode() + chunk
    return first, with_key_part(first, wrapped=wrapped2.ciphertext.encode())


def _decrypt(key_service, blob: bytes) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, key_service, CONTEXT)
    return out.getvalue()


def test_version_1_files_differing_only_in_the_wrapped_key_open_to_different_plaintexts(key_service):
    # The attack the format's version 2 exists for, shown to work on version 1 (still readable).
    first, second = _crafted_pair(key_service, version=1)

    assert _decrypt(key_service, first) != _decrypt(key_service, second)


def test_version_2_refuses_the_same_pair_before_decrypting_any_chunk(key_service, fails_integrity):
    first, second = _crafted_pair(key_service, version=2)
    out = io.BytesIO()

    assert len(_decrypt(key_service, first)) == 32
    with fails_integrity():
        decrypt_stream(io.BytesIO(second), out, key_service, CONTEXT)
    assert out.getvalue() == b""  # the chunk verifies under its key: only the commitment stopped it


def test_version_2_header_commits_to_its_data_key_only(key_service):
    out = io.BytesIO()
    header = encrypt_stream(io.BytesIO(b"rows"), out, key_service, CONTEXT, 4096)
    key = key_service.unwrap_data_key(header.wrapped_key).material
    commitment, chunk_key = spec_keys(key, header.fixed_bytes[:19])

    assert header.commitment == commitment
    assert commitment not in (key, chunk_key) and len({commitment, chunk_key, key}) == 3
