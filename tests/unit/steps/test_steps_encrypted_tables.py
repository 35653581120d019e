"""Encrypted Parquet tables: what a step writes is ciphertext bound to its context, and it is
read back whole, in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.crypto.format import MAGIC
from secure_mlops.errors import IntegrityError
from secure_mlops.steps.encrypted_tables import read_encrypted_table, write_encrypted_table
from tests.support.data import EncryptedShard
from tests.support.fakes import FakeVault


def test_a_table_round_trips_through_ciphertext_readable_only_in_its_context(
        tmp_path: Path, vault: FakeVault, shards: tuple[EncryptedShard, ...]) -> None:
    table, path = shards[0].table, tmp_path / "dataset.enc"

    header = write_encrypted_table(table, path, "run-1/dataset", vault.keys, 4096)

    blob = path.read_bytes()
    assert blob.startswith(MAGIC) and table.column("patient_id")[0].as_py().encode() not in blob
    assert header.key_version == vault.keys.latest_version
    assert read_encrypted_table(path, "run-1/dataset", vault.keys).equals(table)
    with pytest.raises(IntegrityError):
        read_encrypted_table(path, "run-2/dataset", vault.keys)
