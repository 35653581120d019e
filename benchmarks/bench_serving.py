"""The hardened inference service against a bare BentoML service of the same model, in one run.

What the security layers cost a caller, end to end and per layer, on this machine:

1. Load: a signed bento built by the pipeline (real OpenBao on loopback) served by
   `secure-mlops serve` (token auth, body limit, rate limit and budget raised so that they admit
   all traffic but still run, schema validation, identifier masking, drift, redacted JSON logs,
   tracing as configured when no OTEL_* variable is set) against a bare BentoML service of the
   same skops model file, with the same 5 features and coarse output and BentoML's defaults
   otherwise. One worker each. The same closed-loop generator (N keep-alive connections, each
   sending its next request when the last is answered) runs against one server at a time, with
   the same warm-up, rounds alternating the order (ABBA), in two scenarios: a record without
   identifier, and a record with a new `patient_id` in every request (masked through Vault
   Transit: a cache miss each time). Each figure keeps its best round: the machine's other
   tenants slow down some rounds, never speed one up. Targets, against the bare service:
   throughput >= 0.85 x, p99 latency <= 1.2 x. Any 5xx fails the run (exit status 1).
2. Layers: each layer's work for the same payload, timed in this process with the service's own
   classes (µs per request, best of 5): what the load figures are made of.

The generator is a minimal HTTP/1.1 client on asyncio streams rather than httpx: server and
generator share the machine's cores, and a lighter client leaves more of them to the server
under test (its CPU per request is printed). Figures are printed, never asserted.

    .venv/bin/python benchmarks/bench_serving.py [--clients 8] [--warmup 2] [--duration 6]
                                                 [--rounds 3] [--skip-layers]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import hvac
import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support

from secure_mlops.config import Settings
from secure_mlops.vault import ensure_transit_keys
from tests.support.servers import VaultServer, free_port, start_dev_vault

BIN = Path(sys.executable).parent
RECORD = {"mean_radius": 14.1, "mean_texture": 19.0, "mean_perimeter": 91.0, "mean_area": 600.0,
          "mean_smoothness": 0.09}
ID_DIGITS = 9  # patient ids are P-000000001...: every body of a scenario has the same length
# One counter for every server, round and warm-up: no id is ever sent twice, so none is cached.
_IDS = itertools.count(1)
START_TIMEOUT = 120

# The bare service: the same model file and answer, with none of the security layers.
BARE_SERVICE = '''
import os
from pathlib import Path
from typing import Optional

import bentoml
import numpy as np

from secure_mlops.training.persistence import load_model


@bentoml.service
class Bare:
    def __init__(self) -> None:
        self.model = load_model(Path(os.environ["BENCH_MODEL_FILE"]))
        self.classes = [str(c) for c in self.model.classes_]

    @bentoml.api
    def predict(self, mean_radius: float, mean_texture: float, mean_perimeter: float,
                mean_area: float, mean_smoothness: float, patient_id: Optional[str] = None) -> dict:
        x = np.array([[mean_radius, mean_texture, mean_perimeter, mean_area, mean_smoothness]])
        p = self.model.predict_proba(x)[0]
        i = int(p.argmax())
        answer = {"label": self.classes[i], "score": round(float(p[i]), 1)}
        if patient_id is not None:
            answer["patient_id"] = patient_id  # echoed as sent: no masking
        return answer
'''


# --- processes -----------------------------------------------------------------------------------


@dataclass
class Child:
    """A process started in a session of its own; stopped with everything it started, by PID."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    seen: dict[int, psutil.Process] = field(default_factory=dict)
    stopped: bool = False

    def tree(self) -> list[psutil.Process]:
        """The process and its descendants, remembered so that re-parented ones are not lost
        (BentoML's workers run in sessions of their own)."""
        try:
            root = psutil.Process(self.popen.pid)
            for process in [root, *root.children(recursive=True)]:
                self.seen.setdefault(process.pid, process)
        except psutil.NoSuchProcess:
            pass
        return [p for p in self.seen.values() if p.is_running()]

    def workers(self) -> list[psutil.Process]:
        return [p for p in self.tree() if "_bentoml_impl.worker" in " ".join(_cmdline(p))]

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.tree():
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        processes = self.tree()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGTERM)  # its own group: start_new_session
        _, alive = psutil.wait_procs(processes, timeout=15)
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(alive, timeout=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _spawn(name: str, argv: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> Child:
    with open(log, "wb") as out:
        popen = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    return Child(name, popen, log)


def _run(name: str, argv: list[str], env: dict[str, str], log: Path, timeout: float) -> None:
    """Run a command to its end, its output in `log`; stopped with its children on any exception."""
    child = _spawn(name, argv, env, log)
    try:
        code = child.popen.wait(timeout=timeout)
    finally:
        child.stop()
    if code != 0:
        raise RuntimeError(f"{name} failed (exit {code}):\n{child.tail()}")


def _wait_ready(child: Child, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.popen.poll() is not None:
            raise RuntimeError(f"{child.name} exited during start-up:\n{child.tail()}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                child.tree()  # remember the workers now, while the tree is intact
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{child.name} was not ready on {url} within {START_TIMEOUT} s:\n{child.tail()}")


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop everything


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    child: Child
    port: int


@dataclass
class Sample:
    seconds: float
    latencies: list[float]
    statuses: Counter[str]
    server_cpu: float
    vault_cpu: float
    client_cpu: float

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Scenario:
    title: str
    with_id: bool
    samples: dict[str, list[Sample]] = field(default_factory=dict)


def _request_factory(port: int, token: str, with_id: bool) -> Callable[[], bytes]:
    """Request bytes for the next request: identical for both servers (the bare one ignores the
    token); with `with_id`, a new patient id in each."""
    fields = json.dumps(RECORD)[:-1]

    def head(length: int) -> bytes:
        return (f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: {length}\r\n\r\n").encode()

    if not with_id:
        request = head(len(fields) + 1) + (fields + "}").encode()
        return lambda: request
    template = fields + ', "patient_id": "P-%0' + str(ID_DIGITS) + 'd"}'
    prefix = head(len(template % 0))
    return lambda: prefix + (template % next(_IDS)).encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server closes the connection), after reading the whole response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(None, 2)[1])
    length, chunked, close = 0, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(length)
    return status, close


async def _client(port: int, next_request: Callable[[], bytes], deadline: float,
                  latencies: list[float], statuses: Counter[str]) -> None:
    writer = None
    try:
        while time.perf_counter() < deadline:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            request = next_request()
            start = time.perf_counter()
            try:
                writer.write(request)
                status, close = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                statuses["connection error"] += 1
                writer.close()
                writer = None
                continue
            latencies.append(time.perf_counter() - start)
            statuses[str(status)] += 1
            if close:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


async def _load(port: int, next_request: Callable[[], bytes], clients: int,
                seconds: float) -> tuple[float, list[float], Counter[str]]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, next_request, start + seconds, latencies, statuses)
                           for _ in range(clients)))
    return time.perf_counter() - start, latencies, statuses


