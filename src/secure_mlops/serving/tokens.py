"""API tokens for the inference service, stored only as hashes.

The service checks a bearer token on every request, so it needs a file to check against; that
file must not itself be a credential. Whoever reads it (a backup, a node's disk, anyone allowed to
read the Kubernetes Secret it is mounted from) learns SHA-256 hashes, never a usable token. A
token is shown once, when it is created, and cannot be recovered afterwards: a lost token is
revoked and replaced.

The service re-reads the file when it changes, so `secure-mlops token revoke` (or an update of
the Secret on a cluster) takes effect without a restart. A missing or broken file refuses every
token: the service fails closed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from secure_mlops.errors import ConfigError, InputError
from secure_mlops.storage.atomic import write_atomically

TOKEN_PREFIX: Final = "smt_"  # noqa: S105 - a prefix, not a secret
FILE_VERSION: Final = 1
_NAME: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_SHA256_HEX: Final = re.compile(r"[0-9a-f]{64}")
# Identifies one version of the file: a rename over it (our atomic write, or the symlink swap of a
# Kubernetes Secret update) changes the inode even when the size and mtime happen to match.
_Stamp = tuple[int, int, int]
_NEVER_READ: Final[_Stamp] = (-1, -1, -1)
_MISSING: Final[_Stamp] = (-2, -2, -2)

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: its name and when it was created (UTC), never its hash."""

    name: str
    created_at: str


@dataclass(frozen=True)
class _Record:
    name: str
    sha256: str = field(repr=False)
    created_at: str


class TokenStore:
    """The token file at `path`: create, list and revoke tokens, and authenticate requests.

    One instance serves a whole worker process; `authenticate` is safe to call from many threads.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # (stamp of the file version read, its (name, digest) pairs), replaced as one tuple so a
        # reader without the lock never pairs one version's stamp with another's entries.
        self._state: tuple[_Stamp, tuple[tuple[str, bytes], ...]] = (_NEVER_READ, ())

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    def create(self, name: str) -> str:
        """Create a token named `name` and return it. This is the only time it can be seen."""
        _check_name(name)
        with self._lock:
            records = _read_records(self.path)
            if any(record.name == name for record in records):
                raise InputError(
                    f"a token named {name!r} already exists",
                    hint=f"revoke it first with `secure-mlops token revoke {name}`, or choose another name",
                )
            # 32 random bytes: 256 bits, 43 URL-safe characters.
            token = TOKEN_PREFIX + secrets.token_urlsafe(32)
            created_at = datetime.now(UTC).isoformat(timespec="seconds")
            _write_records(self.path, [*records, _Record(name, _digest(token).hex(), created_at)])
        return token

    def list(self) -> list[TokenInfo]:
        """Every token's name and creation time, oldest first; empty when there is no file."""
        return [TokenInfo(record.name, record.created_at) for record in _read_records(self.path)]

    def revoke(self, name: str) -> None:
        """Remove the token named `name`; the service refuses it from its next request on."""
        _check_name(name)
        with self._lock:
            records = _read_records(self.path)
            kept = [record for record in records if record.name != name]
            if len(kept) == len(records):
                raise InputError(f"no token named {name!r}", hint="see `secure-mlops token list`")
            _write_records(self.path, kept)

    def authenticate(self, presented: str) -> str | None:
        """The name of the token `presented`, or None when it is not a valid token.

        Costs one stat of the file per call, plus a re-read when the file changed. Every stored
        hash is compared in constant time and the loop never stops early, so the time taken does
        not tell how close a guess was or which entry it matched.
        """
        digest = _digest(presented)
        matched: str | None = None
        for name, stored in self._current_entries():
            if hmac.compare_digest(digest, stored):
                matched = name
        return matched

    def _current_entries(self) -> tuple[tuple[str, bytes], ...]:
        try:
            # os.stat follows symlinks: a Secret's file is a symlink into a directory that the
            # kubelet swaps on update, and the target's inode is what changes.
            stamp = _stamp(os.stat(self.path))
        except OSError:
            stamp = _MISSING
        seen, entries = self._state
        if stamp == seen:
            return entries
        with self._lock:
            if stamp != self._state[0]:  # another thread may have reloaded while this one waited
                self._state = self._reload(stamp)
            return self._state[1]

    def _reload(self, stamp: _Stamp) -> tuple[_Stamp, tuple[tuple[str, bytes], ...]]:
        """The file's entries, or none (refuse everything) with one warning when it is unusable."""
        if stamp != _MISSING:
            try:
                read_stamp, records = _read_file(self.path)
                return read_stamp, tuple((record.name, bytes.fromhex(record.sha256)) for record in records)
            except FileNotFoundError:
                pass  # removed since the stat: the same as missing
            except ConfigError:
                # Keep the broken version's stamp so it is not re-read (and warned about) on every
                # request; any change to the file is picked up. Never log the file's contents.
                _log.warning(
                    "the API token file %s is unreadable or malformed: every request is refused "
                    "until it is fixed",
                    self.path,
                )
                return stamp, ()
        _log.warning("no API token file at %s: every request is refused", self.path)
        return _MISSING, ()


