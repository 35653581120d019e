"""`secure-mlops encrypt | decrypt | rewrap` against a real OpenBao: rotation, retirement, denial."""

from __future__ import annotations

import base64
import io
import os
import stat
import subprocess
from pathlib import Path

import hvac
import pytest

from secure_mlops.config import Settings
from secure_mlops.crypto import WrappedKey, encrypt_stream, read_header
from secure_mlops.vault import data_key_service
from tests.support.cli import run_cli
from tests.support.envelope import HandsOut, with_key_part
from tests.support.paths import VAULT_POLICIES

pytestmark = pytest.mark.integration

# Spelled out, as the spec promises it: it names no key, mount, path or secret.
INTEGRITY_FAILURE = "decryption failed: the file was modified, truncated, or the context does not match"


def run(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env)


@pytest.fixture()
def plaintext(tmp_path: Path) -> Path:
    path = tmp_path / "data.parquet"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    return path


@pytest.mark.control("envelope-encryption")
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


@pytest.mark.control("key-lifecycle")
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


@pytest.mark.control("least-privilege-vault")
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


def _encrypt_with(service: object, data: bytes, path: Path, version: int) -> bytes:
    """The library's encryption with `service`'s data key, as the CLI names contexts (file name)."""
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, service, path.name.encode(), 4096, version=version)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.fixture(scope="module")
def attacker_key(vault_root: hvac.Client) -> HandsOut:
    """A Transit key on another mount, which the broad token may use but the file must not choose."""
    if "other-mount/" not in vault_root.sys.list_mounted_secrets_engines()["data"]:
        vault_root.sys.enable_secrets_engine("transit", path="other-mount")
        vault_root.secrets.transit.create_key("attacker", mount_point="other-mount")
    data = vault_root.secrets.transit.generate_data_key("attacker", key_type="plaintext", mount_point="other-mount")["data"]
    return HandsOut(base64.b64decode(data["plaintext"]), WrappedKey("attacker", data["ciphertext"]))


@pytest.mark.parametrize("version", [1, 2])
def test_a_header_naming_another_mount_and_key_is_an_integrity_error(
    cli_env: dict[str, str], attacker_key: HandsOut, tmp_path: Path, version: int
) -> None:
    crafted, out = tmp_path / "crafted.enc", tmp_path / "out.csv"
    blob = _encrypt_with(attacker_key, b"id,label\n1,chosen by the attacker\n", crafted, version)
    crafted.write_bytes(with_key_part(blob, name=b"../../other-mount/decrypt/attacker"))

    result = run(cli_env, "decrypt", "-i", crafted, "-o", out)

    assert result.returncode == 6, result.stdout + result.stderr
    assert result.stderr == "error: " + INTEGRITY_FAILURE + "\n"
    assert not out.exists() and list(tmp_path.glob(".out*")) == []


@pytest.mark.parametrize("version", [1, 2])
def test_a_file_under_another_transit_key_of_the_same_mount_is_refused(
    cli_env: dict[str, str], vault_root: hvac.Client, tmp_path: Path, version: int
) -> None:
    vault_root.secrets.transit.create_key("another-key")
    data = vault_root.secrets.transit.generate_data_key("another-key", key_type="plaintext")["data"]
    service = HandsOut(base64.b64decode(data["plaintext"]), WrappedKey("another-key", data["ciphertext"]))
    crafted = tmp_path / "crafted.enc"
    crafted.write_bytes(_encrypt_with(service, b"chosen rows", crafted, version))

    result = run(cli_env, "decrypt", "-i", crafted, "-o", tmp_path / "out")

    assert result.returncode == 6 and result.stderr == "error: " + INTEGRITY_FAILURE + "\n"


@pytest.mark.parametrize(
    "respell",
    [
        lambda w: w.replace(b"vault:v", b"vault:v0", 1),  # OpenBao reads v01 as v1
        lambda w: w + b"\n",  # OpenBao ignores it
        lambda w: w[:20] + (b"B" if w[20:21] != b"B" else b"C") + w[21:],  # no longer authenticates
    ],
    ids=["leading-zero", "trailing-newline", "changed-character"],
)
def test_a_changed_wrapped_key_is_an_integrity_error_not_a_vault_error(
    cli_env: dict[str, str], vault_settings: Settings, plaintext: Path, tmp_path: Path, respell
) -> None:
    enc = tmp_path / "data.enc"
    blob = _encrypt_with(data_key_service(vault_settings), plaintext.read_bytes(), enc, 2)
    wrapped = read_header(io.BytesIO(blob)).wrapped_key.ciphertext.encode()
    enc.write_bytes(with_key_part(blob, wrapped=respell(wrapped)))

    result = run(cli_env, "decrypt", "-i", enc, "-o", tmp_path / "out")

    assert result.returncode == 6, result.stdout + result.stderr
    assert result.stderr == "error: " + INTEGRITY_FAILURE + "\n"


def test_version_1_files_decrypt_and_rewrap(
    cli_env: dict[str, str], vault_settings: Settings, plaintext: Path, tmp_path: Path
) -> None:
    enc, out = tmp_path / "old-format.enc", tmp_path / "out"
    enc.write_bytes(_encrypt_with(data_key_service(vault_settings), plaintext.read_bytes(), enc, 1))

    assert run(cli_env, "rewrap", "-i", enc).returncode == 0
    result = run(cli_env, "decrypt", "-i", enc, "-o", out)

    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == plaintext.read_bytes() and enc.read_bytes()[6] == 1


def test_rewrap_keeps_the_mode_and_refuses_a_damaged_file(
    cli_env: dict[str, str], plaintext: Path, tmp_path: Path
) -> None:
    enc = tmp_path / "data.enc"
    assert run(cli_env, "encrypt", "-i", plaintext, "-o", enc).returncode == 0
    enc.chmod(0o640)

    assert run(cli_env, "rewrap", "-i", enc).returncode == 0
    assert stat.S_IMODE(enc.stat().st_mode) == 0o640

    # A flipped tag and junk appended that runs past the end of a chunk: refused, left as it was.
    # (Junk that leaves a length chunks can have is found by the next decrypt, with the context.)
    damaged = bytearray(enc.read_bytes())
    damaged[-1] ^= 0x01
    segment = 1024 * 1024 + 16
    body = len(damaged) - len(read_header(io.BytesIO(bytes(damaged))).encode())
    enc.write_bytes(bytes(damaged) + os.urandom(segment - body % segment + 5))
    before = enc.read_bytes()
    result = run(cli_env, "rewrap", "-i", enc)
    assert result.returncode == 6 and result.stderr == "error: " + INTEGRITY_FAILURE + "\n"
    assert enc.read_bytes() == before and stat.S_IMODE(enc.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.enc", "data.parquet"]
