"""The privacy budget ledger: how much ε differentially private training has spent on a dataset.

Every DP training run on a dataset reveals a little more about the people in it; the guarantees
add up (basic composition: ε of k runs is at most the sum of their ε). The contract states what
may be spent in total on one dataset (`differential_privacy.total_epsilon`), and this ledger
keeps the sum across runs, in the audit store, where nothing is replaced or removed:

    <store>/privacy-budget/<contract name>/<dataset sha256>/<000001>.json, <000002>.json, ...

A run reserves its ε before it trains by creating the next numbered entry exclusively (a local
file hard-linked into place, an S3 PUT with If-None-Match: *). Two runs racing for the same number cannot
both win: the loser reads the ledger again and checks its ε against the new sum. A run that
would exceed the total fails before training and writes nothing. An entry is kept even when the
run fails later: the model was fitted, so the data was used.

The dataset is named by the digest of its minimized plaintext, which is the same whatever the
run's encryption or sharding: the budget follows the data, not the run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from secure_mlops.digest import sha256_digest
from secure_mlops.errors import InputError, PrivacyError, StorageError
from secure_mlops.storage.s3 import S3_SCHEME, S3Store, parse_s3_uri

SPEND_SCHEMA: Final = "secure-mlops/privacy-spend/v1"
BUDGET_PREFIX: Final = "privacy-budget/"
_SAFE_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_DIGEST: Final = re.compile(r"(?:sha256:)?([0-9a-f]{64})")
_ENTRY: Final = re.compile(r"(\d{6})\.json")
_READ_ONLY: Final = 0o444
_ATTEMPTS: Final = 8
# Sums of floats such as 0.1 + 0.2 must not refuse a run that spends exactly what is left.
_TOLERANCE: Final = 1e-9


@dataclass(frozen=True)
class Spend:
    """One run's reservation, and the ledger's state once it was made."""

    epsilon: float
    delta: float
    total_epsilon: float
    spent_epsilon: float  # including this run
    runs: int  # entries in the ledger, including this one
    location: str


@dataclass(frozen=True)
class Ledger:
    """The entries of one contract and dataset."""

    location: str
    entries: list[dict[str, Any]]

    @property
    def spent_epsilon(self) -> float:
        return sum(float(entry["epsilon"]) for entry in self.entries)

    @property
    def total_epsilon(self) -> float | None:
        """The contract's total as the latest run stated it (None: no run yet)."""
        return float(self.entries[-1]["total_epsilon"]) if self.entries else None


def spend_budget(store_uri: str, *, contract_name: str, dataset_digest: str, epsilon: float, delta: float,
                 total_epsilon: float, run_id: str, details: dict[str, Any] | None = None) -> Spend:
    """Reserve `epsilon` of the dataset's budget, or raise `PrivacyError` naming the budget and what
    was spent. `details` (names and settings, never values) are recorded with the entry."""
    for _ in range(_ATTEMPTS):
        ledger = read_ledger(store_uri, contract_name=contract_name, dataset_digest=dataset_digest)
        spent = ledger.spent_epsilon
        if spent + epsilon > total_epsilon + _TOLERANCE:
            left = max(total_epsilon - spent, 0.0)
            raise PrivacyError(
                f"privacy budget exceeded: contract {contract_name!r} allows ε {total_epsilon:g} in total on dataset "
                f"{_short(dataset_digest)}, {spent:g} is spent in {len(ledger.entries)} "
                f"run{'s' if len(ledger.entries) != 1 else ''}, and this run asks for {epsilon:g}",
                hint=(f"at most {left:g} is left: lower dp_epsilon, or" if left > _TOLERANCE else "nothing is left:")
                + " train on a new extract, which has a budget of its own; the ledger is under privacy-budget/ "
                  "in the audit store",
            )
        entry = {
            "schema": SPEND_SCHEMA, "run_id": run_id, "recorded_at": dt.datetime.now(dt.UTC).isoformat(),
            "contract": contract_name, "dataset_sha256": _hex(dataset_digest), "epsilon": float(epsilon),
            "delta": float(delta), "total_epsilon": float(total_epsilon), **(details or {}),
        }
        where = _create(store_uri, contract_name, dataset_digest, f"{len(ledger.entries) + 1:06d}.json", entry)
        if where is not None:
            return Spend(epsilon=float(epsilon), delta=float(delta), total_epsilon=float(total_epsilon),
                         spent_epsilon=spent + epsilon, runs=len(ledger.entries) + 1, location=where)
    raise StorageError(f"cannot reserve privacy budget in {store_uri}: {_ATTEMPTS} other runs reserved first",
                       hint="retry the run")


