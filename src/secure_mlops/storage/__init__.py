"""Object storage: a local folder or S3 behind one small interface, with atomic writes.

It stores bytes as it is given them and encrypts nothing itself (beyond asking S3 for SSE-KMS),
so callers hand it ciphertext; no object key may escape its store, and boto3 is imported only
when an S3 store is opened.
"""

from __future__ import annotations

from pathlib import Path

from secure_mlops.errors import ObjectNotFoundError
from secure_mlops.storage.atomic import atomic_output, write_atomically
from secure_mlops.storage.base import ObjectStore, check_key
from secure_mlops.storage.local import LocalStore
from secure_mlops.storage.s3 import S3_SCHEME, S3Store, parse_s3_uri


def open_store(location: str, *, sse_kms_key_id: str | None = None) -> ObjectStore:
    """`s3://bucket/prefix` or a local folder path."""
    if location.startswith(S3_SCHEME):
        bucket, prefix = parse_s3_uri(location)
        return S3Store(bucket, prefix, sse_kms_key_id=sse_kms_key_id)
    return LocalStore(Path(location))


__all__ = [
    "S3_SCHEME",
    "LocalStore",
    "ObjectNotFoundError",
    "ObjectStore",
    "S3Store",
    "atomic_output",
    "check_key",
    "open_store",
    "parse_s3_uri",
    "write_atomically",
]
