"""The audit store: a record of every pipeline run, written once and never replaced.

Each run that reaches the end appends one folder, `<recorded at>_<run id>/`, holding its signed
provenance manifest (`provenance.json`, as signed) and a run summary (`summary.json`): who
triggered it, its parameters, each gate's result, the key versions, the contract, and the
digests of the dataset both as plaintext (runs on the same data match) and as ciphertext.

Where: an `s3://bucket/prefix/` (the object-locked audit bucket: S3 keeps each object for the
retention period whatever the caller's rights, and the PUT refuses to replace an existing key)
or a local folder (files created exclusively and made read-only; the folder of a run is
created once). Records hold digests, counts, names and settings: never a data value or secret.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from secure_mlops.errors import InputError, StorageError
from secure_mlops.storage.s3 import S3_SCHEME, S3Store, parse_s3_uri

SUMMARY_SCHEMA: Final = "secure-mlops/run-summary/v1"
MANIFEST_NAME: Final = "provenance.json"
SUMMARY_NAME: Final = "summary.json"
_RUN_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_READ_ONLY: Final = 0o444


@dataclass(frozen=True)
class RunEntry:
    """One recorded run, as `secure-mlops audit runs` lists it."""

    location: str
    summary: dict[str, Any]


def record_run(store_uri: str, run_id: str, manifest: bytes, summary: Mapping[str, Any]) -> str:
    """Append the run's signed manifest and summary to the store at `store_uri`; returns where.

    StorageError when a record of that name exists already: a record is never replaced."""
    if not _RUN_ID.fullmatch(run_id):
        raise InputError("the run id must be 1-128 of A-Z, a-z, 0-9, '.', '_', '-'")
    recorded_at = _timestamp()
    name = f"{recorded_at}_{run_id}"
    body = {"schema": SUMMARY_SCHEMA, "run_id": run_id, "recorded_at": recorded_at, **summary}
    files = {MANIFEST_NAME: manifest, SUMMARY_NAME: (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()}
    if store_uri.startswith(S3_SCHEME):
        return _record_in_s3(store_uri, name, files)
    return _record_in_folder(Path(store_uri), name, files)


def list_runs(store_uri: str) -> list[RunEntry]:
    """The recorded runs, newest first."""
    if store_uri.startswith(S3_SCHEME):
        bucket, prefix = parse_s3_uri(store_uri)
        store = S3Store(bucket)
        keys = [key for key in store.list_keys(_folder_prefix(prefix)) if key.endswith("/" + SUMMARY_NAME)]
        entries = [RunEntry(store.uri(key.rsplit("/", 1)[0]) + "/", _summary(store.read_bytes(key), store.uri(key)))
                   for key in keys]
    else:
        root = Path(store_uri)
        if not root.is_dir():
            return []
        entries = [RunEntry(str(path.parent), _summary(path.read_bytes(), str(path)))
                   for path in root.glob(f"*/{SUMMARY_NAME}")]
    return sorted(entries, key=lambda entry: str(entry.summary.get("recorded_at", "")), reverse=True)


def _record_in_folder(root: Path, name: str, files: Mapping[str, bytes]) -> str:
    folder = root / name
    try:
        root.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o755)
        for file_name, data in files.items():
            descriptor = os.open(folder / file_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _READ_ONLY)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        folder.chmod(0o555)  # nothing can be added to, renamed in or removed from a finished record
    except FileExistsError:
        raise StorageError(f"a record named {name} exists already in {root}: records are never replaced") from None
    except OSError as exc:
        raise StorageError(f"cannot write the run record into {root}: {exc.strerror}") from None
    return str(folder)


def _record_in_s3(store_uri: str, name: str, files: Mapping[str, bytes]) -> str:
    bucket, prefix = parse_s3_uri(store_uri)
    store = S3Store(bucket)
    folder = _folder_prefix(prefix) + name + "/"
    for file_name, data in files.items():
        if not store.put_new(folder + file_name, data):
            raise StorageError(f"{store.uri(folder + file_name)} exists already: records are never replaced")
    return store.uri(folder)


def _timestamp() -> str:
    """Now in UTC to the microsecond: record names sort by time, and two runs never share one."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def _folder_prefix(prefix: str) -> str:
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def _summary(data: bytes, where: str) -> dict[str, Any]:
    try:
        summary = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        summary = None
    if not isinstance(summary, dict) or summary.get("schema") != SUMMARY_SCHEMA:
        raise StorageError(f"{where} is not a run summary of schema {SUMMARY_SCHEMA}")
    return summary