def _measure(server: Server, vault: psutil.Process, next_request: Callable[[], bytes],
             args: argparse.Namespace) -> Sample:
    asyncio.run(_load(server.port, next_request, args.clients, args.warmup))
    gc.collect()
    cpu, vault_cpu, client_cpu = server.child.cpu_seconds(), _cpu(vault), time.process_time()
    seconds, latencies, statuses = asyncio.run(_load(server.port, next_request, args.clients, args.duration))
    return Sample(seconds, latencies, statuses, server.child.cpu_seconds() - cpu, _cpu(vault) - vault_cpu,
                  time.process_time() - client_cpu)


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _report_scenario(scenario: Scenario) -> dict[str, float]:
    """Per round, then each server's best round figure by figure: throughput and CPU per request
    at their lowest interference, latencies likewise."""
    print(f"\nscenario: {scenario.title}")
    for name, samples in scenario.samples.items():
        for i, s in enumerate(samples, 1):
            codes = ", ".join(f"{k}: {v}" for k, v in sorted(s.statuses.items()))
            print(f"  round {i} {name:<6} {s.rate:7.0f} req/s  p50 {s.percentile(0.5) * 1e3:6.2f} ms  "
                  f"p99 {s.percentile(0.99) * 1e3:6.2f} ms  server CPU {s.server_cpu / s.count * 1e6:5.0f} µs/req"
                  f"  ({s.count} requests; {codes})")
    best: dict[str, float] = {}
    for name, samples in scenario.samples.items():
        rate = max(s.rate for s in samples)
        p50, p99 = (min(s.percentile(q) for s in samples) for q in (0.5, 0.99))
        server_us, vault_us, client_us = (min(getattr(s, f) / s.count * 1e6 for s in samples)
                                          for f in ("server_cpu", "vault_cpu", "client_cpu"))
        best.update({f"{name}.rate": rate, f"{name}.p99": p99, f"{name}.cpu": server_us})
        print(f"  best   {name:<6} {rate:7.0f} req/s  p50 {p50 * 1e3:6.2f} ms  p99 {p99 * 1e3:6.2f} ms  "
              f"CPU per request: server {server_us:5.0f} µs, OpenBao {vault_us:4.0f} µs, "
              f"load generator {client_us:4.0f} µs")
    throughput = best["secure.rate"] / best["bare.rate"]
    p99 = best["secure.p99"] / best["bare.p99"]
    print(f"  throughput ratio (secure/bare) = {throughput:.2f} (target >= 0.85): "
          f"{'met' if throughput >= 0.85 else 'NOT met'}")
    print(f"  p99 ratio (secure/bare) = {p99:.2f} (target <= 1.2): {'met' if p99 <= 1.2 else 'NOT met'}")
    return best


