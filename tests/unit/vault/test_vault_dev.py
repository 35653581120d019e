"""The local Vault's start-up checks, without starting one: the port probe and the lock."""

from __future__ import annotations

import fcntl
import socket
from pathlib import Path

import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import VaultError
from secure_mlops.vault import dev
from secure_mlops.vault.dev import DevVault
from tests.support.servers import free_port, port_is_free


def _time_wait_on(port: int) -> None:
    """Leave a TIME-WAIT socket on 127.0.0.1:`port`, as a killed server leaves behind: the side
    that closes a connection first keeps it, here the accepting (server) side. The listener sets
    SO_REUSEADDR as OpenBao's (Go's) does, and its connections inherit it."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()
        client.recv(1)  # the server's FIN has arrived
        client.close()


def test_a_time_wait_socket_is_not_a_port_in_use(tmp_path: Path) -> None:
    port = free_port(pair=True)
    _time_wait_on(port)
    assert not port_is_free(port)  # the probe the server used to make: "port in use"

    DevVault(Settings(state_dir=tmp_path, dev_vault_port=port))._check_ports_free()


def test_a_listening_socket_is_a_port_in_use_named_with_a_hint(tmp_path: Path) -> None:
    port = free_port(pair=True)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        with pytest.raises(VaultError, match=f"port {port} on 127.0.0.1 is in use") as info:
            DevVault(Settings(state_dir=tmp_path, dev_vault_port=port))._check_ports_free()
    assert "SECURE_MLOPS_DEV_VAULT_PORT" in str(info.value)


def test_a_dev_command_waits_for_the_lock_and_gives_up_with_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = DevVault(Settings(state_dir=tmp_path, dev_vault_port=free_port(pair=True)))
    monkeypatch.setattr(dev, "LOCK_TIMEOUT_SECONDS", 0.3)
    vault.dir.mkdir(parents=True)
    with open(vault.dir / "dev.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(VaultError, match="another `secure-mlops dev` command"):
            vault.up()
        with pytest.raises(VaultError, match="another `secure-mlops dev` command"):
            vault.down()
    assert not (vault.dir / "server.pid").exists()
