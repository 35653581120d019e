"""In-memory stand-ins for what the code asks Vault Transit (data keys, HMAC, signatures) and for
the inference service's metrics: deterministic, offline, and recording what they were asked."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secure_mlops.crypto import DataKey, WrappedKey
from secure_mlops.crypto.format import integrity_failure
from secure_mlops.errors import VaultError

HMAC_KEY = b"k" * 32
OTHER_HMAC_KEY = b"o" * 32
_SIGNATURE = re.compile(r"vault:v(\d+):(.+)")


class FakeHmacService:
    """HmacService over Python's hmac with an in-memory key; records what it was asked.

    With `fail_first`, the first call is refused the way Vault refuses an expired token.
    `key_version` is the version its digests are made under, as TransitHmacService tells it.
    """

    def __init__(self, key: bytes = HMAC_KEY, *, fail_first: bool = False, key_version: int = 1) -> None:
        self._key = key
        self.fail_first = fail_first
        self.key_version = key_version
        self.calls = 0
        self.batch_sizes: list[int] = []
        self.seen: list[bytes] = []

    def hmac_many(self, values: Sequence[bytes]) -> list[bytes]:
        if self.fail_first:
            self.fail_first = False
            raise VaultError("permission denied (token expired)")
        self.calls += 1
        self.batch_sizes.append(len(values))
        self.seen += values
        return [hmac.new(self._key, v, hashlib.sha256).digest() for v in values]

    def pseudonym(self, value: str) -> str:
        """The pseudonym the project derives from this service's HMAC: its first 16 bytes in hex."""
        return hmac.new(self._key, value.encode(), hashlib.sha256).digest()[:16].hex()


class InMemoryKeyService:
    """Behaves like a Transit key: versioned KEKs, rotation, `min_decryption_version`.

    Wrapped keys look like Vault's (``vault:v<N>:<base64 of nonce || AES-GCM(kek_N, key)>``) and
    the key name is bound as associated data, so a key wrapped under another name fails to unwrap.
    Like TransitKeyService, it unwraps only under its own key name.
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
        # As TransitKeyService answers: another key's name, or a wrapped key that does not
        # decrypt, means the file was modified; only a retired version is Vault's refusal.
        if wrapped.key_name != self.key_name or wrapped.version > self.latest_version:
            raise integrity_failure()
        if wrapped.version < self.min_decryption_version:
            raise VaultError("invalid key version: below min_decryption_version")
        try:
            blob = base64.b64decode(wrapped.ciphertext.split(":", 2)[2], validate=True)
            return AESGCM(self._keks[wrapped.version]).decrypt(
                blob[:12], blob[12:], self.key_name.encode()
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise integrity_failure() from None


class InMemorySigner:
    """Behaves like a Transit ed25519 key: ``vault:v<N>:<base64>`` signatures, versioned keys.

    With `seed` (32 bytes) the first key version is derived from it, so a signer in another
    process with the same seed verifies what this one signed.
    """

    def __init__(self, key_name: str = "secure-mlops-signing", *, seed: bytes | None = None) -> None:
        self._key_name = key_name
        first = Ed25519PrivateKey.from_private_bytes(seed) if seed else Ed25519PrivateKey.generate()
        self._keys = {1: first}

    @property
    def key_name(self) -> str:
        return self._key_name

    def rotate(self) -> None:
        self._keys[max(self._keys) + 1] = Ed25519PrivateKey.generate()

    def latest_version(self) -> int:
        return max(self._keys)

    def sign(self, message: bytes, *, key_version: int | None = None) -> str:
        version = key_version or self.latest_version()
        return f"vault:v{version}:" + base64.b64encode(self._keys[version].sign(message)).decode()

    def verify(self, message: bytes, signature: str) -> bool:
        match = _SIGNATURE.fullmatch(signature)
        key = self._keys.get(int(match.group(1))) if match else None
        if key is None:
            return False
        try:
            key.public_key().verify(base64.b64decode(match.group(2)), message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class FakeVault:
    """The three Transit services the pipeline uses, in memory, under the project's key names."""

    keys: InMemoryKeyService = field(default_factory=lambda: InMemoryKeyService("secure-mlops-data"))
    hmac: FakeHmacService = field(default_factory=FakeHmacService)
    signer: InMemorySigner = field(default_factory=InMemorySigner)


class RecordingMetrics:
    """The inference service's metrics interface, keeping what it was told instead of exporting it."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, int]] = []
        self.drift: dict[str, float] = {}
        self.labels: list[str] = []

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        self.requests.append((route, status))

    def observe_labels(self, labels: Sequence[str]) -> None:
        self.labels += labels

    def set_drift(self, feature: str, psi: float) -> None:
        self.drift[feature] = psi

    def render(self) -> tuple[bytes, str]:
        return b"secure_mlops_http_requests_total 1\n", "text/plain"
