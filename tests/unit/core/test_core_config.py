"""Settings: one class, the SECURE_MLOPS_ prefix, Vault's own variables, no secret in errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.config import Settings, get_settings
from secure_mlops.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("VAULT_", "SECURE_MLOPS_")):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_vault_addr_defaults_to_the_local_dev_vault_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECURE_MLOPS_DEV_VAULT_PORT", "8300")
    assert Settings().vault_addr == "http://127.0.0.1:8300"


def test_ecosystem_variables_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_ADDR", "https://vault.example.org:8200/")
    monkeypatch.setenv("VAULT_TOKEN", "s.abc")
    monkeypatch.setenv("VAULT_NAMESPACE", "team-a")
    settings = Settings()
    assert settings.vault_addr == "https://vault.example.org:8200"
    assert settings.vault_token is not None and settings.vault_token.get_secret_value() == "s.abc"
    assert settings.vault_namespace == "team-a"


def test_token_is_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "hvs.very-secret")
    assert "very-secret" not in repr(Settings())


def test_prefixed_project_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SECURE_MLOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SECURE_MLOPS_VAULT_AUTH", "kubernetes")
    settings = Settings()
    assert settings.state_dir == tmp_path and settings.vault_auth == "kubernetes"


def test_invalid_setting_is_a_config_error_without_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECURE_MLOPS_VAULT_AUTH", "password-hunter2")
    with pytest.raises(ConfigError, match="SECURE_MLOPS_VAULT_AUTH") as info:
        get_settings()
    assert "hunter2" not in str(info.value)


def test_chunk_size_out_of_range_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECURE_MLOPS_CHUNK_SIZE", "12")
    with pytest.raises(ConfigError, match="CHUNK_SIZE"):
        get_settings()
