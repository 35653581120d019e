"""The inference service for tests: `secure-mlops serve` on a free loopback port (stopped by its
process group), and an OTLP/HTTP receiver that keeps the spans the service exports."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import hvac
import requests

from tests.support.cli import CLI
from tests.support.paths import ROOT
from tests.support.policies import policy_token
from tests.support.servers import QuietHandler, free_port, http_stand_in

START_TIMEOUT = 60


@dataclass
class Service:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def inference_vault_token(root: hvac.Client) -> str:
    """A token holding only the inference policy: the service proves it needs nothing more."""
    return policy_token(root, "secure-mlops-inference")


def start_serve(env: dict[str, str], log: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen([CLI, "serve", "--port", str(port), *args], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the command, the server and its workers
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def serving(env: dict[str, str], log: Path, *args: str, scheme: str = "http",
            verify: str | bool = True) -> Iterator[Service]:
    """`secure-mlops serve` until /readyz answers 200; fails the test with the log otherwise."""
    process, port = start_serve(env, log, *args)
    service = Service(f"{scheme}://127.0.0.1:{port}", log, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready(service.url, verify):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the service did not become ready:\n{service.log_text()[-3000:]}")
            time.sleep(0.2)
        yield service
    finally:
        stop(process)


def ready(url: str, verify: str | bool = True) -> bool:
    try:
        return requests.get(url + "/readyz", timeout=1, verify=verify).status_code == 200
    except requests.RequestException:
        return False


@dataclass
class OtlpReceiver:
    """Accepts OTLP/HTTP trace and metric exports on loopback and keeps what it decodes: every
    span (as text) and the names of the metrics."""

    url: str
    spans: list[str] = field(default_factory=list)
    metrics: set[str] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None

    def text(self) -> str:
        return "\n".join(self.spans)


@contextmanager
def otlp_receiver() -> Iterator[OtlpReceiver]:
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
        ExportMetricsServiceResponse,
    )
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )

    port = free_port()
    receiver = OtlpReceiver(f"http://127.0.0.1:{port}")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/v1/metrics":
                metrics = ExportMetricsServiceRequest.FromString(body)
                receiver.metrics.update(m.name for rm in metrics.resource_metrics for sm in rm.scope_metrics
                                        for m in sm.metrics)
                answer = ExportMetricsServiceResponse().SerializeToString()
            else:
                spans = ExportTraceServiceRequest.FromString(body)
                receiver.spans += [str(span) for rs in spans.resource_spans for ss in rs.scope_spans
                                   for span in ss.spans]
                answer = ExportTraceServiceResponse().SerializeToString()
            self.reply("application/x-protobuf", answer)

    with http_stand_in(Handler, port) as server:
        receiver.server = server
        yield receiver