# --- layers in process ---------------------------------------------------------------------------


def _per_call_us(fn: Callable[[], object], *, repeat: int = 5, min_seconds: float = 0.05) -> float:
    """µs per call of `fn`, best of `repeat` runs of at least `min_seconds` each."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start >= min_seconds:
            break
        number *= 2
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / number * 1e6


def _async_per_call_us(loop: asyncio.AbstractEventLoop, make: Callable[[], Awaitable[object]]) -> float:
    async def many(number: int) -> None:
        for _ in range(number):
            await make()

    # One event-loop turn covers `number` calls; 200 per turn makes its own cost negligible.
    return _per_call_us(lambda: loop.run_until_complete(many(200))) / 200


def bench_layers(workdir: Path, bento_dir: Path, model_file: Path, settings: Settings,
                 secure_cpu_us: float) -> None:
    # The worker's metrics are multiprocess (mmap-backed files), as BentoML sets this variable in
    # each worker; prometheus_client reads it when first imported.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(workdir / "prometheus")
    (workdir / "prometheus").mkdir()
    preloaded = "prometheus_client" in sys.modules

    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    from secure_mlops.packaging.layout import BENTO_SOURCE_DIR
    from secure_mlops.redaction import install_log_redaction, uninstall_log_redaction
    from secure_mlops.serving.drift import DriftMonitor
    from secure_mlops.serving.guard import RequestGuard
    from secure_mlops.serving.metrics import PrometheusMetrics
    from secure_mlops.serving.predictor import IdentifierMasker, Predictor
    from secure_mlops.serving.ratelimit import RateLimiter
    from secure_mlops.serving.release import read_release
    from secure_mlops.serving.schema import build_schema
    from secure_mlops.serving.telemetry import ScrubbingSpanExporter, _JsonFormatter, _ValidationErrorFilter
    from secure_mlops.serving.tokens import TokenStore
    from secure_mlops.training.persistence import load_model
    from secure_mlops.vault.services import pseudonym_hmac_service

    # The schema as `runtime.prepare` builds it, without the logging and tracing set-up that
    # `prepare` does for a served bento (it would rewire this process).
    release = read_release(bento_dir / BENTO_SOURCE_DIR)
    label = next(c for c in release.contract.columns if c.classification.value == "label")
    schema = build_schema(release.contract, release.profile,
                          classes=[str(v) for v in label.allowed_values] if label.allowed_values else None,
                          max_batch=settings.serving_max_batch,
                          with_score=settings.serving_output == "label-and-score")
    body = json.dumps(RECORD).encode()
    body_with_id = json.dumps({**RECORD, "patient_id": "P-000000001"}).encode()
    record = schema.record.model_validate(json.loads(body))

    store = TokenStore(workdir / "layer-tokens.json")
    tokens = [store.create(f"client-{i}") for i in range(10)]
    token = tokens[-1]  # compared with all ten either way: the loop never stops early
    limiter = RateLimiter(1e9, 10**9, 10**9)
    metrics = PrometheusMetrics()

    rows: list[tuple[str, str, float]] = []
    loop = asyncio.new_event_loop()
    try:
        rows.append(("auth", "TokenStore.authenticate, 10 stored tokens (stat + SHA-256 + 10 compares)",
                     _per_call_us(lambda: store.authenticate(token))))

        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        headers = {"content-length": str(len(body)), "content-type": "application/json"}
        guard = RequestGuard(_null_app, tokens=store, limiter=limiter, max_body_bytes=settings.serving_max_body_bytes,
                             schemas={"/predict": schema.record}, metrics=metrics)
        admit = _per_call_us(lambda: limiter.admit("client-9"))
        read = _async_per_call_us(loop, lambda: guard._read_body(headers, receive))
        rows.append(("limits", f"RateLimiter.admit {admit:.1f} + body read {read:.1f}", admit + read))

        def validate() -> None:
            schema.record.model_validate(json.loads(body))

        rows.append(("validation", "json.loads + record.model_validate (5 bounded floats)",
                     _per_call_us(validate)))

        masker = IdentifierMasker(lambda: pseudonym_hmac_service(settings))
        masker.pseudonyms(["P-000000001"])
        rows.append(("masking", "IdentifierMasker, cached id (Pseudonymizer cache hit)",
                     _per_call_us(lambda: masker.pseudonyms(["P-000000001"]))))
        fresh = (f"Q-{n:09d}" for n in itertools.count())
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(300):
            masker.pseudonyms([next(fresh)])
        wall, cpu = (time.perf_counter() - wall) / 300 * 1e6, (time.process_time() - cpu) / 300 * 1e6
        rows.append(("", f"IdentifierMasker, new id: a Transit HMAC round trip (CPU here {cpu:.0f} µs)", wall))

        line = ("%s %s %d %.1fms client=%s", "POST", "/predict", 200, 1.234, "client-9")
        plain = _access_logger(logging.Formatter("%(asctime)s [%(levelname)s] [%(name)s] %(message)s"), [])
        baseline = _per_call_us(lambda: plain.info(*line))
        # As `telemetry.install_json_logging` sets it up: the redacting record factory, then on the
        # handler the redacting and validation-error filters and the JSON formatter.
        redacting = install_log_redaction()
        access = _access_logger(_JsonFormatter(), [redacting, _ValidationErrorFilter()])
        rows.append(("redaction", "one access line: redacting record factory + filters + JSON",
                     _per_call_us(lambda: access.info(*line))))
        rows.append(("", "  baseline: the same line as plain text, no redaction (BentoML's kind)", baseline))

        rows.append(("telemetry", "PrometheusMetrics.observe_request (multiprocess files)",
                     _per_call_us(lambda: metrics.observe_request("/predict", 200, 0.0012))))
        # BentoML wraps every app in OpenTelemetry's ASGI middleware (a server span, and a span per
        # receive and send), with the provider `telemetry.configure_tracing` installs: with OTEL_*
        # unset it samples nothing, as BentoML's default does for the bare service; with an
        # exporter every span is recorded and goes through the scrubbing exporter.
        inner = InMemorySpanExporter()
        exported = TracerProvider()
        exported.add_span_processor(SimpleSpanProcessor(ScrubbingSpanExporter(inner)))
        scope = _scope(token, len(body))
        for what, provider in (
            ("OTel ASGI middleware, spans not sampled (OTEL_* unset: both services)",
             TracerProvider(sampler=ALWAYS_OFF)),
            ("  the same, spans recorded, no exporter (what an unused provider would cost)", TracerProvider()),
            ("  the same, spans exported through ScrubbingSpanExporter (in-memory inner)", exported),
        ):
            traced = OpenTelemetryMiddleware(_null_app, tracer_provider=provider)
            rows.append(("", what, _async_per_call_us(loop, lambda app=traced: app(dict(scope), receive, _discard))
                         - _async_per_call_us(loop, lambda: _null_app(scope, receive, _discard))))
            inner.clear()
        tracing_exported = rows[-1][2] - rows[-3][2]

        estimator = load_model(model_file)
        classes = [str(c) for c in estimator.classes_]
        drift = DriftMonitor(release.profile, schema.features, metrics, window=settings.serving_drift_window)
        predictor = Predictor(estimator, schema, masker=masker, score_decimals=settings.serving_score_decimals,
                              metrics=metrics, drift=drift)
        x = np.array([[RECORD[f.name] for f in schema.features]], dtype=np.float64)

        def bare_predict() -> dict:
            p = estimator.predict_proba(np.array([[RECORD[f.name] for f in schema.features]]))[0]
            i = int(p.argmax())
            return {"label": classes[i], "score": round(float(p[i]), 1)}

        model = _per_call_us(bare_predict)
        full = _per_call_us(lambda: predictor.predict([record]))
        rows.append(("prediction", "bare: predict_proba + coarse answer (what both services do)", model))
        rows.append(("", "Predictor.predict, no id (+ drift window, label metrics, answer model)", full))
        rows.append(("", "  of which DriftMonitor.observe (PSI of 5 features every 25 records)",
                     _per_call_us(lambda: drift.observe(x))))

        # The whole guard around an app that answers at once, against that app alone.
        access_logger = logging.getLogger("secure_mlops.serving.access")
        saved = access_logger.handlers[:], access_logger.propagate, access_logger.level
        access_logger.handlers[:], access_logger.propagate = access.handlers, False
        access_logger.setLevel(logging.INFO)
        try:
            whole = _async_per_call_us(loop, lambda: guard(scope, receive, _discard))
            alone = _async_per_call_us(loop, lambda: _null_app(scope, receive, _discard))
        finally:
            access_logger.handlers[:], access_logger.propagate = saved[0], saved[1]
            access_logger.setLevel(saved[2])
        rows.append(("guard", "RequestGuard.__call__ whole, around an app answering at once",
                     whole - alone))
    finally:
        uninstall_log_redaction()
        loop.close()

    print("\ncost of each layer, in this process, µs per request (best of 5; same payload: "
          f"{len(body)} bytes, {len(body_with_id)} with patient_id)")
    for layer, what, us in rows:
        print(f"  {layer:<11} {what:<76} {us:8.1f}")
    guard = rows[-1][2]
    print(f"  the whole guard is {guard / secure_cpu_us:.1%} of the {secure_cpu_us:.0f} µs of CPU the secure "
          "worker spent per request without identifier under load;")
    print(f"  tracing with an exporter (every span recorded and scrubbed) adds {tracing_exported:.0f} µs per "
          f"request ({tracing_exported / guard:.1f} x the whole guard); without one, nothing is recorded")
    if preloaded:
        print("  (prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set: its "
              "metrics were in memory, cheaper than in the worker)")


def _access_logger(formatter: logging.Formatter, filters: list[logging.Filter]) -> logging.Logger:
    """A logger writing to /dev/null through `formatter`, as the service's stderr handler does."""
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    handler.setFormatter(formatter)
    for item in filters:
        handler.addFilter(item)
    logger = logging.getLogger(f"bench_serving.{id(formatter)}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def _scope(token: str, length: int) -> dict:
    """An ASGI scope as uvicorn builds it for the load generator's requests."""
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "http",
            "server": ("127.0.0.1", 3000), "client": ("127.0.0.1", 40000), "method": "POST", "root_path": "",
            "path": "/predict", "raw_path": b"/predict", "query_string": b"",
            "headers": [(b"host", b"127.0.0.1:3000"), (b"content-type", b"application/json"),
                        (b"authorization", f"Bearer {token}".encode()), (b"content-length", str(length).encode())]}


