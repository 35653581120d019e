"""The encrypted objects under a prefix (a local folder, or ``s3://bucket/prefix``), by the key
version their data key is wrapped under: find what still needs an old version, and re-wrap it.

Only headers are read to sort objects; re-wrapping copies the chunks untouched
(`crypto.rewrap_stream`), so no plaintext is ever produced, only a data key held in memory for
the format-2 commitment check. Each object is replaced atomically and only if it did not change
meanwhile: a local file by write-then-rename after checking it is still the same file (inode,
size, modification time; a writer in the last instant before the rename can still be lost),
an S3 object by a conditional PUT (If-Match on the ETag read), which S3 refuses when another
write came in between. An S3 object is written with a single PUT, so at most 5 GiB; it keeps its
user metadata and content type, not its tags.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO

from secure_mlops.crypto.format import COMMITMENT_SIZE, read_header
from secure_mlops.crypto.keys import KeyService
from secure_mlops.crypto.stream import rewrap_stream
from secure_mlops.errors import InputError, IntegrityError, VaultError
from secure_mlops.storage.atomic import atomic_output
from secure_mlops.storage.s3 import S3_SCHEME, S3Store, parse_s3_uri

# The longest header there can be: fixed part, key commitment, two u16-prefixed strings, a u32.
MAX_HEADER_SIZE = 19 + COMMITMENT_SIZE + 2 + 0xFFFF + 4 + 2 + 0xFFFF
_TEMP_FILE_SUFFIX = ".tmp"  # storage/atomic.py's named temp files: another writer's, never ours to touch


@dataclass(frozen=True)
class WrappedObject:
    """An envelope under the prefix: where it is and what wraps its data key."""

    name: str  # a path or an s3:// URI
    key_name: str
    key_version: int


@dataclass
class VersionScan:
    envelopes: list[WrappedObject] = field(default_factory=list)
    not_envelopes: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    """Objects that start like an envelope but whose header does not parse: no version to tell."""

    def below(self, key_name: str, version: int) -> list[WrappedObject]:
        """The envelopes of `key_name` still wrapped under a version older than `version`."""
        return [o for o in self.envelopes if o.key_name == key_name and o.key_version < version]


@dataclass
class RewrapReport:
    """Object names by outcome; `newest` is the newest key version Vault answered with."""

    rewrapped: list[str] = field(default_factory=list)
    already_newest: list[str] = field(default_factory=list)
    not_envelopes: list[str] = field(default_factory=list)
    other_key: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    newest: int = 0

    @property
    def left_behind(self) -> list[str]:
        """Envelopes of the key that may still be under an old version."""
        return self.retired + self.damaged + self.changed


class _Skip(Exception):  # control flow only: never leaves this module
    """Discard the rewritten copy: the object is `outcome` and stays as it was."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


Rewrap = Callable[[BinaryIO, BinaryIO], None]


@dataclass(frozen=True)
class _Object:
    name: str
    header: Callable[[], AbstractContextManager[BinaryIO]]
    """Opens the object's first bytes, enough for its header."""
    rewrite: Callable[[Rewrap], None]
    """Replaces the object with what `Rewrap` writes from its content, if it did not change meanwhile."""


def scan_versions(prefix: str) -> VersionScan:
    """Read the header of every object under `prefix`; no Vault call."""
    scan = VersionScan()
    for obj in _objects(prefix):
        with obj.header() as src:
            try:
                wrapped = read_header(src).wrapped_key
            except InputError:
                scan.not_envelopes.append(obj.name)
            except IntegrityError:
                scan.damaged.append(obj.name)
            else:
                scan.envelopes.append(WrappedObject(obj.name, wrapped.key_name, wrapped.version))
    return scan


def rewrap_objects(prefix: str, key_service: KeyService, key_name: str) -> RewrapReport:
    """Re-wrap every envelope of `key_name` under `prefix` under the key's newest version.

    Vault's answers tell the newest version (no permission to read the key is needed): an
    object already under it costs no call, except when it comes before any older one. A damaged
    object, one under a retired version, or one that changed meanwhile is left as it was and
    named in the report; a Vault or storage failure stops the run (what was done stays done).
    """
    rewrapper = _Rewrapper(key_service, key_name)
    for obj in _objects(prefix):
        rewrapper.one(obj)
    return rewrapper.report


def _objects(prefix: str) -> Iterator[_Object]:
    if prefix.startswith(S3_SCHEME):
        bucket, key_prefix = parse_s3_uri(prefix)
        s3 = _S3(bucket)
        for key in s3.store.list_keys(key_prefix):
            yield _Object(s3.uri(key), partial(s3.header, key), partial(s3.rewrite, key))
    else:
        for path in _local_files(prefix):
            yield _Object(str(path), partial(_open_local, path), partial(_rewrite_local, path))


