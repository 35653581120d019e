"""Detokenization records: who turned tokens back into values, when, how many, of what and why.

One JSON file per `secure-mlops detokenize` call, under the `detokenizations/` prefix of the
audit store, written once as run records are (records.py): in S3 the PUT refuses an existing key
and the object-locked bucket keeps it; in a folder the file is created exclusively and made
read-only. A record holds a count, names and the reason given: never a value or a token.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from secure_mlops.errors import StorageError
from secure_mlops.storage.s3 import S3_SCHEME, S3Store, parse_s3_uri

DETOKENIZATION_SCHEMA: Final = "secure-mlops/detokenization/v1"
DETOKENIZATIONS_PREFIX: Final = "detokenizations/"
_READ_ONLY: Final = 0o444


@dataclass(frozen=True)
class Detokenization:
    """What is recorded of one detokenization."""

    who: str  # the Vault token's display name (a person's login), from lookup-self
    entity_id: str | None  # the Vault entity behind it, when the login method has one
    contract: str
    contract_sha256: str
    column: str
    values: int  # how many tokens were turned back
    reason: str


def record_detokenization(store_uri: str, record: Detokenization) -> str:
    """Append `record` to the audit store at `store_uri`; returns where it was written."""
    recorded_at = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    # The time sorts records; the random part keeps two calls in one microsecond apart.
    name = f"{recorded_at}_{uuid.uuid4().hex[:12]}.json"
    body: dict[str, Any] = {"schema": DETOKENIZATION_SCHEMA, "recorded_at": recorded_at, **asdict(record)}
    data = (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()
    if store_uri.startswith(S3_SCHEME):
        bucket, prefix = parse_s3_uri(store_uri)
        store = S3Store(bucket)
        key = (prefix if not prefix or prefix.endswith("/") else prefix + "/") + DETOKENIZATIONS_PREFIX + name
        if not store.put_new(key, data):
            raise StorageError(f"{store.uri(key)} exists already: records are never replaced")
        return store.uri(key)
    return _write_file(Path(store_uri) / DETOKENIZATIONS_PREFIX.rstrip("/"), name, data)


def _write_file(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _READ_ONLY)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except FileExistsError:
        raise StorageError(f"a record named {name} exists already in {folder}: records are never replaced") from None
    except OSError as exc:
        raise StorageError(f"cannot write the detokenization record into {folder}: {exc.strerror}") from None
    return str(path)
