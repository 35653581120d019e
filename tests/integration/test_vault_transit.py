"""Transit key service and keyed hashes against a real OpenBao server."""

from __future__ import annotations

import base64
import logging

import hvac
import pytest

from secure_mlops.config import Settings
from secure_mlops.crypto import WrappedKey
from secure_mlops.errors import IntegrityError, VaultError
from secure_mlops.vault import TransitHmacService, TransitKeyService, connect

pytestmark = pytest.mark.integration


def test_data_key_unwraps_to_the_same_key(vault_settings: Settings) -> None:
    service = TransitKeyService(connect(vault_settings), key_name=vault_settings.data_key_name)
    key, wrapped = service.generate_data_key()
    assert wrapped.ciphertext.startswith("vault:v")
    assert service.unwrap_data_key(wrapped).material == key.material


def test_hmac_batches_over_the_server_limit_keep_order(vault_settings: Settings) -> None:
    service = TransitHmacService(connect(vault_settings), key_name=vault_settings.pseudonym_key_name)
    values = [f"patient-{i}".encode() for i in range(1200)]  # three batches of at most 499
    digests = service.hmac_many(values)
    assert len(digests) == 1200 and all(len(d) == 32 for d in digests)
    assert digests[7] == service.hmac_many([values[7]])[0]
    assert len(set(digests)) == 1200


@pytest.mark.control("keyed-pseudonyms")
def test_pseudonym_key_cannot_encrypt(vault_settings: Settings, vault_root: hvac.Client) -> None:
    with pytest.raises(hvac.exceptions.InvalidRequest):
        vault_root.secrets.transit.encrypt_data(vault_settings.pseudonym_key_name, "YWJj")


def test_a_wrapped_key_of_another_transit_key_is_refused_though_vault_would_unwrap_it(
    vault_settings: Settings, vault_root: hvac.Client
) -> None:
    # The name comes from a file: the service must not let it choose the key Vault uses.
    vault_root.secrets.transit.create_key("another-key")
    ciphertext = vault_root.secrets.transit.generate_data_key("another-key", key_type="wrapped")["data"]["ciphertext"]
    assert vault_root.secrets.transit.decrypt_data("another-key", ciphertext)["data"]["plaintext"]
    service = TransitKeyService(connect(vault_settings), key_name=vault_settings.data_key_name)

    for operation in (service.unwrap_data_key, service.rewrap_data_key):
        with pytest.raises(IntegrityError, match=r"^decryption failed: the file was modified"):
            operation(WrappedKey("another-key", ciphertext))


def test_a_changed_wrapped_key_is_an_integrity_error_not_a_vault_error(vault_settings: Settings) -> None:
    service = TransitKeyService(connect(vault_settings), key_name=vault_settings.data_key_name)
    _, wrapped = service.generate_data_key()
    prefix, encoded = wrapped.ciphertext.rsplit(":", 1)
    raw = bytearray(base64.b64decode(encoded))
    changed = [raw[:20] + bytes([raw[20] ^ 1]) + raw[21:], raw[:-1]]  # a flipped bit, a byte cut
    current = int(prefix.removeprefix("vault:v"))

    for blob, version in [*((c, current) for c in changed), (raw, current + 1)]:  # and a version Vault lacks
        respelled = WrappedKey(wrapped.key_name, f"vault:v{version}:{base64.b64encode(bytes(blob)).decode()}")
        for operation in (service.unwrap_data_key, service.rewrap_data_key):
            with pytest.raises(IntegrityError, match=r"^decryption failed: the file was modified"):
                operation(respelled)


def test_wrong_token_is_permission_denied(vault_settings: Settings) -> None:
    bad = Settings(vault_addr=vault_settings.vault_addr, vault_token="not-a-token", state_dir=vault_settings.state_dir)
    service = TransitKeyService(connect(bad), key_name=bad.data_key_name)
    with pytest.raises(VaultError, match="permission denied") as info:
        service.generate_data_key()
    assert "not-a-token" not in str(info.value)


def test_unreachable_vault_says_how_to_start_one(tmp_path) -> None:
    from tests.support.servers import free_port

    settings = Settings(vault_addr=f"http://127.0.0.1:{free_port()}", vault_token="x", state_dir=tmp_path)
    with pytest.raises(VaultError, match="cannot reach Vault") as info:
        TransitKeyService(connect(settings), key_name="k").generate_data_key()
    assert "dev up" in str(info.value)


def test_signature_verifies_and_a_changed_message_does_not(vault_settings: Settings) -> None:
    from secure_mlops.vault import TransitSigner

    signer = TransitSigner(connect(vault_settings), key_name=vault_settings.signing_key_name)
    signature = signer.sign(b'{"model": "sha256:abc"}')
    assert signature.startswith("vault:v1:")
    assert signer.verify(b'{"model": "sha256:abc"}', signature)
    assert not signer.verify(b'{"model": "sha256:abd"}', signature)


# -- the pseudonym key's version is pinned and recorded (issue 10, item 11) ---------------------

def _hmac_key(vault_root: hvac.Client, name: str) -> str:
    vault_root.adapter.post(f"/v1/transit/keys/{name}", json={"type": "hmac", "key_size": 32})
    return name


def test_an_unpinned_service_pins_the_latest_version_for_the_rest_of_its_run(
        vault_settings: Settings, vault_root: hvac.Client) -> None:
    key = _hmac_key(vault_root, "pin-latest")
    service = TransitHmacService(connect(vault_settings), key_name=key, batch_size=10)
    values = [f"patient-{i}".encode() for i in range(35)]  # four batches
    before = service.hmac_many(values)
    assert service.key_version == 1
    vault_root.secrets.transit.rotate_key(key)

    assert service.hmac_many(values) == before and service.key_version == 1
    fresh = TransitHmacService(connect(vault_settings), key_name=key)
    assert fresh.hmac_many(values[:1]) != before[:1] and fresh.key_version == 2


def test_a_service_pinned_to_an_older_version_keeps_its_pseudonyms_and_says_a_newer_exists(
        vault_settings: Settings, vault_root: hvac.Client, caplog: pytest.LogCaptureFixture) -> None:
    key = _hmac_key(vault_root, "pin-older")
    first = TransitHmacService(connect(vault_settings), key_name=key).hmac_many([b"P-1"])
    vault_root.secrets.transit.rotate_key(key)
    pinned = TransitHmacService(connect(vault_settings), key_name=key, key_version=1)

    with caplog.at_level(logging.WARNING, logger="secure_mlops.vault.transit"):
        assert pinned.hmac_many([b"P-1"]) == first
    assert "version 1" in caplog.text and "latest version is 2" in caplog.text and "P-1" not in caplog.text
    assert pinned.key_version == 1


def test_a_pinned_version_vault_no_longer_allows_is_a_clear_error(
        vault_settings: Settings, vault_root: hvac.Client) -> None:
    key = _hmac_key(vault_root, "pin-retired")
    vault_root.secrets.transit.rotate_key(key)
    vault_root.adapter.post(f"/v1/transit/keys/{key}/config", json={"min_encryption_version": 2})

    with pytest.raises(VaultError, match="version 1 of Transit key 'pin-retired'") as info:
        TransitHmacService(connect(vault_settings), key_name=key, key_version=1).hmac_many([b"P-1"])
    assert "re-pseudonymiz" in str(info.value)
    with pytest.raises(VaultError, match="version 9 of Transit key 'pin-retired'"):
        TransitHmacService(connect(vault_settings), key_name=key, key_version=9).hmac_many([b"P-1"])
