"""`secure-mlops dev up | down | status`: the local OpenBao keeps data across restarts."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from secure_mlops.config import Settings
from secure_mlops.vault import DevVault, TransitKeyService, connect
from tests.support.cli import clean_env, run_cli
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
