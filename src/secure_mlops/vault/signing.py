"""Signatures from Vault Transit (ed25519): the private key never leaves Vault."""

from __future__ import annotations

import base64
from typing import Protocol

import hvac
import hvac.exceptions

from secure_mlops.vault.errors import vault_errors


class Signer(Protocol):
    """Signs and verifies messages; `key_ref` names the key and version for the record."""

    def sign(self, message: bytes) -> str:
        """The signature in Vault's form, ``vault:v<N>:<base64>``."""
        ...

    def verify(self, message: bytes, signature: str) -> bool: ...

    @property
    def key_name(self) -> str: ...


class TransitSigner:
    def __init__(self, client: hvac.Client, *, key_name: str, mount: str = "transit") -> None:
        self._client = client
        self._key_name = key_name
        self._mount = mount

    @property
    def key_name(self) -> str:
        return self._key_name

    def sign(self, message: bytes) -> str:
        with vault_errors(f"sign with Transit key '{self._key_name}'", self._client.url):
            data = self._client.secrets.transit.sign_data(
                self._key_name, base64.b64encode(message).decode("ascii"), mount_point=self._mount
            )["data"]
        return str(data["signature"])

    def verify(self, message: bytes, signature: str) -> bool:
        """False for a wrong or malformed signature; VaultError only when Vault itself fails."""
        with vault_errors(f"verify with Transit key '{self._key_name}'", self._client.url):
            try:
                data = self._client.secrets.transit.verify_signed_data(
                    self._key_name,
                    base64.b64encode(message).decode("ascii"),
                    signature=signature,
                    mount_point=self._mount,
                )["data"]
            except hvac.exceptions.InvalidRequest:
                # Vault answers 400 for a signature it cannot parse or whose key version it
                # lacks: for the caller that is simply a signature that does not verify.
                return False
        return bool(data["valid"])