class _Rewrapper:
    def __init__(self, key_service: KeyService, key_name: str) -> None:
        self._keys = key_service
        self._key_name = key_name
        self.report = RewrapReport()

    def one(self, obj: _Object) -> None:
        """Sort `obj` by its header, and re-wrap it when it is ours and old."""
        report, name = self.report, obj.name
        with obj.header() as src:
            try:
                old = read_header(src).wrapped_key
            except InputError:
                report.not_envelopes.append(name)
                return
            except IntegrityError:
                report.damaged.append(name)
                return
        if old.key_name != self._key_name:
            report.other_key.append(name)
        elif report.newest and old.version >= report.newest:
            report.already_newest.append(name)
        else:
            try:
                obj.rewrite(partial(self._rewrap, old.version))
            except _Skip as skip:
                getattr(report, skip.outcome).append(name)
            else:
                report.rewrapped.append(name)

    def _rewrap(self, old_version: int, src: BinaryIO, dst: BinaryIO) -> None:
        try:
            new = rewrap_stream(src, dst, self._keys)
        except IntegrityError:
            raise _Skip("damaged") from None
        except VaultError as exc:
            # TransitKeyService's words for a version Vault no longer decrypts (retired or trimmed).
            if "min_decryption_version" in exc.message:
                raise _Skip("retired") from None
            if "permission denied" in exc.message:
                raise VaultError(exc.message, hint="re-wrapping unwraps and re-wraps data keys: it needs the pipeline "
                                 "identity (policies/vault/secure-mlops-pipeline.hcl); the operator policy "
                                 "deliberately cannot") from None
            raise
        self.report.newest = max(self.report.newest, new.key_version)
        if new.key_version <= old_version:
            raise _Skip("already_newest")


# -- local files -------------------------------------------------------------------------------

def _local_files(folder: str) -> list[Path]:
    """Regular files under `folder`, sorted; links are not followed, writers' temp files skipped."""
    root = Path(folder)
    if not root.is_dir():
        hint = "for one file use `secure-mlops rewrap -i FILE`" if root.is_file() else "name a folder or s3://BUCKET/PREFIX"
        raise InputError(f"{folder} is not a folder", hint=hint)
    found: list[Path] = []
    for directory, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            if name.startswith(".") and name.endswith(_TEMP_FILE_SUFFIX):
                continue
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    found.append(path)
            except OSError:
                continue  # gone meanwhile
    return found


@contextmanager
def _open_local(path: Path) -> Iterator[BinaryIO]:
    try:
        src = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    with src:
        yield src


def _rewrite_local(path: Path, rewrap: Rewrap) -> None:
    with _open_local(path) as src, atomic_output(path) as dst:
        before = _identity(os.fstat(src.fileno()))
        os.fchmod(dst.fileno(), os.fstat(src.fileno()).st_mode & 0o777)  # shared ciphertext stays shared
        try:
            rewrap(src, dst)
        except _Skip as skip:
            # A writer truncating the file under us looks like damage: say what it was.
            if skip.outcome == "damaged" and _changed(path, before):
                raise _Skip("changed") from None
            raise
        if _changed(path, before):
            raise _Skip("changed")


def _changed(path: Path, before: tuple[int, ...]) -> bool:
    try:
        return _identity(os.lstat(path)) != before
    except OSError:
        return True


def _identity(status: os.stat_result) -> tuple[int, ...]:
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


# -- S3 ----------------------------------------------------------------------------------------

class _S3:
    def __init__(self, bucket: str) -> None:
        self.store = S3Store(bucket)

    def uri(self, key: str) -> str:
        return self.store.uri(key)

    @contextmanager
    def header(self, key: str) -> Iterator[BinaryIO]:
        """The object's first bytes, as many as a header can take."""
        body = self.store.read_head(key, MAX_HEADER_SIZE)
        try:
            yield body
        finally:
            body.close()

    def rewrite(self, key: str, rewrap: Rewrap) -> None:
        """Re-wrap into a private temp file (ciphertext only), then PUT it only if the object is
        still the one read."""
        body, read = self.store.open(key)
        with tempfile.TemporaryFile() as staged:
            try:
                rewrap(body, staged)
            finally:
                body.close()
            staged.seek(0)
            if not self.store.put_if_unchanged(key, staged, read):
                raise _Skip("changed")
