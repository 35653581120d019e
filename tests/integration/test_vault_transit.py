"""Transit key service and keyed hashes against a real OpenBao server."""

from __future__ import annotations

import hvac
import pytest

from secure_mlops.config import Settings
from secure_mlops.crypto import WrappedKey
from secure_mlops.errors import VaultError
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


def test_pseudonym_key_cannot_encrypt(vault_settings: Settings, vault_root: hvac.Client) -> None:
    with pytest.raises(hvac.exceptions.InvalidRequest):
        vault_root.secrets.transit.encrypt_data(vault_settings.pseudonym_key_name, "YWJj")


def test_unknown_wrapped_key_name_is_a_clear_vault_error(vault_settings: Settings) -> None:
    service = TransitKeyService(connect(vault_settings), key_name=vault_settings.data_key_name)
    with pytest.raises(VaultError) as info:
        service.unwrap_data_key(WrappedKey("no-such-key", "vault:v1:AAAA"))
    assert "no-such-key" in str(info.value) or "unwrap" in str(info.value)


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
