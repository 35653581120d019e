"""The release sequence: a deploy of an older signed release than the last one is a rollback,
refused unless explicitly allowed (and then logged); the record lives beside the published
releases."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from secure_mlops.deploy.sequence import DeployedRelease, SequenceLedger, SequenceRecord, check_sequence
from secure_mlops.errors import IntegrityError, ObjectNotFoundError

WHERE = "s3://lake/models/secure-mlops-inference/release-sequence.json"
OLD = DeployedRelease(100, "secure-mlops-inference:old")
MID = DeployedRelease(200, "secure-mlops-inference:mid")
NEW = DeployedRelease(300, "secure-mlops-inference:new")


class FolderStore:
    """The two calls of S3Store the ledger makes, over a local folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def uri(self, key: str) -> str:
        return f"s3://lake/{key}"

    def get_file(self, key: str, local: Path) -> None:
        if not (self.root / key).is_file():
            raise ObjectNotFoundError(f"no object at {self.uri(key)}")
        shutil.copyfile(self.root / key, local)

    def put_file(self, local: Path, key: str) -> str:
        (self.root / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, self.root / key)
        return self.uri(key)


def _after(*releases: DeployedRelease) -> SequenceRecord:
    record = SequenceRecord(releases[0], releases[0])
    for release in releases[1:]:
        record = record.after(release)
    return record


@pytest.mark.parametrize(
    ("record", "release"),
    [(None, OLD), (_after(OLD), NEW), (_after(NEW), NEW), (_after(OLD, NEW, MID), NEW), (_after(OLD, NEW, MID), MID)],
    ids=["first", "newer", "again", "back-to-the-highest", "the-rolled-back-one-again"],
)
def test_a_release_that_is_no_rollback_is_allowed_without_a_flag(record, release) -> None:
    assert check_sequence(release, record, allow_rollback=False, where=WHERE) is False


@pytest.mark.parametrize(
    ("record", "release"),
    [(_after(NEW), OLD), (_after(OLD, NEW, OLD), MID),
     (_after(NEW), DeployedRelease(NEW.sequence, "secure-mlops-inference:other"))],
    ids=["older", "older-than-the-highest-though-newer-than-deployed", "same-sequence-other-bento"],
)
def test_a_rollback_is_refused_naming_both_releases_and_the_flag(record, release) -> None:
    with pytest.raises(IntegrityError, match="rollback") as info:
        check_sequence(release, record, allow_rollback=False, where=WHERE)
    assert str(release.sequence) in str(info.value) and WHERE in str(info.value)
    assert "allow_rollback" in str(info.value)


def test_an_allowed_rollback_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="secure_mlops.deploy.sequence"):
        assert check_sequence(OLD, _after(NEW), allow_rollback=True, where=WHERE) is True
    assert "rollback" in caplog.text and OLD.bento_tag in caplog.text and NEW.bento_tag in caplog.text


def test_the_record_keeps_the_highest_release_across_a_rollback() -> None:
    record = _after(OLD, NEW, OLD)
    assert (record.deployed, record.highest) == (OLD, NEW)


def test_the_ledger_reads_what_it_wrote_and_nothing_before(tmp_path: Path) -> None:
    ledger = SequenceLedger(FolderStore(tmp_path), "models/secure-mlops-inference/release-sequence.json")
    assert ledger.read() is None

    ledger.write(_after(OLD, NEW, MID))

    assert ledger.read() == _after(OLD, NEW, MID)
    assert ledger.where == WHERE


@pytest.mark.parametrize("content", ["{", "[]", '{"deployed": {"sequence": 1, "bento_tag": "a:b"}}',
                                     '{"deployed": {"sequence": "1", "bento_tag": "a:b"}, '
                                     '"highest": {"sequence": 1, "bento_tag": "a:b"}}'])
def test_a_damaged_record_is_an_integrity_error_not_a_first_release(tmp_path: Path, content: str) -> None:
    key = "models/secure-mlops-inference/release-sequence.json"
    (tmp_path / key).parent.mkdir(parents=True)
    (tmp_path / key).write_text(content)

    with pytest.raises(IntegrityError, match=r"release-sequence\.json"):
        SequenceLedger(FolderStore(tmp_path), key).read()
