"""Pseudonymization throughput against a real OpenBao server, and the naive design as baseline.

The design: distinct values go to Vault Transit in batches of 499 (the server's default JSON
limit), so the HMAC key never leaves Vault. The naive design makes one Vault HMAC call per value.
Both run here, against the same `bao server -dev` on loopback, and the ratio is printed.

    .venv/bin/python benchmarks/bench_pseudonymize.py [--values 1000000] [--naive 2000]
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from pathlib import Path

import hvac
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

from secure_mlops.config import Settings
from secure_mlops.privacy import Pseudonymizer
from secure_mlops.vault import TransitHmacService, connect, ensure_transit_keys
from tests.support.servers import start_dev_vault


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000, help="distinct values to pseudonymize")
    parser.add_argument("--naive", type=int, default=2_000, help="values for the one-call-per-value baseline")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        server = start_dev_vault(Path(workdir))
        try:
            settings = Settings(vault_addr=server.url, vault_token=server.token, state_dir=Path(workdir))
            ensure_transit_keys(hvac.Client(url=server.url, token=server.token), settings)
            client = connect(settings)
            key = settings.pseudonym_key_name

            values = pa.array([f"P-{i:09d}" for i in range(args.values)])
            service = TransitHmacService(client, key_name=key)
            start = time.perf_counter()
            Pseudonymizer(service).pseudonymize(values)
            batched = args.values / (time.perf_counter() - start)

            start = time.perf_counter()
            for i in range(args.naive):
                client.secrets.transit.generate_hmac(
                    key, base64.b64encode(f"P-{i:09d}".encode()).decode(), algorithm="sha2-256"
                )
            naive = args.naive / (time.perf_counter() - start)
        finally:
            server.stop()

    print(f"pseudonymize, batched via Transit : {batched:>12,.0f} values/s  ({args.values:,} distinct values)")
    print(f"naive, one Vault call per value   : {naive:>12,.0f} values/s  ({args.naive:,} values)")
    print(f"ratio batched / naive             : {batched / naive:>12.1f}x")
    print(f"Vault calls for {args.values:,} values: {-(-args.values // 499):,} (naive: {args.values:,})")


if __name__ == "__main__":
    main()
