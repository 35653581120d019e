"""`secure-mlops submit` fails clearly without a reachable Kubeflow Pipelines (none runs here)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import ClassVar

import pytest

from tests.support.cli import run_cli
from tests.support.servers import QuietHandler, free_port, http_stand_in


def submit(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("submit", *args)


def test_unreachable_host_is_a_one_line_pipeline_error() -> None:
    result = submit("--host", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 10
    assert result.stderr.strip().splitlines()[-1].startswith("error: Kubeflow Pipelines at http://127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_missing_compiled_pipeline_says_to_compile(tmp_path: Path) -> None:
    result = submit("--host", "http://127.0.0.1:1", "--package", str(tmp_path / "none.yaml"))
    assert result.returncode == 3 and "secure-mlops compile" in result.stderr


def test_unknown_parameter_is_refused_before_contacting_kfp() -> None:
    result = submit("--host", "http://127.0.0.1:1", "--param", "no_such=1")
    assert result.returncode == 4 and "unknown pipeline parameter" in result.stderr


class _Kfp(QuietHandler):
    """A Kubeflow Pipelines API stand-in: its healthz names `TAG`; every other request is recorded
    and refused."""

    TAG = ""
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        if self.path.startswith("/apis/v2beta1/healthz"):
            self.reply("application/json", json.dumps({"multi_user": False, "tag_name": self.TAG}).encode())
        else:
            self.requests.append(f"GET {self.path}")
            self.send_error(404)

    def do_POST(self) -> None:
        self.requests.append(f"POST {self.path}")
        self.send_error(404)


@pytest.mark.parametrize(("tag", "message"), [
    ("2.5.0", "runs backend 2.5.0; this pipeline needs 2.14.0 or later"),
    ("master", "does not say which version it runs (master)"),
])
def test_an_older_or_unknown_kfp_backend_is_refused_before_anything_is_uploaded(tag: str, message: str) -> None:
    handler = type("Kfp", (_Kfp,), {"TAG": tag, "requests": []})
    with http_stand_in(handler) as server:
        result = submit("--host", f"http://127.0.0.1:{server.server_address[1]}")
    assert result.returncode == 10, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert handler.requests == []


def test_a_recent_backend_is_accepted_and_the_upload_attempted() -> None:
    handler = type("Kfp", (_Kfp,), {"TAG": "2.14.0", "requests": []})
    with http_stand_in(handler) as server:
        result = submit("--host", f"http://127.0.0.1:{server.server_address[1]}")
    assert result.returncode == 10 and "refused or could not be reached" in result.stderr
    assert handler.requests, "the version check stopped a supported backend"
