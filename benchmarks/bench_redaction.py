"""How fast Redactor.redact gets through a realistic mixed log, against a baseline in the same run.

The log is 100,000 generated lines (seeded, so every run sees the same text): about 7% carry PII or
a secret, the rest are the benign lines a training pipeline, a Vault server and an inference
service write (timestamps, trace ids, metrics, paths, versions, digests). The baseline does the
work any per-line redactor must do: touch every line and run one regex search over it.

Run: .venv/bin/python benchmarks/bench_redaction.py
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable

from secure_mlops.redaction import Redactor

LINES = 100_000
PII_SHARE = 0.07
GOAL_LINES_PER_SECOND = 100_000
SEED = 20260314


def _timestamp(rng: random.Random) -> str:
    day, hour, minute, second = (rng.randint(1, 28), rng.randint(0, 23), *rng.sample(range(60), 2))
    return f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{rng.randint(0, 999999):06d}Z"


def _benign(rng: random.Random) -> str:
    ts = _timestamp(rng)
    trace, span = f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(64):016x}"
    request = uuid.UUID(int=rng.getrandbits(128), version=4)
    version = f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
    lines = (
        f"{ts} INFO secure_mlops.training.train: epoch={rng.randint(1, 50)} "
        f"step={rng.randint(1, 99999)} loss={rng.random():.4f} accuracy={rng.random():.4f} "
        f"lr=0.001 trace_id={trace} span_id={span}",
        f'{{"ts": "{ts}", "level": "info", "logger": "secure_mlops.storage", '
        f'"msg": "wrote object", "key": "datasets/v{version}/part-{rng.randint(0, 9999):05d}.parquet", '
        f'"bytes": {rng.randint(1, 10**9)}, "duration_ms": {rng.random() * 100:.1f}, '
        f'"trace_id": "{trace}"}}',
        f'{ts} INFO:     "POST /v1/predict HTTP/1.1" 200 OK '
        f"latency_ms={rng.random() * 50:.2f} request_id={request}",
        f"I0314 12:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999999):06d}"
        f"       1 launcher_v2.go:{rng.randint(10, 999)}] Uploading artifact "
        f"s3://mlops-artifacts/runs/{request}/train/model",
        f'{ts} [INFO]  core: successful mount: namespace="" path=transit/ type=transit '
        f'version="v{version}"',
        f"{ts} DEBUG secure_mlops.crypto.envelope: encrypted chunk={rng.randint(0, 4096)} of "
        f"{rng.randint(4096, 9999)} sha256={rng.getrandbits(256):064x}",
        f"[Parallel(n_jobs=2)]: Done {rng.randint(1, 400):4d} tasks | "
        f"elapsed: {rng.random() * 60:6.1f}s",
        f"{ts} WARNING secure_mlops.validation: expectation expect_column_values_to_be_between "
        f"failed for column=age rows={rng.randint(1, 10**6)} "
        f"unexpected_percent={rng.random():.3f}",
        f"{ts} INFO kfp.local: Task 'train-model' finished with status SUCCESS in "
        f"{rng.random() * 9:.3f}s (pid={rng.randint(100, 65535)}, port={rng.randint(1024, 65535)})",
        f"{ts} INFO bentoml.serve: Service iris_classifier:{rng.getrandbits(40):010x} loaded, "
        f"image ghcr.io/acme/secure-mlops:{version}, workers=2, timeout=60s",
    )
    return rng.choice(lines)


def _sensitive(rng: random.Random) -> str:
    ts = _timestamp(rng)
    lines = (
        f"{ts} INFO auth: login ok for user=jane.doe{rng.randint(1, 999)}@example.com",
        f'{ts} ERROR api: bad request body {{"full_name": "Jane Doe", '
        f'"ssn": "123-45-{rng.randint(1000, 9999)}"}}',
        f"{ts} DEBUG billing: charge card 4111 1111 1111 1111 amount=12.50",
        f"{ts} INFO payout: iban=DE89370400440532013000 status=queued",
        f"{ts} INFO http: client 203.0.113.{rng.randint(1, 254)} GET /v1/predict 200",
        f"{ts} INFO support: callback requested +44 20 7946 {rng.randint(1000, 9999)}",
        f"{ts} DEBUG boto: using key AKIAIOSFODNN7EXAMPLE",
        f"{ts} DEBUG hvac: token hvs.CAESIJlU9JMYEhOPYv4KMvxEYEXAMPLE{rng.randint(10, 99)} renewed",
        f"{ts} DEBUG http: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx.c2ln",
        f"{ts} INFO db: connecting to postgres://mlops:hunter{rng.randint(1, 99)}@db.internal:5432/f",
    )
    return rng.choice(lines)


def make_log(lines: int = LINES, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    return [_sensitive(rng) if rng.random() < PII_SHARE else _benign(rng) for _ in range(lines)]


def lines_per_second(work: Callable[[str], object], log: list[str], repeats: int = 3) -> float:
    """Best of `repeats` passes, so a scheduler hiccup does not decide the figure."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for line in log:
            work(line)
        best = min(best, time.perf_counter() - start)
    return len(log) / best


def main() -> None:
    log = make_log()
    redactor = Redactor()
    changed = [line for line in log if redactor.redact(line) != line]
    untouched = [line for line in log if redactor.redact(line) == line]
    noop = re.compile(r"\x00")  # one regex search per line that never matches
    baseline = lines_per_second(noop.search, log)
    measured = lines_per_second(redactor.redact, log)
    share, width = len(changed) / len(log), sum(map(len, log)) / len(log)
    print(f"log: {len(log):,} lines of {width:.0f} chars on average, {share:.1%} changed by redaction")
    print(f"baseline, one no-op regex search per line: {baseline:>12,.0f} lines/s")
    print(f"Redactor.redact on the mixed log:          {measured:>12,.0f} lines/s")
    for label, lines in (("lines it leaves as they were", untouched), ("lines it redacts", changed)):
        print(f"  on the {label + ':':<34}{lines_per_second(redactor.redact, lines):>12,.0f} lines/s")
    print(f"ratio redact/baseline: {measured / baseline:.4f} ({baseline / measured:.0f}x its time)")
    met = "met" if measured >= GOAL_LINES_PER_SECOND else "NOT met"
    print(f"goal >= {GOAL_LINES_PER_SECOND:,} lines/s per core on the mixed log: {met}")


if __name__ == "__main__":
    main()