def _digest(token: str) -> bytes:
    # A plain SHA-256 is enough here, and a slow password hash (bcrypt, scrypt) would only cost
    # time on every request: a token is 256 random bits, not a human-chosen password, so there is
    # no dictionary to try and brute force over the hash is hopeless.
    # surrogatepass: whatever string a request carries hashes (to no match) instead of raising.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def _check_name(name: str) -> None:
    # A name is echoed in messages and listed; refusing the token prefix means a token pasted in
    # place of a name is never shown or stored. The rejected value is not repeated for that reason.
    if not _NAME.fullmatch(name) or name.startswith(TOKEN_PREFIX):
        raise InputError(
            "invalid token name",
            hint="use 1 to 63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or "
            f"digit, not with {TOKEN_PREFIX!r}",
        )


def _stamp(st: os.stat_result) -> _Stamp:
    return st.st_mtime_ns, st.st_size, st.st_ino


def _read_records(path: Path) -> list[_Record]:
    """The file's records; none when it does not exist. A broken file raises ConfigError."""
    try:
        return _read_file(path)[1]
    except FileNotFoundError:
        return []


def _read_file(path: Path) -> tuple[_Stamp, list[_Record]]:
    try:
        with path.open("rb") as handle:
            # The stamp of the very file read, so a swap between a stat and this read is noticed.
            stamp = _stamp(os.fstat(handle.fileno()))
            raw = handle.read()
    except FileNotFoundError:
        raise  # callers decide what a missing file means
    except OSError as exc:
        raise ConfigError(f"cannot read the API token file {path}: {exc.strerror}") from None
    try:
        return stamp, _parse(json.loads(raw))
    except (ValueError, TypeError, KeyError):
        # No detail from the parser: it could quote the file, and the file holds hashes.
        raise ConfigError(
            f"the API token file {path} is malformed",
            hint="restore it, or remove it and create the tokens again",
        ) from None


def _parse(document: Any) -> list[_Record]:
    if document["version"] != FILE_VERSION or not isinstance(document["tokens"], list):
        raise ValueError("unsupported layout")
    records = []
    for item in document["tokens"]:
        name, sha256, created_at = item["name"], item["sha256"], item["created_at"]
        if not (
            isinstance(name, str) and _NAME.fullmatch(name)
            and isinstance(sha256, str) and _SHA256_HEX.fullmatch(sha256)
            and isinstance(created_at, str)
        ):
            raise ValueError("bad entry")
        records.append(_Record(name, sha256, created_at))
    if len({record.name for record in records}) != len(records):
        raise ValueError("duplicate name")
    return records


def _write_records(path: Path, records: list[_Record]) -> None:
    if not path.parent.is_dir():
        # Only a folder created here is made private; an existing one is the operator's choice.
        path.parent.mkdir(parents=True, mode=0o700)
    document = {
        "version": FILE_VERSION,
        "tokens": [
            {"name": record.name, "sha256": record.sha256, "created_at": record.created_at}
            for record in records
        ],
    }
    # write_atomically creates the file 0600 and renames it into place: a reader (the service) sees
    # the old file or the new one, never half of it.
    write_atomically(path, json.dumps(document, indent=2) + "\n")
