"""Signatures from Vault Transit (ed25519): the private key never leaves Vault."""

from __future__ import annotations

import base64
from typing import Protocol

import hvac
import hvac.exceptions

from secure_mlops.vault.errors import vault_errors

# What `latest_version` signs: a constant, so the signature it throws away vouches for nothing.
VERSION_PROBE = b"secure-mlops: which version of the signing key is the latest?"


class Signer(Protocol):
    """Signs and verifies messages with one named key, whose versions it tells apart."""

    def sign(self, message: bytes, *, key_version: int | None = None) -> str:
        """The signature in Vault's form, ``vault:v<N>:<base64>``, by version `key_version`
        (default: the latest)."""
        ...

    def latest_version(self) -> int:
        """The version `sign` uses by default, to record in what is signed."""
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

    def sign(self, message: bytes, *, key_version: int | None = None) -> str:
        with vault_errors(f"sign with Transit key '{self._key_name}'", self._client.url):
            data = self._client.secrets.transit.sign_data(
                self._key_name, base64.b64encode(message).decode("ascii"), key_version=key_version,
                mount_point=self._mount,
            )["data"]
        return str(data["signature"])

    def latest_version(self) -> int:
        # The policies grant sign and verify only, never reading the key: Transit names the
        # version it signed with, so a signature of a constant tells the latest one.
        with vault_errors(f"sign with Transit key '{self._key_name}'", self._client.url):
            data = self._client.secrets.transit.sign_data(
                self._key_name, base64.b64encode(VERSION_PROBE).decode("ascii"), mount_point=self._mount
            )["data"]
        return int(data["key_version"])

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
