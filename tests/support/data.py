"""The demo's patients minimized as the pipeline minimizes them: under the patients contract,
pseudonymized with the in-memory HMAC service; and, for the step tests, encrypted as a step
leaves them. The data the training, validation and step tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from secure_mlops.crypto import KeyService
from secure_mlops.demo_data import generate_patients
from secure_mlops.privacy import DataContract, load_contract, minimize_file
from secure_mlops.steps.encrypted_tables import write_encrypted_table
from secure_mlops.validation import profile_dataset
from tests.support.fakes import FakeHmacService
from tests.support.paths import PATIENTS


def minimized_patients(folder: Path, rows: int, seed: int, contract: DataContract | None = None) -> Path:
    """`rows` demo patients drawn with `seed`, minimized into a Parquet file in `folder`."""
    raw, out = folder / f"raw-{rows}-{seed}.parquet", folder / f"min-{rows}-{seed}.parquet"
    pq.write_table(generate_patients(rows, seed), raw)
    minimize_file(contract or load_contract(PATIENTS), raw, out, FakeHmacService())
    return out


@dataclass(frozen=True)
class EncryptedShard:
    """A minimized shard as the minimize step leaves it: ciphertext, the context to read it
    with, and (for the test to compare with) its plaintext table."""

    path: Path
    context: str
    table: pa.Table


def encrypted_shard(folder: Path, keys: KeyService, seed: int, rows: int = 300,
                    chunk_size: int = 64 * 1024) -> EncryptedShard:
    """Minimized demo patients (`rows`, drawn with `seed`) encrypted under `keys` into `folder`."""
    table = pq.read_table(minimized_patients(folder, rows, seed))
    shard = EncryptedShard(folder / f"shard-{seed}.enc", f"s3://lake/datasets/shard-{seed}", table)
    write_encrypted_table(table, shard.path, shard.context, keys, chunk_size)
    return shard


def write_profile(path: Path, table: pa.Table, row_count: int | None = None) -> Path:
    """The profile of `table` under the patients contract, as the publish step records it for the
    next run; with another row count if given (a reference from a larger or smaller dataset)."""
    profile = profile_dataset(table, load_contract(PATIENTS))
    if row_count is not None:
        profile = profile.model_copy(update={"row_count": row_count})
    path.write_text(profile.model_dump_json(), encoding="utf-8")
    return path
