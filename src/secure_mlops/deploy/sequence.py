"""Rollback protection: a release older than the last one deployed needs an explicit flag.

Every signed manifest carries `release.sequence`, larger for every later release
(`packaging/manifest.py`). A signature alone cannot tell an old release from the current one:
both verify. So the deploy step records what it deployed, in the lake beside the releases it
publishes, at `<release_uri>/<bento name>/release-sequence.json`:

    {"deployed": {"sequence": N, "bento_tag": "..."}, "highest": {"sequence": M, "bento_tag": "..."}}

A release may be deployed when it is the one deployed last, the highest one ever deployed, or
newer than that. Anything else is a rollback: refused, unless `allow_rollback` is given, and
then logged as a warning and recorded (the highest release stays recorded, so a rollback to an
old release does not open the way to the ones in between).

The record is as trustworthy as write access to `models/`, which only the pipeline's role has
(policies/iam/); the lake keeps every version of it.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from secure_mlops.errors import IntegrityError, ObjectNotFoundError
from secure_mlops.storage import read_file, write_atomically

RECORD = "release-sequence.json"
log = logging.getLogger(__name__)


class Store(Protocol):
    """What the ledger needs of `secure_mlops.storage.S3Store`."""

    def uri(self, key: str) -> str: ...

    def get_file(self, key: str, local: Path) -> None: ...

    def put_file(self, local: Path, key: str) -> str: ...


# The ledger beside the published releases: the release deployed last, and the newest ever
# deployed, which a rollback is measured against.
@dataclass(frozen=True)
class SequenceRecord:
    deployed: DeployedRelease
    highest: DeployedRelease

    def after(self, release: DeployedRelease) -> SequenceRecord:
        """The record once `release` is deployed."""
        return SequenceRecord(release, release if release.sequence > self.highest.sequence else self.highest)


@dataclass(frozen=True)
class DeployedRelease:
    """A release as the ledger knows it: the sequence its signed manifest carries, and its bento."""

    sequence: int
    bento_tag: str


def check_sequence(release: DeployedRelease, record: SequenceRecord | None, *, allow_rollback: bool,
                   where: str) -> bool:
    """Whether deploying `release` is a rollback that `allow_rollback` lets through (logged);
    `IntegrityError` for a rollback without it. `where` names the record in messages."""
    if (record is None or release in (record.deployed, record.highest)
            or release.sequence > record.highest.sequence):
        return False
    described = (f"release {release.bento_tag} (sequence {release.sequence}) is older than "
                 f"{record.highest.bento_tag} (sequence {record.highest.sequence}), the newest deployed "
                 f"according to {where}")
    if not allow_rollback:
        raise IntegrityError(f"refusing a rollback: {described}",
                             hint="deploy an older release deliberately: allow_rollback, or "
                                 "secure-mlops deploy --allow-rollback")
    log.warning("rollback allowed by allow_rollback: %s", described)
    return True


class SequenceLedger:
    """The record at `key` in `store` (the lake's models/ prefix)."""

    def __init__(self, store: Store, key: str) -> None:
        self._store = store
        self._key = key

    @property
    def where(self) -> str:
        return self._store.uri(self._key)

    def read(self) -> SequenceRecord | None:
        """The record, or None before the first deploy. A damaged record is an `IntegrityError`,
        never taken for a first deploy (deleting the record would otherwise allow any rollback)."""
        with tempfile.TemporaryDirectory(prefix="secure-mlops-sequence-") as folder:
            local = Path(folder) / RECORD
            try:
                self._store.get_file(self._key, local)
            except ObjectNotFoundError:
                return None
            raw = read_file(local, "the release sequence record")
        try:
            document = json.loads(raw)
            return SequenceRecord(_release(document["deployed"]), _release(document["highest"]))
        except (ValueError, KeyError, TypeError):
            raise IntegrityError(f"the release sequence record {self.where} is damaged",
                                 hint="restore its previous version from the lake's object versions") from None

    def write(self, record: SequenceRecord) -> None:
        with tempfile.TemporaryDirectory(prefix="secure-mlops-sequence-") as folder:
            local = write_atomically(Path(folder) / RECORD, json.dumps(asdict(record), indent=2, sort_keys=True) + "\n")
            self._store.put_file(local, self._key)


def _release(value: Any) -> DeployedRelease:
    sequence, tag = value["sequence"], value["bento_tag"]
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1 or not isinstance(tag, str):
        raise ValueError("not a release")
    return DeployedRelease(sequence, tag)
