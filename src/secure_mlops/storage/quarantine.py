"""Quarantine a poisoned or leaked dataset: move it where no workload can read it, keeping it as
evidence (docs/runbook.md, sections 2 and 5).

On S3, every object under `s3://BUCKET/PREFIX` moves to `quarantine/<its key>` in the same bucket,
one at a time: a server-side copy, then a delete. The workload roles read only named prefixes
(raw/, datasets/, models/, ...; policies/iam/), never quarantine/, so the data is out of every
pipeline run and every inference pod once moved. The lake is versioned: the delete only adds a
delete marker, and the original versions stay (until the lifecycle rule expires them).

A local folder moves, by one rename, to `<its parent>/quarantine/<its name>`, and both folders get
mode 0o700: only the owner can still look inside.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from secure_mlops.errors import InputError, ObjectNotFoundError, StorageError
from secure_mlops.storage.s3 import S3_SCHEME, S3Store, parse_s3_uri

QUARANTINE = "quarantine"
PRIVATE_MODE = 0o700
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Quarantined:
    source: str
    """The prefix or folder quarantined, as given."""
    target: str
    """Where it is now: `s3://BUCKET/quarantine/PREFIX`, or the folder under `quarantine/`."""
    moved: int
    """Objects (or regular files, for a folder) moved."""
    gone: int = 0
    """Objects listed that were deleted by someone else before they could be moved."""


def quarantine(prefix: str, *, reason: str, store: S3Store | None = None) -> Quarantined:
    """Move everything under `prefix` (a local folder or `s3://BUCKET/PREFIX`) into quarantine.

    `InputError` for an empty `reason`, a prefix already in quarantine (or one that would take
    the quarantine along), or one that matches nothing; `StorageError` when S3 or the file
    system refuses (what was moved stays moved: run the command again for the rest).
    """
    if not reason.strip():
        raise InputError("a quarantine needs a reason", hint="say why, e.g. --reason 'INC-42: poisoned labels'")
    if prefix.startswith(S3_SCHEME):
        return _quarantine_objects(prefix, reason, store)
    return _quarantine_folder(Path(prefix), reason)


# -- S3 ----------------------------------------------------------------------------------------

def _quarantine_objects(uri: str, reason: str, store: S3Store | None) -> Quarantined:
    bucket, prefix = parse_s3_uri(uri)
    if not prefix:
        raise InputError(f"{uri} names a whole bucket", hint="name the prefix to quarantine, e.g. s3://BUCKET/raw/batch-7/")
    # A prefix under quarantine/ is there already; one that quarantine/ starts with ("q", "quarantine")
    # would list the quarantined objects too and move them into themselves.
    if prefix.startswith(f"{QUARANTINE}/") or f"{QUARANTINE}/".startswith(prefix):
        raise InputError(f"{uri} is (or takes in) the quarantine itself", hint=f"name a prefix outside {QUARANTINE}/")
    store = store or S3Store(bucket)
    keys = store.list_keys(prefix)
    if not keys:
        raise InputError(f"no object under {uri}", hint="check the bucket and prefix (a prefix is matched as S3 matches it)")
    log.info("quarantining %d object(s) under %s: %s", len(keys), uri, reason)
    moved = gone = 0
    for key in keys:
        try:
            _move(store, key)
        except ObjectNotFoundError:
            gone += 1  # deleted meanwhile: nothing left to quarantine, and its versions stay
        except StorageError as exc:
            raise StorageError(f"{exc.message}; {moved} of {len(keys)} object(s) were moved before",
                               hint=exc.hint or "run the same command again: what was moved stays moved") from None
        else:
            moved += 1
    return Quarantined(source=uri, target=store.uri(f"{QUARANTINE}/{prefix}"), moved=moved, gone=gone)


def _move(store: S3Store, key: str) -> None:
    # Copy first: if the delete fails, the object is in both places, never in neither.
    store.copy(key, f"{QUARANTINE}/{key}")
    store.delete(key)
    log.info("moved %s to %s/", store.uri(key), QUARANTINE)


# -- local folders -----------------------------------------------------------------------------

def _quarantine_folder(folder: Path, reason: str) -> Quarantined:
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        raise InputError(f"no folder {folder}", hint="name an existing folder or s3://BUCKET/PREFIX") from None
    except OSError as exc:
        raise StorageError(f"cannot read {folder}: {exc.strerror}") from None
    if not stat.S_ISDIR(mode):  # a symbolic link too: moving it would leave the data where it is
        raise InputError(f"{folder} is not a folder", hint="name the folder itself, not a file or a link to it")
    absolute = folder.absolute()
    if QUARANTINE in absolute.parts:
        raise InputError(f"{folder} is (or is inside) a {QUARANTINE} folder already")
    files = _count_files(absolute)
    if not files:
        raise InputError(f"no file under {folder}", hint="name the folder that holds the dataset")
    vault_dir = absolute.parent / QUARANTINE
    target = vault_dir / absolute.name
    log.info("quarantining %d file(s) in %s: %s", files, folder, reason)
    try:
        _private_folder(vault_dir)
        if os.path.lexists(target):
            raise InputError(f"{target} exists already", hint="move the earlier quarantine aside first")
        os.rename(absolute, target)  # one rename: the folder is whole in one place or the other
        os.chmod(target, PRIVATE_MODE)
    except OSError as exc:
        raise StorageError(f"cannot move {folder} to {target}: {exc.strerror}") from None
    return Quarantined(source=str(folder), target=str(target), moved=files)


def _private_folder(path: Path) -> None:
    """`path` as a real folder (not a link somewhere else) of mode 0o700, made if missing."""
    try:
        path.mkdir(mode=PRIVATE_MODE)
    except FileExistsError:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            raise InputError(f"{path} exists and is not a folder", hint="it must be a real folder, not a link") from None
    os.chmod(path, PRIVATE_MODE)  # also tightens one made earlier, or under a lax umask


def _count_files(folder: Path) -> int:
    count = 0
    for directory, _, names in os.walk(folder, followlinks=False):
        count += sum(1 for name in names if stat.S_ISREG(os.lstat(Path(directory) / name).st_mode))
    return count
