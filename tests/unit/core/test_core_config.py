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


# -- Vault credentials with stray whitespace (issue 10, item 4) --------------------------------

@pytest.mark.parametrize("variable", ["VAULT_TOKEN", "SECURE_MLOPS_VAULT_APPROLE_SECRET_ID"])
@pytest.mark.parametrize("written", ["s.abc123\n", "s.abc123\r\n", "  s.abc123 "])
def test_surrounding_whitespace_of_a_credential_is_stripped(
        monkeypatch: pytest.MonkeyPatch, variable: str, written: str) -> None:
    """What `echo` and files add: a trailing newline would make hvac refuse the header."""
    monkeypatch.setenv(variable, written)
    secret = getattr(get_settings(), variable.lower().removeprefix("secure_mlops_"))
    assert secret.get_secret_value() == "s.abc123"


@pytest.mark.parametrize("variable", ["VAULT_TOKEN", "SECURE_MLOPS_VAULT_APPROLE_SECRET_ID",
                                      "SECURE_MLOPS_VAULT_APPROLE_ROLE_ID"])
@pytest.mark.parametrize("written", ["s.abc 123", "s.abc\n123", "s.abc\t123", "s.abc\x1b123", "s.abcé123"])
def test_a_credential_with_whitespace_or_control_characters_inside_is_refused_by_name(
        monkeypatch: pytest.MonkeyPatch, variable: str, written: str) -> None:
    monkeypatch.setenv(variable, written)
    with pytest.raises(ConfigError, match=f"invalid setting {variable}:") as info:
        get_settings()
    assert "abc" not in str(info.value) and "123" not in str(info.value)
    assert info.value.exit_code == 3


def test_an_empty_token_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "\n")
    assert get_settings().vault_token is None


# -- VAULT_ADDR and VAULT_CACERT are checked before any work (issue 10, item 13) ---------------

@pytest.mark.parametrize("addr", ["not-a-url", "ftp://127.0.0.1:8200", "http://127.0.0.1:99999",
                                  "http://127.0.0.1:0", "https://", "http://[::1:8200", "http://vault .example"])
def test_a_malformed_vault_addr_is_a_config_error_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, addr: str) -> None:
    monkeypatch.setenv("VAULT_ADDR", addr)
    with pytest.raises(ConfigError, match="invalid setting VAULT_ADDR:") as info:
        get_settings()
    assert info.value.exit_code == 3


@pytest.mark.parametrize("addr", ["http://127.0.0.1:8200", "https://vault.vault.svc:8200", "https://vault.example.org",
                                  "http://[::1]:8200", "https://vault.example.org:8200/"])
def test_a_well_formed_vault_addr_is_accepted(monkeypatch: pytest.MonkeyPatch, addr: str) -> None:
    monkeypatch.setenv("VAULT_ADDR", addr)
    assert get_settings().vault_addr == addr.rstrip("/")


def test_a_prefixed_vault_variable_is_named_as_it_was_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECURE_MLOPS_VAULT_ADDR", "ftp://x")
    with pytest.raises(ConfigError, match="invalid setting SECURE_MLOPS_VAULT_ADDR:"):
        get_settings()


def test_a_vault_cacert_naming_a_missing_file_is_a_config_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VAULT_CACERT", str(tmp_path / "no-ca.pem"))
    with pytest.raises(ConfigError, match="invalid setting VAULT_CACERT:"):
        get_settings()
    monkeypatch.setenv("VAULT_CACERT", str(tmp_path))  # a folder is not a CA file either
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="invalid setting VAULT_CACERT:"):
        get_settings()
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("VAULT_CACERT", str(tmp_path / "ca.pem"))
    get_settings.cache_clear()
    assert get_settings().vault_cacert == tmp_path / "ca.pem"


@pytest.mark.parametrize("variables", [{"VAULT_ADDR": "not-a-url"}, {"VAULT_ADDR": "http://127.0.0.1:99999"},
                                       {"VAULT_CACERT": "/nonexistent/ca.pem"}, {"VAULT_TOKEN": "s.a b"}])
def test_the_command_line_stops_with_exit_3_before_writing_anything(tmp_path: Path, variables: dict[str, str]) -> None:
    from tests.support.cli import clean_env, run_cli

    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,2\n")
    env = clean_env(**{"SECURE_MLOPS_STATE_DIR": str(tmp_path / "state"), "VAULT_TOKEN": "s.x", **variables})

    result = run_cli("encrypt", "-i", plain, "-o", tmp_path / "x.enc", env=env)

    assert result.returncode == 3, result.stderr
    assert f"invalid setting {next(iter(variables))}" in result.stderr
    assert not (tmp_path / "x.enc").exists() and len(result.stderr.strip().splitlines()) == 1


def test_the_pseudonym_key_version_is_unpinned_by_default_and_a_positive_integer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_settings().pseudonym_key_version is None
    monkeypatch.setenv("SECURE_MLOPS_PSEUDONYM_KEY_VERSION", "3")
    get_settings.cache_clear()
    assert get_settings().pseudonym_key_version == 3
    monkeypatch.setenv("SECURE_MLOPS_PSEUDONYM_KEY_VERSION", "0")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="invalid setting SECURE_MLOPS_PSEUDONYM_KEY_VERSION"):
        get_settings()


@pytest.mark.parametrize("addr", ["http://vault.example.com:8200", "https://", "vault:8200", "https://vault:99999"])
def test_a_cluster_vault_address_must_be_an_https_url(addr: str) -> None:
    from secure_mlops.config import cluster_vault_addr

    with pytest.raises(ValueError, match="https://"):
        cluster_vault_addr(addr)


def test_a_cluster_vault_address_loses_its_trailing_slash() -> None:
    from secure_mlops.config import cluster_vault_addr

    assert cluster_vault_addr("https://vault.vault.svc:8200/") == "https://vault.vault.svc:8200"
