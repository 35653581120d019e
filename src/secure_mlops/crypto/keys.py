"""Key material types shared by the envelope format and the key services that back it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn, Protocol

_VAULT_CIPHERTEXT = re.compile(r"^vault:v(\d+):[A-Za-z0-9+/=]+$")


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted by a key-encryption key that never leaves the key service.

    `ciphertext` uses Vault Transit's form, ``vault:v<version>:<base64>``.
    """

    key_name: str
    ciphertext: str

    def __post_init__(self) -> None:
        if not _VAULT_CIPHERTEXT.match(self.ciphertext):
            raise ValueError("wrapped key is not in the form vault:v<N>:<base64>")

    @property
    def version(self) -> int:
        match = _VAULT_CIPHERTEXT.match(self.ciphertext)
        if match is None:  # __post_init__ checked it: only a mutated object gets here
            raise ValueError("wrapped key is not a Vault ciphertext")
        return int(match.group(1))


class DataKey:
    """A plaintext 256-bit data key, held only in memory.

    It refuses pickling and its repr shows no key, so it cannot leak through a log line, a
    traceback's locals or a multiprocessing queue. Call `wipe()` when done (best effort: Python
    may hold other copies, but this one is zeroed).
    """

    __slots__ = ("_material",)

    def __init__(self, material: bytes | bytearray) -> None:
        if len(material) != 32:
            raise ValueError("a data key must be 32 bytes (AES-256)")
        self._material = bytearray(material)

    @property
    def material(self) -> bytes:
        if not any(self._material):
            raise ValueError("this data key was wiped")
        return bytes(self._material)

    def wipe(self) -> None:
        for i in range(len(self._material)):
            self._material[i] = 0

    def __repr__(self) -> str:
        return "DataKey(<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("DataKey holds key material and cannot be pickled")

    def __copy__(self) -> NoReturn:
        raise TypeError("DataKey holds key material and cannot be copied")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("DataKey holds key material and cannot be copied")


class KeyService(Protocol):
    """Issues and unwraps per-object data keys (Vault Transit `datakey` in production)."""

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        """One call: a fresh data key and the same key wrapped by the current KEK version."""
        ...

    def unwrap_data_key(self, wrapped: WrappedKey) -> DataKey:
        """Unwrap; raises VaultError if the key version is retired or access is denied."""
        ...

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        """Re-wrap under the newest KEK version without exposing the data key."""
        ...