async def _null_app(scope: dict, receive: Callable, send: Callable) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"30")]})
    await send({"type": "http.response.body", "body": b'{"label":"benign","score":0.9}'})


async def _discard(message: dict) -> None:
    return None


# --- main ----------------------------------------------------------------------------------------


def _env(**overrides: str) -> dict[str, str]:
    """This environment without Vault, project or OpenTelemetry settings, plus `overrides`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VAULT_", "SECURE_MLOPS_", "OTEL_", "BENTOML_", "PROMETHEUS_"))}
    return {**env, "BENTOML_DO_NOT_TRACK": "true", **overrides}


def _sanity(servers: list[Server], token: str) -> None:
    """One request of each kind to each server: both answer 200 with the same kind of answer."""
    auth = {"Authorization": f"Bearer {token}"}
    for server in servers:
        url = f"http://127.0.0.1:{server.port}/predict"
        plain = httpx.post(url, json=RECORD, headers=auth, timeout=10)
        with_id = httpx.post(url, json={**RECORD, "patient_id": "P-1"}, headers=auth, timeout=10)
        for response in (plain, with_id):
            if response.status_code != 200:
                raise RuntimeError(f"{server.name}: {response.status_code} {response.text}\n{server.child.tail()}")
        print(f"  {server.name:<6} answers {plain.text} and, with patient_id P-1, {with_id.text}")
    refused = httpx.post(f"http://127.0.0.1:{servers[0].port}/predict", json=RECORD, timeout=10)
    print(f"  secure without a token: {refused.status_code} (the guard runs)")


def _build(workdir: Path, state: Path, env: dict[str, str]) -> tuple[Path, Path, str]:
    """A signed bento from a pipeline run, and a token: (bento folder, model file, token)."""
    from secure_mlops.packaging.bento import bento_info

    start = time.perf_counter()
    _run("secure-mlops run", [str(BIN / "secure-mlops"), "run"], env, workdir / "run.log", timeout=300)
    created = subprocess.run([str(BIN / "secure-mlops"), "token", "create", "--name", "bench"], env=env,
                             capture_output=True, text=True, timeout=60, check=False)
    if created.returncode != 0:
        raise RuntimeError(f"secure-mlops token create failed:\n{created.stderr}")
    bentos = state / "bentoml" / "bentos" / "secure-mlops-inference"
    bento_dir = bentos / (bentos / "latest").read_text().strip()
    bento_tag, model_tag = bento_info(bento_dir)
    model_name, _, model_version = model_tag.partition(":")
    model_file = state / "bentoml" / "models" / model_name / model_version / "model.skops"
    print(f"pipeline run: {time.perf_counter() - start:.0f} s; bento {bento_tag}, model {model_tag}")
    return bento_dir, model_file, created.stdout.strip()


def _compare(workdir: Path, bento_dir: Path, model_file: Path, token: str, env: dict[str, str],
             vault: VaultServer, children: list[Child], args: argparse.Namespace) -> tuple[float, int]:
    """Both servers up at once, loaded one at a time: (the secure worker's CPU µs per request
    without identifier, the number of 5xx answers and failed connections)."""
    secure_port, bare_port = free_port(), free_port()
    limits = {"SECURE_MLOPS_SERVING_RATE_PER_SECOND": "1000000000", "SECURE_MLOPS_SERVING_BURST": "1000000000",
              "SECURE_MLOPS_SERVING_DAILY_BUDGET": "1000000000"}
    from secure_mlops.packaging.bento import bento_info

    children.append(_spawn("secure", [str(BIN / "secure-mlops"), "serve", "--bento", bento_info(bento_dir)[0],
                                      "--port", str(secure_port)], {**env, **limits}, workdir / "secure.log"))
    bare_dir = workdir / "bare"
    bare_dir.mkdir()
    (bare_dir / "bare_service.py").write_text(BARE_SERVICE.lstrip())
    children.append(_spawn("bare", [str(BIN / "bentoml"), "serve", "bare_service:Bare", "--host", "127.0.0.1",
                                    "--port", str(bare_port)],
                           _env(BENTOML_HOME=str(workdir / "bare-home"), BENCH_MODEL_FILE=str(model_file)),
                           workdir / "bare.log", cwd=bare_dir))
    servers = [Server("secure", children[0], secure_port), Server("bare", children[1], bare_port)]
    for server in servers:
        _wait_ready(server.child, f"http://127.0.0.1:{server.port}")
    workers = ", ".join(f"{s.name} {len(s.child.workers())}" for s in servers)
    print(f"servers ready on loopback; workers: {workers}; tracing: OTEL_* unset (no exporter)")
    _sanity(servers, token)

    vault_process = psutil.Process(vault.process.pid)
    scenarios = [Scenario("record without identifier", with_id=False),
                 Scenario("record with a new patient_id in each request (masked: a Transit HMAC each)", True)]
    print(f"\nload: {args.clients} clients, closed loop over keep-alive connections; per server and round "
          f"{args.warmup:g} s warm-up, then {args.duration:g} s measured; {args.rounds} rounds in ABBA order")
    figures = []
    for scenario in scenarios:
        scenario.samples = {server.name: [] for server in servers}
        for round_ in range(args.rounds):
            for server in servers if round_ % 2 == 0 else servers[::-1]:
                next_request = _request_factory(server.port, token, scenario.with_id)
                scenario.samples[server.name].append(_measure(server, vault_process, next_request, args))
        figures.append(_report_scenario(scenario))

    print("\nnon-200 answers over every round, warm-ups aside (no 5xx allowed):")
    failures = 0
    for server in servers:
        bad: Counter[str] = Counter()
        for scenario in scenarios:
            for sample in scenario.samples[server.name]:
                bad.update({k: v for k, v in sample.statuses.items() if k != "200"})
        failures += sum(v for k, v in bad.items() if not k.isdigit() or int(k) >= 500)
        print(f"  {server.name:<6} {dict(bad) if bad else 'none'}")
    return figures[0]["secure.cpu"], failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before each measurement")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds measured per server and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario, in ABBA order")
    parser.add_argument("--skip-layers", action="store_true", help="only the load comparison")
    args = parser.parse_args()
    # Ctrl-C raises KeyboardInterrupt even when started in the background (which ignores SIGINT);
    # SIGTERM and SIGHUP unwind the same way, through the finally blocks that stop every process.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)

    started = time.perf_counter()
    children: list[Child] = []
    vault = None
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-serving-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        try:
            vault = start_dev_vault(workdir)
            state = workdir / "state"
            settings = Settings(vault_addr=vault.url, vault_token=vault.token, state_dir=state)
            ensure_transit_keys(hvac.Client(url=vault.url, token=vault.token), settings)
            env = _env(VAULT_ADDR=vault.url, VAULT_TOKEN=vault.token, SECURE_MLOPS_STATE_DIR=str(state))
            bento_dir, model_file, token = _build(workdir, state, env)
            try:
                secure_cpu, failures = _compare(workdir, bento_dir, model_file, token, env, vault, children, args)
            finally:
                for child in children:  # before the layers: they need the cores to themselves
                    child.stop()
            if not args.skip_layers:
                bench_layers(workdir, bento_dir, model_file, settings, secure_cpu)
        finally:
            for child in children:
                child.stop()
            if vault is not None:
                vault.stop()
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    if failures:
        print(f"FAILED: {failures} answers were 5xx or failed connections")
        sys.exit(1)


if __name__ == "__main__":
    main()
