"""Object storage: a local folder or S3 behind one small interface, with atomic writes.

It stores bytes as it is given them and encrypts nothing itself (beyond asking S3 for SSE-KMS),
so callers hand it ciphertext; no object key may escape its store, and boto3 is imported only
when an S3 store is opened.
"""

from __future__ import annotations

from secure_mlops.errors import ObjectNotFoundError
from secure_mlops.storage.atomic import atomic_output, write_atomically
from secure_mlops.storage.s3 import S3_SCHEME, S3Store, parse_s3_uri

__all__ = ["S3_SCHEME", "ObjectNotFoundError", "S3Store", "atomic_output", "parse_s3_uri", "write_atomically"]
