"""`secure-mlops dev up | down | status`: the local OpenBao keeps data across restarts."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from secure_mlops.config import Settings
from secure_mlops.vault import DevVault, TransitKeyService, connect
from secure_mlops.vault.credentials import DevCredentials, credentials_path, write_dev_credentials
from tests.support.cli import CLI, clean_env, run_cli
from tests.support.paths import ROOT
from tests.support.servers import free_port

pytestmark = pytest.mark.integration


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env, timeout=180)


@pytest.fixture(scope="module")
def dev_env(tmp_path_factory: pytest.TempPathFactory):
    env = clean_env(
        SECURE_MLOPS_STATE_DIR=str(tmp_path_factory.mktemp("dev-state")),
        SECURE_MLOPS_DEV_VAULT_PORT=str(free_port(pair=True)),
    )
    yield env
    _cli("dev", "down", env=env)


def test_dev_up_initializes_and_writes_private_credentials(dev_env: dict[str, str]) -> None:
    result = _cli("dev", "up", env=dev_env)
    assert result.returncode == 0, result.stderr
    creds = Path(dev_env["SECURE_MLOPS_STATE_DIR"]) / "vault" / "credentials.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    content = json.loads(creds.read_text())
    assert "DEVELOPMENT DEFAULT" in content["notice"]
    assert content["root_token"] not in result.stdout + result.stderr
    assert _cli("dev", "status", env=dev_env).stdout.count("unsealed") == 1


def test_data_encrypted_before_a_restart_decrypts_after(dev_env: dict[str, str]) -> None:
    settings = Settings(
        state_dir=Path(dev_env["SECURE_MLOPS_STATE_DIR"]),
        dev_vault_port=int(dev_env["SECURE_MLOPS_DEV_VAULT_PORT"]),
    )
    assert _cli("dev", "up", env=dev_env).returncode == 0
    key, wrapped = TransitKeyService(connect(settings), key_name=settings.data_key_name).generate_data_key()

    down = _cli("dev", "down", env=dev_env)
    assert down.returncode == 0 and "stopped" in down.stdout
    status = _cli("dev", "status", env=dev_env)
    assert status.returncode == 1 and "not running" in status.stdout
    assert _cli("dev", "up", env=dev_env).returncode == 0

    service = TransitKeyService(connect(settings), key_name=settings.data_key_name)
    assert service.unwrap_data_key(wrapped).material == key.material


def test_dev_up_on_a_busy_port_fails_with_a_hint(dev_env: dict[str, str], tmp_path: Path) -> None:
    busy = {**dev_env, "SECURE_MLOPS_STATE_DIR": str(tmp_path)}  # same port, other state dir
    result = _cli("dev", "up", env=busy)
    assert result.returncode == 7
    assert "in use" in result.stderr and "SECURE_MLOPS_DEV_VAULT_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    DevVault(Settings(state_dir=tmp_path)).down()


def test_another_state_folders_vault_on_the_port_is_named_not_permission_denied(
        dev_env: dict[str, str], tmp_path: Path) -> None:
    assert _cli("dev", "up", env=dev_env).returncode == 0
    port, owner = dev_env["SECURE_MLOPS_DEV_VAULT_PORT"], dev_env["SECURE_MLOPS_STATE_DIR"]
    other = {**dev_env, "SECURE_MLOPS_STATE_DIR": str(tmp_path)}
    # This folder once ran its own dev Vault on the same port: its root token means nothing there.
    write_dev_credentials(tmp_path, DevCredentials(f"http://127.0.0.1:{port}", "unseal-x", "s.not-this-vault"))

    up = _cli("dev", "up", env=other)
    status = _cli("dev", "status", env=other)
    plain = tmp_path / "plain.csv"
    plain.write_text("a\n1\n")
    encrypt = _cli("encrypt", "-i", str(plain), "-o", str(tmp_path / "x.enc"), env=other)

    assert up.returncode == 7 and f"port {port}" in up.stderr and owner in up.stderr
    assert status.returncode == 1 and f"port {port}" in status.stdout and owner in status.stdout
    assert encrypt.returncode == 7, encrypt.stderr
    assert f"port {port}" in encrypt.stderr and owner in encrypt.stderr
    assert "permission denied" not in encrypt.stderr and not (tmp_path / "x.enc").exists()


def _servers_of(state_dir: Path) -> list[int]:
    """PIDs of every OpenBao server started for `state_dir`, whatever its PID file says."""
    config = f"-config={state_dir / 'vault' / 'server.hcl'}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and config in (proc / "cmdline").read_bytes().split(b"\0"):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


@pytest.fixture()
def fresh_env(tmp_path: Path):
    """A state folder and port of its own; every server started for it is stopped afterwards."""
    env = clean_env(SECURE_MLOPS_STATE_DIR=str(tmp_path / "state"),
                    SECURE_MLOPS_DEV_VAULT_PORT=str(free_port(pair=True)))
    yield env
    _cli("dev", "down", env=env)
    for pid in _servers_of(tmp_path / "state"):
        os.kill(pid, signal.SIGKILL)


def test_two_concurrent_dev_up_leave_one_server_that_down_stops(fresh_env: dict[str, str]) -> None:
    state = Path(fresh_env["SECURE_MLOPS_STATE_DIR"])
    ups = [subprocess.Popen([CLI, "dev", "up"], env=fresh_env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=180), p.stderr.read()) for p in ups]

    assert [code for code, _ in results] == [0, 0], results
    assert len(_servers_of(state)) == 1
    assert _cli("dev", "down", env=fresh_env).returncode == 0
    assert _servers_of(state) == []


def test_dev_up_without_its_credentials_stops_the_sealed_server_and_says_what_to_do(
        fresh_env: dict[str, str]) -> None:
    state = Path(fresh_env["SECURE_MLOPS_STATE_DIR"])
    assert _cli("dev", "up", env=fresh_env).returncode == 0
    assert _cli("dev", "down", env=fresh_env).returncode == 0
    credentials_path(state).unlink()

    result = _cli("dev", "up", env=fresh_env)

    assert result.returncode == 3, result.stderr
    assert str(credentials_path(state)) in result.stderr and "stopped" in result.stderr
    assert "restore" in result.stderr and "Traceback" not in result.stderr
    assert _servers_of(state) == []
    assert _cli("dev", "status", env=fresh_env).returncode == 1


def test_dev_up_right_after_the_server_was_killed_starts_it_again(fresh_env: dict[str, str]) -> None:
    state = Path(fresh_env["SECURE_MLOPS_STATE_DIR"])
    assert _cli("dev", "up", env=fresh_env).returncode == 0
    [pid] = _servers_of(state)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid in _servers_of(state) and time.monotonic() < deadline:
        time.sleep(0.05)

    again = _cli("dev", "up", env=fresh_env)

    assert again.returncode == 0, again.stderr
    assert "unsealed" in _cli("dev", "status", env=fresh_env).stdout
