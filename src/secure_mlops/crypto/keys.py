"""Key material types shared by the envelope format and the key services that back it."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import NoReturn, Protocol

# One path segment of plain characters: a name read from a file can never climb out of the
# Transit mount's path (no "/", no "." or ".." segment) or spell the same key two ways.
_KEY_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
# Vault's spelling of a wrapped value, exactly: the version without leading zeros (Vault would
# read "v01" as v1) and nothing after the base64 (re.match's "$" lets a newline through).
_VAULT_CIPHERTEXT = re.compile(r"vault:v([1-9][0-9]*):([A-Za-z0-9+/]+={0,2})")


def is_key_name(name: str) -> bool:
    """Whether `name` is a Transit key name this project accepts: one plain path segment."""
    return _KEY_NAME.fullmatch(name) is not None


def _is_canonical_base64(text: str) -> bool:
    """Only the one encoding of its bytes: Vault ignores missing padding and stray pad bits,
    so any other spelling would let a header change pass unnoticed."""
    try:
        return base64.b64encode(base64.b64decode(text, validate=True)).decode("ascii") == text
    except binascii.Error:
        return False


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted by a key-encryption key that never leaves the key service.

    `ciphertext` uses Vault Transit's form, ``vault:v<version>:<base64>``, spelled canonically;
    `key_name` is one plain path segment. Anything else raises ValueError.
    """

    key_name: str
    ciphertext: str

    def __post_init__(self) -> None:
        if not is_key_name(self.key_name):
            raise ValueError("key name is not a plain Transit key name")
        match = _VAULT_CIPHERTEXT.fullmatch(self.ciphertext)
        if match is None or not _is_canonical_base64(match.group(2)):
            raise ValueError("wrapped key is not in the form vault:v<N>:<base64>")

    @property
    def version(self) -> int:
        match = _VAULT_CIPHERTEXT.fullmatch(self.ciphertext)
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
    """Issues and unwraps per-object data keys (Vault Transit `datakey` in production).

    A service unwraps and rewraps only under its own, configured key: a wrapped key naming
    another, or one that does not decrypt, raises the generic IntegrityError (the file was
    modified), never reaching the key service's API with a name taken from a file.
    """

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        """One call: a fresh data key and the same key wrapped by the current KEK version."""
        ...

    def unwrap_data_key(self, wrapped: WrappedKey) -> DataKey:
        """Unwrap; raises VaultError if the key version is retired or access is denied."""
        ...

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        """Re-wrap under the newest KEK version without exposing the data key."""
        ...
