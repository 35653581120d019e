"""How fast Redactor.redact gets through a realistic mixed log, and the memory of a very long line.

The log is 100,000 generated lines (seeded, so every run sees the same text): about 7% carry PII or
a secret, the rest are the benign lines a training pipeline, a Vault server and an inference
service write (timestamps, trace ids, metrics, paths, versions, digests). The baseline does the
work any per-line redactor must do: touch every line and run one regex search over it.

Memory: `secure-mlops redact` on one line of --long-line-mb MB full of personal data, in a fresh
interpreter, reports its peak RSS (VmHWM) as a ratio to the input size, next to the same command on
an empty input (the interpreter and its imports). Printed, not asserted.

Recall: on three labelled corpora: A and B from separate template sets (tests/support/redaction_corpus:
other wording, key spellings, formats and locales), and C, held out (tests/support/redaction_holdout:
another generator, other locales and log formats, built apart from the detectors), the share of sensitive values caught
per family (no run of 4 of their characters left) and the share of benign near-miss lines kept
unchanged per kind, with the lines/s on each corpus. Printed, not asserted.

Run: .venv/bin/python benchmarks/bench_redaction.py [--long-line-mb 100]
"""

from __future__ import annotations

import argparse
import atexit
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

from secure_mlops.redaction import Redactor
from tests.support.redaction_corpus import BENIGN, FAMILIES, PERSONAL, SECRETS, build_corpus, score
from tests.support.redaction_corpus.scoring import Score
from tests.support.redaction_holdout import benign_kinds, build_holdout

MB = 1_000_000

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


def _pii(rng: random.Random) -> str:
    return rng.choice((
        f"jane.doe{rng.randint(1, 999)}@example.com",
        f"123-45-{rng.randint(1000, 9999)}",
        "4111 1111 1111 1111",
        f"203.0.113.{rng.randint(1, 254)}",
        f"+44 20 7946 {rng.randint(1000, 9999)}",
        "DE89370400440532013000",
        f"hvs.CAESIJlU9JMYEhOPYv4KMvxEYEXAMPLE{rng.randint(10, 99)}",
        f'"full_name": "Jane Doe {rng.randint(1, 999)}",',
    ))


def _write_long_line(path: Path, size: int, seed: int = SEED) -> None:
    """One line of `size` bytes full of personal data and secrets, space-separated."""
    rng = random.Random(seed)
    block = " ".join(_pii(rng) for _ in range(5000)).encode() + b" "
    with path.open("wb") as out:
        for offset in range(0, size - 1, len(block)):
            out.write(block[: size - 1 - offset])
        out.write(b"\n")


def _peak_rss() -> int:
    """VmHWM of this process in bytes (Linux). Not ru_maxrss, which a child inherits from its parent."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) * 1024


def _child_redact() -> None:
    """In a fresh interpreter: `secure-mlops redact` on stdin, then its peak RSS on stderr."""
    from secure_mlops.cli import main as cli

    atexit.register(lambda: print(f"peak_rss={_peak_rss()}", file=sys.stderr))
    sys.argv = ["secure-mlops", "redact"]
    cli()


def _redact_peak_rss(source: Path) -> int:
    with source.open("rb") as stdin:
        result = subprocess.run(
            [sys.executable, __file__, "--child-redact"], stdin=stdin, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, check=True,
        )
    return int(result.stderr.rsplit("peak_rss=", 1)[1])


def memory(long_line_mb: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        empty, long_line = Path(folder) / "empty.log", Path(folder) / "long.log"
        empty.write_bytes(b"")
        _write_long_line(long_line, long_line_mb * MB)
        idle = _redact_peak_rss(empty)
        start = time.perf_counter()
        peak = _redact_peak_rss(long_line)
        seconds = time.perf_counter() - start
    size = long_line_mb * MB
    print(f"secure-mlops redact, one line of {long_line_mb} MB full of PII: peak RSS {peak / MB:,.0f} MB "
          f"in {seconds:.1f} s, {peak / size:.2f}x the input")
    print(f"  on an empty input: {idle / MB:,.0f} MB; above that: {(peak - idle) / size:.2f}x the input")


def recall_tables(redact: Callable[[str], str]) -> None:
    corpora = {name: build_corpus(name, seed=SEED) for name in ("A", "B")}
    corpora["C"] = build_holdout(seed=SEED)
    scores = {name: score(lines, redact) for name, lines in corpora.items()}
    speeds = {name: lines_per_second(redact, [line.text for line in lines]) for name, lines in corpora.items()}
    print("labelled corpora, recall per family (A tunes, B checks, C is held out: never tuned to):")
    print(f"  {'':<20}" + "".join(f"{'corpus ' + name:>12}" for name in corpora))
    for family in (*FAMILIES, "= personal", "= secrets", "= all"):
        group = {"= personal": PERSONAL, "= secrets": SECRETS, "= all": FAMILIES}.get(family, (family,))
        print(f"  {family:<20}" + "".join(f"{scores[name].recall(group):>12.3f}" for name in corpora))
    print("benign near-miss lines kept unchanged, per kind (C has near-miss kinds of its own):")
    kinds = (*BENIGN, *(kind for kind in benign_kinds() if kind not in BENIGN))
    for kind in (*kinds, "= all"):
        group = None if kind == "= all" else (kind,)
        print(f"  {kind:<20}" + "".join(_rate(scores[name], group) for name in corpora))
    print(f"  {'lines/s':<20}" + "".join(f"{speeds[name]:>12,.0f}" for name in corpora))
    sizes = ", ".join(f"{name}: {len(lines):,} lines" for name, lines in corpora.items())
    print(f"  ({sizes}; values: " + ", ".join(f"{name}: {sum(scores[name].values.values()):,}" for name in corpora) + ")")


def _rate(result: Score, kinds: tuple[str, ...] | None) -> str:
    if kinds is not None and not any(result.benign[kind] for kind in kinds):
        return f"{'-':>12}"
    return f"{result.kept_rate(kinds):>12.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-line-mb", type=int, default=100, help="size of the long line (0: skip)")
    args = parser.parse_args()
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
    recall_tables(redactor.redact)
    if args.long_line_mb:
        memory(args.long_line_mb)


if __name__ == "__main__":
    if sys.argv[1:] == ["--child-redact"]:
        _child_redact()
    else:
        main()
