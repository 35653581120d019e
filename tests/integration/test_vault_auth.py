"""Logging in to a real OpenBao with AppRole, and clear errors for the other methods."""

from __future__ import annotations

from pathlib import Path

import hvac
import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import ConfigError, VaultError
from secure_mlops.vault import TransitKeyService, connect
from tests.support.paths import VAULT_POLICIES

pytestmark = pytest.mark.integration
POLICY = VAULT_POLICIES / "secure-mlops-pipeline.hcl"


@pytest.fixture(scope="module")
def approle(vault_root: hvac.Client, vault_settings: Settings) -> tuple[str, str]:
    vault_root.sys.create_or_update_policy("secure-mlops-pipeline", POLICY.read_text())
    if "approle/" not in vault_root.sys.list_auth_methods()["data"]:
        vault_root.sys.enable_auth_method("approle")
    vault_root.auth.approle.create_or_update_approle("pipeline", token_policies=["secure-mlops-pipeline"], token_ttl="10m")
    role_id = vault_root.auth.approle.read_role_id("pipeline")["data"]["role_id"]
    secret_id = vault_root.auth.approle.generate_secret_id("pipeline")["data"]["secret_id"]
    return role_id, secret_id


def _settings(base: Settings, **overrides: object) -> Settings:
    return Settings(vault_addr=base.vault_addr, state_dir=base.state_dir, **overrides)


@pytest.mark.control("least-privilege-vault")
def test_approle_login_gets_a_least_privilege_token(vault_settings: Settings, approle: tuple[str, str]) -> None:
    role_id, secret_id = approle
    client = connect(_settings(vault_settings, vault_auth="approle", vault_approle_role_id=role_id,
                               vault_approle_secret_id=secret_id))
    key, wrapped = TransitKeyService(client, key_name=vault_settings.data_key_name).generate_data_key()
    assert TransitKeyService(client, key_name=vault_settings.data_key_name).unwrap_data_key(wrapped).material == key.material
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.transit.rotate_key(vault_settings.data_key_name)


def test_approle_with_a_wrong_secret_id_is_refused(vault_settings: Settings, approle: tuple[str, str]) -> None:
    settings = _settings(vault_settings, vault_auth="approle", vault_approle_role_id=approle[0],
                         vault_approle_secret_id="wrong-secret-id")
    with pytest.raises(VaultError, match="AppRole") as info:
        connect(settings)
    assert "wrong-secret-id" not in str(info.value)


def test_approle_without_ids_is_a_config_error(vault_settings: Settings) -> None:
    with pytest.raises(ConfigError, match="SECURE_MLOPS_VAULT_APPROLE_ROLE_ID"):
        connect(_settings(vault_settings, vault_auth="approle"))


def test_kubernetes_auth_without_a_token_file_is_a_config_error(vault_settings: Settings, tmp_path: Path) -> None:
    settings = _settings(
        vault_settings, vault_auth="kubernetes", vault_kubernetes_role="pipeline",
        vault_kubernetes_jwt_path=tmp_path / "no-token",
    )
    with pytest.raises(ConfigError, match="service-account token"):
        connect(settings)


def test_a_service_account_token_file_with_a_trailing_newline_is_stripped_and_inner_whitespace_refused(
        vault_settings: Settings, tmp_path: Path) -> None:
    jwt = tmp_path / "token"
    settings = _settings(vault_settings, vault_auth="kubernetes", vault_kubernetes_role="pipeline",
                         vault_kubernetes_jwt_path=jwt)
    jwt.write_text("eyJhbGciOi.part two\n")
    with pytest.raises(ConfigError, match="SECURE_MLOPS_VAULT_KUBERNETES_JWT_PATH") as info:
        connect(settings)
    assert "eyJ" not in str(info.value) and "part" not in str(info.value)
    # A clean token reaches Vault (which has no Kubernetes auth here, hence a Vault error).
    jwt.write_text("eyJhbGciOi.payload.signature\n")
    with pytest.raises(VaultError, match="Kubernetes"):
        connect(settings)


def test_a_vault_token_with_a_trailing_newline_works(vault_settings: Settings) -> None:
    token = vault_settings.vault_token.get_secret_value()
    client = connect(_settings(vault_settings, vault_token=token + "\n"))
    assert TransitKeyService(client, key_name=vault_settings.data_key_name).generate_data_key()
