"""The minimize-shard step: a raw shard in, only ciphertext of its minimized rows out, read back
in memory."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv

from secure_mlops.config import Settings
from secure_mlops.crypto.format import MAGIC
from secure_mlops.demo_data import write_patients_csv
from secure_mlops.digest import file_sha256
from secure_mlops.steps.data import EncryptedDataset, minimize_shard, read_dataset
from tests.support.fakes import FakeHmacService, FakeVault
from tests.support.paths import PATIENTS

IDENTIFIERS = ("patient_id", "full_name", "email", "ssn", "phone", "address")


def test_minimize_shard_leaves_only_ciphertext_of_the_pseudonymized_shard(
        tmp_path: Path, settings: Settings, vault: FakeVault) -> None:
    raw = pacsv.read_csv(write_patients_csv(tmp_path / "part-1.csv", rows=300, seed=3))
    output = tmp_path / "dataset.enc"

    written, report = minimize_shard(str(tmp_path / "part-1.csv"), PATIENTS, output, context="run-1/part-1",
                                     k=None, settings=settings)

    blob = output.read_bytes()
    assert blob.startswith(MAGIC)
    assert not [v for c in IDENTIFIERS for v in raw.column(c).to_pylist() if str(v).encode() in blob]
    assert written == EncryptedDataset(output, "run-1/part-1", report.output_rows, vault.keys.latest_version,
                                       file_sha256(output), pseudonym_key_version=vault.hmac.key_version)
    pseudonyms = read_dataset(output, "run-1/part-1", settings).column("patient_id").to_pylist()
    assert len(pseudonyms) == report.output_rows > 0
    assert set(pseudonyms) <= {vault.hmac.pseudonym(v) for v in raw.column("patient_id").to_pylist()}
    assert list(settings.scratch_dir.iterdir()) == []  # the plaintext minimized file is gone



def test_minimize_shard_pins_the_pseudonym_key_version_it_is_given(
        tmp_path: Path, settings: Settings, vault: FakeVault, monkeypatch) -> None:
    import secure_mlops.steps.data

    asked = []
    pinned = FakeHmacService(key_version=2)
    monkeypatch.setattr(secure_mlops.steps.data, "pseudonym_hmac_service",
                        lambda settings, *, key_version=None: asked.append(key_version) or pinned)
    write_patients_csv(tmp_path / "part-1.csv", rows=300, seed=3)

    written, _ = minimize_shard(str(tmp_path / "part-1.csv"), PATIENTS, tmp_path / "dataset.enc", context="c",
                                k=None, pseudonym_key_version=2, settings=settings)

    assert asked == [2] and written.pseudonym_key_version == 2
