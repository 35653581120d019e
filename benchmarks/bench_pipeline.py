"""The pipeline's cost, measured two ways, each against a baseline run in the same process.

1. End to end on the demo data with kfp.local: wall time and time per step, against a pipeline
   of the same shape whose steps do nothing (kfp.local's own overhead per task).
2. 1,000,000 rows through minimize -> validate -> encrypt (the library, no KFP), against a real
   OpenBao on loopback: rows/s per step and each step's share. Target: validation and
   encryption together cost less than minimization.

    .venv/bin/python benchmarks/bench_pipeline.py [--rows 1000000] [--skip-e2e]
"""


import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import hvac
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support and pipelines

from secure_mlops.config import Settings
from secure_mlops.crypto import encrypt_stream
from secure_mlops.privacy import DataContract, load_contract, minimize_file
from secure_mlops.vault import ensure_transit_keys
from secure_mlops.vault.services import data_key_service, pseudonym_hmac_service
from tests.support.servers import start_dev_vault

CONTRACT = ROOT / "policies" / "data" / "patients.contract.yaml"


def synthetic_extract(rows: int, seed: int = 0) -> pa.Table:
    """The demo extract's schema, vectorized (Faker per row would take minutes at 1M rows)."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("P-", np.arange(rows).astype(str))
    days = rng.integers(np.datetime64("1950-01-01").astype(int), np.datetime64("1989-12-31").astype(int), rows)
    radius = rng.normal(14, 3.5, rows).clip(5, 30)
    return pa.table({
        "patient_id": ids,
        "full_name": np.char.add("Name ", ids),
        "email": np.char.add(ids, "@example.com"),
        "ssn": np.char.add("900-00-", rng.integers(1000, 9999, rows).astype(str)),
        "phone": np.char.add("555-01", rng.integers(10, 99, rows).astype(str)),
        "date_of_birth": pa.array(days.astype("datetime64[D]")),
        "sex": np.where(rng.random(rows) < 0.85, "F", "M"),
        "postcode": rng.integers(10000, 99999, rows).astype(str),
        "address": np.char.add(rng.integers(1, 999, rows).astype(str), " Main St"),
        "mean_radius": radius,
        "mean_texture": rng.normal(19, 4, rows).clip(9, 40),
        "mean_perimeter": radius * 6.5,
        "mean_area": radius**2 * 3.1,
        "mean_smoothness": rng.normal(0.096, 0.014, rows).clip(0.05, 0.17),
        "diagnosis": np.where(radius > 15, "malignant", "benign"),
    })


def bench_core(rows: int) -> None:
    from secure_mlops.validation import validate_dataset

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server = start_dev_vault(workdir)
        try:
            settings = Settings(vault_addr=server.url, vault_token=server.token, state_dir=workdir)
            ensure_transit_keys(hvac.Client(url=server.url, token=server.token), settings)
            raw = workdir / "raw.parquet"
            pq.write_table(synthetic_extract(rows), raw)
            contract = load_contract(CONTRACT)
            validate_dataset(synthetic_minimized_sample(contract, workdir, settings), contract)  # GE warm-up

            start = time.perf_counter()
            minimize_file(contract, raw, workdir / "min.parquet", pseudonym_hmac_service(settings))
            t_min = time.perf_counter() - start

            start = time.perf_counter()
            table = pq.read_table(workdir / "min.parquet")
            result = validate_dataset(table, contract)
            t_val = time.perf_counter() - start

            start = time.perf_counter()
            with open(workdir / "min.parquet", "rb") as src:
                encrypt_stream(src, io.BytesIO(), data_key_service(settings), b"bench", settings.chunk_size)
            t_enc = time.perf_counter() - start
        finally:
            server.stop()

    total = t_min + t_val + t_enc
    print(f"{rows:,} rows through minimize -> validate -> encrypt (real OpenBao on loopback)")
    for name, seconds in (("minimize", t_min), ("validate", t_val), ("encrypt", t_enc)):
        print(f"  {name:<9} {seconds:7.2f} s  {rows / seconds:>12,.0f} rows/s  {seconds / total:6.1%} of the time")
    print(f"  validation checks passed: {result.success}")
    ratio = (t_val + t_enc) / t_min
    print(f"  (validate + encrypt) / minimize = {ratio:.2f}  target < 1: {'met' if ratio < 1 else 'NOT met'}")


def synthetic_minimized_sample(contract: DataContract, workdir: Path, settings: Settings) -> pa.Table:
    sample = workdir / "sample.parquet"
    pq.write_table(synthetic_extract(1000, seed=1), workdir / "sample-raw.parquet")
    minimize_file(contract, workdir / "sample-raw.parquet", sample, pseudonym_hmac_service(settings))
    return pq.read_table(sample)


def bench_end_to_end() -> None:
    import os

    from kfp import dsl

    from pipelines.secure_pipeline import build_pipeline
    from secure_mlops.orchestration import run_locally

    @dsl.component(base_image="python:3.11")
    def noop_list() -> list[str]:
        return ["a", "b"]

    @dsl.component(base_image="python:3.11")
    def noop(x: str) -> str:
        return x

    @dsl.pipeline(name="overhead")
    def overhead() -> None:
        # The same shape as the real pipeline: 1 + 2 x 2 in parallel + 5 sequential tasks.
        plan = noop_list()
        with dsl.ParallelFor(plan.output) as item:
            noop(x=noop(x=item).output)
        chain = noop(x="c")
        for _ in range(4):
            chain = noop(x=chain.output)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server = start_dev_vault(workdir)
        try:
            os.environ.update(VAULT_ADDR=server.url, VAULT_TOKEN=server.token, SECURE_MLOPS_STATE_DIR=str(workdir))
            ensure_transit_keys(hvac.Client(url=server.url, token=server.token), Settings())
            from secure_mlops.demo_data import write_patients_csv

            (workdir / "raw").mkdir()
            for seed in (1, 2):
                write_patients_csv(workdir / "raw" / f"part-{seed}.csv", rows=569, seed=seed)
            marks: list[tuple[str, float]] = []
            start = start_real = time.perf_counter()
            outcome = run_locally(
                build_pipeline(cluster=False),
                {"data_uri": str(workdir / "raw"), "contract_path": str(CONTRACT)},
                workdir / "root",
                lambda line: marks.append((line.split()[0], time.perf_counter())),
            )
            real = time.perf_counter() - start
            start = time.perf_counter()
            run_locally(overhead, {}, workdir / "overhead", lambda line: None)
            baseline = time.perf_counter() - start
        finally:
            server.stop()
    print(f"end to end on the demo data (2 shards x 569 rows): {real:.1f} s, succeeded: {outcome.succeeded}")
    # Time from the previous step's end to this one's: parallel shard steps overlap, so theirs
    # is the extra wall time they cost, not their own duration.
    previous = start_real
    for name, at in marks:
        print(f"  {name:<16} +{at - previous:5.1f} s")
        previous = at
    print(f"same-shaped pipeline of no-op steps: {baseline:.1f} s; ratio real / overhead = {real / baseline:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    if not args.skip_e2e:
        bench_end_to_end()
    bench_core(args.rows)


if __name__ == "__main__":
    main()