def read_ledger(store_uri: str, *, contract_name: str, dataset_digest: str) -> Ledger:
    """The entries recorded for a contract and dataset, oldest first (none: an empty ledger)."""
    folder = _folder(contract_name, dataset_digest)
    if store_uri.startswith(S3_SCHEME):
        bucket, prefix = parse_s3_uri(store_uri)
        store = S3Store(bucket)
        where = _join(prefix, folder)
        keys = sorted(key for key in store.list_keys(where) if _ENTRY.fullmatch(key.rsplit("/", 1)[-1]))
        return Ledger(store.uri(where), [_entry(store.read_bytes(key), store.uri(key)) for key in keys])
    root = Path(store_uri) / folder
    paths = sorted(p for p in root.glob("*.json") if _ENTRY.fullmatch(p.name)) if root.is_dir() else []
    return Ledger(str(root), [_entry(_read(path), str(path)) for path in paths])


def list_ledgers(store_uri: str) -> list[Ledger]:
    """Every contract and dataset with a ledger in the store, by contract then dataset."""
    if store_uri.startswith(S3_SCHEME):
        bucket, prefix = parse_s3_uri(store_uri)
        store = S3Store(bucket)
        root = _join(prefix, BUDGET_PREFIX)
        keys = [key for key in store.list_keys(root) if _ENTRY.fullmatch(key.rsplit("/", 1)[-1])]
        folders: dict[str, list[str]] = {}
        for key in sorted(keys):
            folders.setdefault(key.rsplit("/", 1)[0] + "/", []).append(key)
        ledgers = [Ledger(store.uri(folder), [_entry(store.read_bytes(key), store.uri(key)) for key in entries])
                   for folder, entries in folders.items()]
    else:
        root_dir = Path(store_uri) / BUDGET_PREFIX
        folders_local = sorted({p.parent for p in root_dir.glob("*/*/*.json") if _ENTRY.fullmatch(p.name)})
        ledgers = [Ledger(str(folder), [_entry(_read(p), str(p)) for p in sorted(folder.glob("*.json"))
                                        if _ENTRY.fullmatch(p.name)]) for folder in folders_local]
    return sorted(ledgers, key=lambda ledger: (str(ledger.entries[0]["contract"]), ledger.location))


def _create(store_uri: str, contract_name: str, dataset_digest: str, name: str, entry: dict[str, Any]) -> str | None:
    """Write the entry unless one of that name exists (None then)."""
    data = (json.dumps(entry, indent=2, sort_keys=True) + "\n").encode()
    folder = _folder(contract_name, dataset_digest)
    if store_uri.startswith(S3_SCHEME):
        bucket, prefix = parse_s3_uri(store_uri)
        store = S3Store(bucket)
        key = _join(prefix, folder) + name
        return store.uri(key) if store.put_new(key, data) else None
    path = Path(store_uri) / folder / name
    # Written whole under a temporary name, then hard-linked to its own: the link is atomic and
    # fails when the name exists, so a reader never sees half an entry and two runs never share one.
    staging = path.with_name(f".{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _READ_ONLY)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(staging, path)
    except FileExistsError:
        return None
    except OSError as exc:
        raise StorageError(f"cannot write the privacy budget ledger in {path.parent}: {exc.strerror}") from None
    finally:
        staging.unlink(missing_ok=True)
    return str(path)


def _folder(contract_name: str, dataset_digest: str) -> str:
    # A contract name is free text: one that is not a safe path segment is named by its digest.
    name = contract_name if _SAFE_NAME.fullmatch(contract_name) else sha256_digest(contract_name.encode())
    return f"{BUDGET_PREFIX}{name.replace(':', '-')}/{_hex(dataset_digest)}/"


def _hex(digest: str) -> str:
    match = _DIGEST.fullmatch(digest)
    if match is None:
        raise InputError("the dataset digest must be sha256:<64 hex digits>")
    return match.group(1)


def _short(digest: str) -> str:
    return f"sha256:{_hex(digest)[:12]}…"


def _join(prefix: str, folder: str) -> str:
    return (prefix if not prefix or prefix.endswith("/") else prefix + "/") + folder


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read the privacy budget ledger entry {path}: {exc.strerror}") from None


def _entry(data: bytes, where: str) -> dict[str, Any]:
    try:
        entry = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        entry = None
    if (not isinstance(entry, dict) or entry.get("schema") != SPEND_SCHEMA
            or not isinstance(entry.get("epsilon"), int | float) or isinstance(entry.get("epsilon"), bool)):
        raise StorageError(f"{where} is not a privacy budget entry of schema {SPEND_SCHEMA}",
                           hint="the ledger is append-only: nothing but the pipeline writes there")
    return entry
