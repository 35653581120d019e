"""Where a pipeline's raw data comes from: a local file or folder, or an S3 object or prefix.

A folder or prefix is a sharded dataset: each CSV/Parquet file in it is one shard, and the
pipeline fans out over them. Raw shards are fetched into a scratch folder (memory-backed on a
cluster) and deleted as soon as they are minimized.

The data contract comes the same ways: a path (in the image, or a ConfigMap mounted at
/contracts, pipelines/platform.py), or an s3:// object, so a team brings a new contract without
rebuilding the step image.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from secure_mlops.config import Settings
from secure_mlops.errors import InputError
from secure_mlops.steps.scratch import scratch_dir
from secure_mlops.storage import S3_SCHEME, S3Store, parse_s3_uri

SHARD_SUFFIXES = (".csv", ".parquet")


def plan_shards(data_uri: str) -> list[str]:
    """The shard URIs of a dataset, sorted, so the same input always fans out the same way."""
    if data_uri.startswith(S3_SCHEME):
        bucket, prefix = parse_s3_uri(data_uri)
        keys = S3Store(bucket).list_keys(prefix)
        shards = [f"{S3_SCHEME}{bucket}/{k}" for k in keys if k.endswith(SHARD_SUFFIXES)]
    else:
        path = Path(data_uri)
        if path.is_file():
            shards = [str(path.resolve())]
        elif path.is_dir():
            shards = sorted(str(p.resolve()) for p in path.iterdir() if p.suffix in SHARD_SUFFIXES)
        else:
            raise InputError(f"no data at {data_uri}", hint="pass a CSV/Parquet file or a folder of them")
    if not shards:
        raise InputError(f"{data_uri} holds no .csv or .parquet file")
    return sorted(shards)


def fetch_shard(shard_uri: str, scratch: Path) -> Path:
    """A local path for the shard: the file itself, or a download into `scratch`."""
    if not shard_uri.startswith(S3_SCHEME):
        return Path(shard_uri)
    bucket, key = parse_s3_uri(shard_uri)
    target = scratch / Path(key).name
    S3Store(bucket).get_file(key, target)
    return target


@contextmanager
def contract_file(contract_path: str, settings: Settings) -> Iterator[Path]:
    """A local file holding the data contract: `contract_path` itself, or the s3:// object
    downloaded into the step's scratch (removed when the block ends)."""
    if not contract_path.startswith(S3_SCHEME):
        yield Path(contract_path)
        return
    bucket, key = parse_s3_uri(contract_path)
    if not key or key.endswith("/"):
        raise InputError(f"{contract_path} names no object", hint="write s3://BUCKET/KEY.yaml")
    with scratch_dir(settings) as scratch:
        target = scratch / Path(key).name
        S3Store(bucket).get_file(key, target)
        yield target
