"""The token key version travels with the data: minimize-shard records the version its tokens were
made under (or pins the one it is given), publish-dataset keeps one version for the whole dataset,
as it does for pseudonyms, so the release can record it and the inference service answer under it."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import pytest

import secure_mlops.steps.data
from secure_mlops.config import Settings
from secure_mlops.errors import ValidationFailed
from secure_mlops.privacy.tokenize import is_token
from secure_mlops.steps.data import minimize_shard, read_dataset
from secure_mlops.steps.publish import publish_dataset
from tests.support.data import EncryptedShard
from tests.support.paths import PATIENTS

CONTRACT = """
name: members
version: "1"
k_anonymity: {k: 1}
columns:
  - {name: member_no, type: integer, classification: direct_identifier, action: tokenize, nullable: false}
  - {name: visits, type: integer, classification: feature, action: keep}
"""


class VersionedTokens:
    """A token service that makes its tokens under `key_version`, as TransitTokenService reports it."""

    def __init__(self, key_version: int) -> None:
        self.key_version = key_version

    def encrypt_many(self, values: Sequence[bytes], context: bytes) -> list[str]:
        return [f"vault:v{self.key_version}:{base64.b64encode(context[-9:] + v).decode()}" for v in values]

    def decrypt_many(self, ciphertexts: Sequence[str], context: bytes) -> list[bytes]:
        raise AssertionError("the pipeline never decrypts")


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The versions minimize-shard asked the token service for; the service made tokens under the
    version asked, else under 4 (the key's latest)."""
    versions: list[int | None] = []

    def token_service(settings: Settings, *, key_version: int | None = None) -> VersionedTokens:
        versions.append(key_version)
        return VersionedTokens(key_version or 4)

    monkeypatch.setattr(secure_mlops.steps.data, "token_service", token_service)
    return versions


def _shard(folder: Path) -> tuple[str, Path]:
    (folder / "members.contract.yaml").write_text(CONTRACT, encoding="utf-8")
    (folder / "part-1.csv").write_text("member_no,visits\n1042,3\n1043,5\n1042,7\n", encoding="utf-8")
    return str(folder / "part-1.csv"), folder / "members.contract.yaml"


@pytest.mark.control("minimization")
def test_minimize_shard_records_the_token_key_version_its_tokens_were_made_under(
        tmp_path: Path, settings: Settings, asked: list[int | None]) -> None:
    shard, contract = _shard(tmp_path)

    latest, _ = minimize_shard(shard, contract, tmp_path / "a.enc", context="a", k=None, settings=settings)
    pinned, _ = minimize_shard(shard, contract, tmp_path / "b.enc", context="b", k=None, token_key_version=2,
                               settings=settings)

    assert asked == [None, 2]
    assert latest.token_key_version == 4 and pinned.token_key_version == 2
    tokens = read_dataset(pinned.path, "b", settings).column("member_no").to_pylist()
    assert all(is_token(t) and t.startswith("tok1_v2_") for t in tokens)


def test_a_contract_without_tokens_records_no_token_key_version_and_asks_for_no_service(
        tmp_path: Path, settings: Settings, asked: list[int | None]) -> None:
    from secure_mlops.demo_data import write_patients_csv

    write_patients_csv(tmp_path / "part-1.csv", rows=200, seed=3)

    written, _ = minimize_shard(str(tmp_path / "part-1.csv"), PATIENTS, tmp_path / "d.enc", context="d", k=None,
                                settings=settings)

    assert written.token_key_version is None and asked == []


def _publish(shards: tuple[EncryptedShard, ...], folder: Path, settings: Settings,
             token_versions: list[int | None]):
    return publish_dataset([(s.path, s.context, 3) for s in shards], PATIENTS, folder / "dataset.enc",
                           folder / "profile.json", context="run-1/dataset", reference_profile_uri=None,
                           psi_threshold=0.2, token_key_versions=token_versions, settings=settings)


def test_publish_dataset_records_the_one_token_key_version_of_its_shards(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    assert _publish(shards, tmp_path, settings, [5, 5]).token_key_version == 5
    # A shard without tokens (no rows) does not count; shards of a contract without tokens record none.
    assert _publish(shards, tmp_path, settings, [None, 5]).token_key_version == 5
    assert _publish(shards, tmp_path, settings, []).token_key_version is None


def test_publish_dataset_refuses_shards_tokenized_under_different_key_versions(
        tmp_path: Path, settings: Settings, shards: tuple[EncryptedShard, ...]) -> None:
    with pytest.raises(ValidationFailed, match="versions 4 and 5 of the token key"):
        _publish(shards, tmp_path, settings, [5, 4])
    assert not (tmp_path / "dataset.enc").exists()
