"""Try the service once, end to end, as the demo's last step: start it on a free loopback port,
send one authenticated prediction and one without a token, show both answers, stop it.

The token made for the try is revoked before returning, so a demo leaves no credential behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from secure_mlops.config import Settings
from secure_mlops.errors import SecureMlopsError
from secure_mlops.packaging.layout import BENTO_SOURCE_DIR
from secure_mlops.privacy.contract import ColumnType
from secure_mlops.serving.launch import Served, serve_argv, server_environment
from secure_mlops.serving.tokens import TokenStore

TRY_TOKEN = "demo-try"  # noqa: S105 - the name of a token, not a token
START_TIMEOUT = 60


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


def try_service(served: Served, settings: Settings, log_file: Path, echo: Callable[[str], None]) -> tuple[Answer, Answer]:
    """(the authenticated answer, the answer without a token); the server's output goes to
    `log_file`."""
    store = TokenStore(settings.token_file)
    if TRY_TOKEN in {t.name for t in store.list()}:
        store.revoke(TRY_TOKEN)
    token = store.create(TRY_TOKEN)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with server_environment(settings, {}) as env, open(log_file, "wb") as log:
        process = subprocess.Popen(serve_argv(served.bento_dir, "127.0.0.1", port), env=env,  # noqa: S603 - our argv
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_ready(url, process, log_file)
            echo(f"service up at {url} (log: {log_file})")
            record = _example_record(served)
            return _post(url + "/predict", record, token), _post(url + "/predict", record, None)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            store.revoke(TRY_TOKEN)


def _example_record(served: Served) -> dict[str, object]:
    """A record the bento's own schema accepts, for any contract: the first allowed value of a
    categorical feature, false for a boolean, else the middle of the feature's bounds."""
    from secure_mlops.serving.release import read_release
    from secure_mlops.serving.schema import build_schema

    release = read_release(served.bento_dir / BENTO_SOURCE_DIR)
    schema = build_schema(release.contract, release.profile, classes=None, max_batch=1, with_score=True)
    record: dict[str, object] = {}
    for feature in schema.features:
        if feature.allowed:
            record[feature.name] = feature.allowed[0]
        elif feature.type is ColumnType.BOOLEAN:
            record[feature.name] = False
        else:
            low = feature.low if feature.low is not None else 0.0
            middle = (low + feature.high) / 2 if feature.high is not None else low
            record[feature.name] = int(middle) if feature.type is ColumnType.INTEGER else round(middle, 3)
    return record


def _post(url: str, record: dict[str, object], token: str | None) -> Answer:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    # Our own http://127.0.0.1 URL, never a file: or custom scheme.
    request = urllib.request.Request(url, data=json.dumps(record).encode(), headers=headers, method="POST")  # noqa: S310 - our loopback URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our loopback URL
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read().decode())


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SecureMlopsError("the service stopped during start-up", hint=f"see {log_file}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.3)
    raise SecureMlopsError(f"the service was not ready within {START_TIMEOUT} s", hint=f"see {log_file}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
