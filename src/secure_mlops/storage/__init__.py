"""Files and objects: the one atomic writer every output goes through, one reader of local files
that fails with a clear error, and reading raw data from S3.

It encrypts nothing itself (callers hand it ciphertext or non-personal data), never leaves a
half-written file, and imports boto3 only when an S3 store is opened.
"""

from __future__ import annotations

from secure_mlops.errors import ObjectNotFoundError
from secure_mlops.storage.atomic import atomic_output, write_atomically
from secure_mlops.storage.reading import read_file
from secure_mlops.storage.s3 import S3_SCHEME, S3Store, parse_s3_uri

__all__ = ["S3_SCHEME", "ObjectNotFoundError", "S3Store", "atomic_output", "parse_s3_uri", "read_file", "write_atomically"]
