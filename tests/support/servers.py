"""Start real servers (OpenBao, moto) on free loopback ports for tests, and stop them by PID;
serve small in-process HTTP stand-ins (a scrape target, an OTLP receiver) on loopback."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import hvac
import requests

from secure_mlops.config import Settings
from secure_mlops.vault.dev import wait_until_active

BIN = Path(sys.executable).parent


def free_port(pair: bool = False) -> int:
    """A free loopback port; with `pair`, PORT+1 is free too (OpenBao's cluster listener)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if not pair or port_is_free(port + 1):
            return port
    raise RuntimeError("no free loopback port pair found")


def port_is_free(port: int) -> bool:
    """Whether a plain bind to 127.0.0.1:`port` succeeds now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class QuietHandler(BaseHTTPRequestHandler):
    """A stand-in's request handler: `reply` answers 200, and nothing is logged (one line per
    request would flood the test output)."""

    def reply(self, content_type: str, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def http_stand_in(handler: type[BaseHTTPRequestHandler], port: int = 0) -> Iterator[ThreadingHTTPServer]:
    """Serve `handler` on 127.0.0.1 (`port`, or a free one) in a daemon thread while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"


def _start(name: str, argv: list[str], url: str, ready_path: str, log: Path, env: dict[str, str] | None = None) -> Server:
    if not Path(argv[0]).exists():
        raise RuntimeError(f"cannot start {name}: {argv[0]} is missing; run `make install`")
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    server = Server(name, process, url, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited during start-up:\n{server.log_tail()}")
        try:
            if requests.get(url + ready_path, timeout=1).status_code < 500:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not answer on {url} within 60 s:\n{server.log_tail()}")


@dataclass
class VaultServer(Server):
    token: str = ""


def start_dev_vault(workdir: Path) -> VaultServer:
    """`bao server -dev`: in-memory, unsealed, root token known. Stopped with .stop()."""
    port = free_port(pair=True)
    token = "test-root-" + secrets.token_hex(8)
    url = f"http://127.0.0.1:{port}"
    server = _start(
        "OpenBao dev server",
        [str(BIN / "bao"), "server", "-dev", f"-dev-root-token-id={token}", f"-dev-listen-address=127.0.0.1:{port}"],
        url,
        "/v1/sys/health",
        workdir / f"bao-{port}.log",
        env={**os.environ, "HOME": str(workdir)},  # bao -dev writes ~/.vault-token
    )
    wait_until_active(url, timeout=30)
    return VaultServer(server.name, server.process, server.url, server.log, token=token)


def start_moto(workdir: Path) -> Server:
    """moto in server mode: a real S3 HTTP API on loopback."""
    port = free_port()
    return _start(
        "moto server",
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        f"http://127.0.0.1:{port}",
        "/moto-api/",
        workdir / f"moto-{port}.log",
    )


@contextmanager
def own_dev_vault(workdir: Path, state_dir: Path) -> Iterator[tuple[hvac.Client, Settings]]:
    """A `bao server -dev` of one test module's own, for tests that change what the shared server's
    other users rely on (key versions, flags that cannot be unset, policies): its root client and
    the project's settings for it; stopped on exit."""
    server = start_dev_vault(workdir)
    try:
        yield (hvac.Client(url=server.url, token=server.token),
               Settings(vault_addr=server.url, vault_token=server.token, state_dir=state_dir))
    finally:
        server.stop()
