"""`secure-mlops encrypt | decrypt | rewrap` against a real OpenBao: rotation, retirement, denial."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import hvac
import pytest

from secure_mlops.config import Settings
from tests.support.cli import run_cli
from tests.support.paths import VAULT_POLICIES

pytestmark = pytest.mark.integration


def run(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env)


@pytest.fixture()
def plaintext(tmp_path: Path) -> Path:
    path = tmp_path / "data.parquet"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    return path


def test_encrypt_decrypt_round_trip(cli_env: dict[str, str], plaintext: Path, tmp_path: Path) -> None:
    enc, out = tmp_path / "data.enc", tmp_path / "out.parquet"
    assert run(cli_env, "encrypt", "-i", plaintext, "-o", enc).returncode == 0
    result = run(cli_env, "decrypt", "-i", enc, "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == plaintext.read_bytes()


def test_wrong_context_fails_and_writes_nothing(cli_env: dict[str, str], plaintext: Path, tmp_path: Path) -> None:
    enc, out = tmp_path / "data.enc", tmp_path / "out.parquet"
    run(cli_env, "encrypt", "-i", plaintext, "-o", enc, "--context", "s3://bucket/a")
    result = run(cli_env, "decrypt", "-i", enc, "-o", out, "--context", "s3://bucket/b")
    assert result.returncode == 6
    assert result.stderr.startswith("error: decryption failed") and result.stderr.count("\n") == 1
    assert not out.exists() and list(tmp_path.glob(".out*")) == []


def test_rotation_rewrap_and_min_decryption_version(
    cli_env: dict[str, str], vault_root: hvac.Client, vault_settings: Settings, plaintext: Path, tmp_path: Path
) -> None:
    key = vault_settings.data_key_name
    old, rewrapped, out = tmp_path / "old.enc", tmp_path / "new.enc", tmp_path / "out"
    assert run(cli_env, "encrypt", "-i", plaintext, "-o", old).returncode == 0
    vault_root.secrets.transit.rotate_key(key)
    latest = vault_root.secrets.transit.read_key(key)["data"]["latest_version"]

    result = run(cli_env, "rewrap", "-i", old, "-o", rewrapped)
    assert result.returncode == 0, result.stderr
    assert f"v{latest}" in result.stdout
    # Same chunks, new key part only.
    assert old.read_bytes()[-4096:] == rewrapped.read_bytes()[-4096:]

    vault_root.secrets.transit.update_key_configuration(key, min_decryption_version=latest)
    try:
        retired = run(cli_env, "decrypt", "-i", old, "-o", out, "--context", "new.enc")
        assert retired.returncode == 7
        assert "min_decryption_version" in retired.stderr and not out.exists()
        ok = run(cli_env, "decrypt", "-i", rewrapped, "-o", out, "--context", "old.enc")
        assert ok.returncode == 0, ok.stderr
        assert out.read_bytes() == plaintext.read_bytes()
    finally:
        vault_root.secrets.transit.update_key_configuration(key, min_decryption_version=1)


def _token_with(vault_root: hvac.Client, policy_file: str) -> str:
    name = policy_file.removesuffix(".hcl")
    vault_root.sys.create_or_update_policy(name, (VAULT_POLICIES / policy_file).read_text())
    return vault_root.auth.token.create(policies=[name], ttl="10m")["auth"]["client_token"]


def test_pipeline_policy_can_encrypt_and_decrypt(
    cli_env: dict[str, str], vault_root: hvac.Client, plaintext: Path, tmp_path: Path
) -> None:
    env = {**cli_env, "VAULT_TOKEN": _token_with(vault_root, "secure-mlops-pipeline.hcl")}
    assert run(env, "encrypt", "-i", plaintext, "-o", tmp_path / "d.enc").returncode == 0
    assert run(env, "decrypt", "-i", tmp_path / "d.enc", "-o", tmp_path / "d").returncode == 0


def test_operator_policy_cannot_read_data(
    cli_env: dict[str, str], vault_root: hvac.Client, plaintext: Path, tmp_path: Path
) -> None:
    run(cli_env, "encrypt", "-i", plaintext, "-o", tmp_path / "d.enc")
    token = _token_with(vault_root, "secure-mlops-operator.hcl")
    env = {**cli_env, "VAULT_TOKEN": token}
    result = run(env, "decrypt", "-i", tmp_path / "d.enc", "-o", tmp_path / "d")
    assert result.returncode == 7
    assert "permission denied" in result.stderr and token not in result.stderr
    assert not (tmp_path / "d").exists()


def test_vault_unreachable_fails_cleanly(cli_env: dict[str, str], plaintext: Path, tmp_path: Path) -> None:
    from tests.support.servers import free_port

    env = {**cli_env, "VAULT_ADDR": f"http://127.0.0.1:{free_port()}"}
    result = run(env, "encrypt", "-i", plaintext, "-o", tmp_path / "d.enc")
    assert result.returncode == 7 and "cannot reach Vault" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.parquet"]


def test_file_that_is_not_ours_is_rejected(cli_env: dict[str, str], plaintext: Path, tmp_path: Path) -> None:
    result = run(cli_env, "decrypt", "-i", plaintext, "-o", tmp_path / "out")
    assert result.returncode == 4 and "not a secure-mlops encrypted file" in result.stderr


def test_missing_input_is_a_usage_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run(cli_env, "encrypt", "-i", tmp_path / "nope", "-o", tmp_path / "x")
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_output_equal_to_input_is_refused(cli_env: dict[str, str], plaintext: Path) -> None:
    before = plaintext.read_bytes()
    result = run(cli_env, "encrypt", "-i", plaintext, "-o", plaintext)
    assert result.returncode == 4 and plaintext.read_bytes() == before
