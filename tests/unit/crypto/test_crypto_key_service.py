"""The Transit data-key service decides the Vault request from its configuration, never from a file.

A stub stands in for hvac's Transit API and records every request, so these tests show what
would have been sent; tests/integration/test_vault_transit.py runs the same rules against OpenBao.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace

import hvac.exceptions
import pytest

from secure_mlops.crypto import WrappedKey
from secure_mlops.errors import ConfigError, VaultError
from secure_mlops.vault import TransitKeyService

KEY = "secure-mlops-data"
MOUNT = "transit"
WRAPPED = "vault:v2:" + base64.b64encode(bytes(60)).decode()


class RecordingTransit:
    """hvac's `client.secrets.transit`, answering every call alike and keeping what it was asked."""

    def __init__(self, errors: list[str] | None = None) -> None:
        self.errors = errors
        self.requests: list[tuple[str, str, str]] = []

    def _answer(self, operation: str, name: str, mount_point: str) -> dict:
        self.requests.append((operation, name, mount_point))
        if self.errors:
            raise hvac.exceptions.InvalidRequest(self.errors[0], errors=self.errors)
        return {"data": {"plaintext": base64.b64encode(bytes(range(32))).decode(), "ciphertext": WRAPPED}}

    def decrypt_data(self, name: str, ciphertext: str, mount_point: str) -> dict:
        return self._answer("decrypt", name, mount_point)

    def rewrap_data(self, name: str, ciphertext: str, mount_point: str) -> dict:
        return self._answer("rewrap", name, mount_point)


def service(transit: RecordingTransit) -> TransitKeyService:
    client = SimpleNamespace(url="http://127.0.0.1:8200", secrets=SimpleNamespace(transit=transit))
    return TransitKeyService(client, key_name=KEY, mount=MOUNT)  # type: ignore[arg-type]


def craft(name: str) -> WrappedKey:
    """What read_header would hand over for a header naming `name`, had it no rules of its own."""
    wrapped = WrappedKey(KEY, WRAPPED)
    object.__setattr__(wrapped, "key_name", name)
    return wrapped


@pytest.mark.parametrize(
    "name", ["../../other-mount/decrypt/attacker", "other-key", f"{KEY}/../other-key", KEY.upper()]
)
@pytest.mark.parametrize("operation", ["unwrap_data_key", "rewrap_data_key"])
def test_a_key_name_other_than_the_configured_one_sends_nothing(fails_integrity, name, operation):
    transit = RecordingTransit()

    with fails_integrity():
        getattr(service(transit), operation)(craft(name))

    assert transit.requests == []


def test_requests_name_the_configured_key_and_mount(fails_integrity):
    transit = RecordingTransit()
    keys = service(transit)

    keys.unwrap_data_key(WrappedKey(KEY, WRAPPED))
    rewrapped = keys.rewrap_data_key(WrappedKey(KEY, WRAPPED))

    assert transit.requests == [("decrypt", KEY, MOUNT), ("rewrap", KEY, MOUNT)]
    assert rewrapped.key_name == KEY


# Vault's answers when the wrapped key itself was changed (seen from OpenBao): the file was
# modified, so the one integrity error, as for any other header byte.
@pytest.mark.parametrize(
    "error",
    [
        "cipher: message authentication failed",
        "invalid ciphertext: version is too new",
        "invalid ciphertext: could not decode base64",
        "invalid ciphertext length",
    ],
)
@pytest.mark.parametrize("operation", ["unwrap_data_key", "rewrap_data_key"])
def test_a_wrapped_key_vault_cannot_decrypt_is_an_integrity_error(fails_integrity, error, operation):
    with fails_integrity():
        getattr(service(RecordingTransit([error])), operation)(WrappedKey(KEY, WRAPPED))


@pytest.mark.parametrize("operation", ["unwrap_data_key", "rewrap_data_key"])
def test_a_retired_key_version_stays_a_vault_error(operation):
    transit = RecordingTransit(["ciphertext or signature version is disallowed by policy (too old)"])

    with pytest.raises(VaultError, match="min_decryption_version"):
        getattr(service(transit), operation)(WrappedKey(KEY, WRAPPED))


def test_other_vault_refusals_stay_vault_errors():
    with pytest.raises(VaultError, match="encryption key not found"):
        service(RecordingTransit(["encryption key not found"])).unwrap_data_key(WrappedKey(KEY, WRAPPED))


@pytest.mark.parametrize("name", ["", "a/b", "..", "../transit-other/keys/x", "a..b"])
def test_a_configured_key_name_that_is_not_one_path_segment_is_a_config_error(name):
    with pytest.raises(ConfigError, match="SECURE_MLOPS_DATA_KEY_NAME"):
        TransitKeyService(SimpleNamespace(url="http://127.0.0.1:8200"), key_name=name)  # type: ignore[arg-type]
