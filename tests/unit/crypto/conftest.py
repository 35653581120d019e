"""An in-memory stand-in for Vault Transit's data-key API, and checks shared by the crypto tests."""

from __future__ import annotations

import base64
import binascii
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secure_mlops.crypto import DataKey, WrappedKey
from secure_mlops.errors import IntegrityError, VaultError

# Spelled out here rather than imported, so the tests pin the message the spec promises.
GENERIC_INTEGRITY_MESSAGE = (
    "decryption failed: the file was modified, truncated, or the context does not match"
)


class InMemoryKeyService:
    """Behaves like a Transit key: versioned KEKs, rotation, `min_decryption_version`.

    Wrapped keys look like Vault's (``vault:v<N>:<base64 of nonce || AES-GCM(kek_N, key)>``) and
    the key name is bound as associated data, so a key wrapped under another name fails to unwrap.
    `calls` counts each API method, to check one call per object.
    """

    def __init__(self, key_name: str = "datasets") -> None:
        self.key_name = key_name
        self.min_decryption_version = 1
        self.calls: Counter[str] = Counter()
        self._keks: dict[int, bytes] = {1: AESGCM.generate_key(256)}

    @property
    def latest_version(self) -> int:
        return max(self._keks)

    def rotate(self) -> None:
        self._keks[self.latest_version + 1] = AESGCM.generate_key(256)

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        self.calls["generate_data_key"] += 1
        material = os.urandom(32)
        return DataKey(material), self._wrap(material)

    def unwrap_data_key(self, wrapped: WrappedKey) -> DataKey:
        self.calls["unwrap_data_key"] += 1
        return DataKey(self._unwrap(wrapped))

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        self.calls["rewrap_data_key"] += 1
        return self._wrap(self._unwrap(wrapped))

    def _wrap(self, material: bytes) -> WrappedKey:
        version = self.latest_version
        nonce = os.urandom(12)
        sealed = AESGCM(self._keks[version]).encrypt(nonce, material, self.key_name.encode())
        encoded = base64.b64encode(nonce + sealed).decode()
        return WrappedKey(self.key_name, f"vault:v{version}:{encoded}")

    def _unwrap(self, wrapped: WrappedKey) -> bytes:
        if wrapped.key_name != self.key_name:
            raise VaultError(f"encryption key not found: {wrapped.key_name}")
        if not self.min_decryption_version <= wrapped.version <= self.latest_version:
            raise VaultError("invalid key version: below min_decryption_version or unknown")
        try:
            blob = base64.b64decode(wrapped.ciphertext.split(":", 2)[2], validate=True)
            return AESGCM(self._keks[wrapped.version]).decrypt(
                blob[:12], blob[12:], self.key_name.encode()
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise VaultError("cipher: message authentication failed") from None


@pytest.fixture
def key_service() -> InMemoryKeyService:
    return InMemoryKeyService()


@pytest.fixture
def fails_integrity() -> Callable[[], AbstractContextManager[None]]:
    """`with fails_integrity(): ...` asserts an IntegrityError carrying the one generic message."""

    @contextmanager
    def check() -> Iterator[None]:
        with pytest.raises(IntegrityError) as info:
            yield
        assert str(info.value) == GENERIC_INTEGRITY_MESSAGE

    return check
