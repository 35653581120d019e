"""Key lifecycle without a server: argument checks that must refuse before Vault is asked to change
anything, and re-wrapping a folder with the in-memory key service."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from secure_mlops.config import Settings
from secure_mlops.crypto import encrypt_file, read_header
from secure_mlops.errors import InputError, VaultError
from secure_mlops.vault.lifecycle import resolve_key_name, retire_versions, shred_versions
from secure_mlops.vault.wrapped_objects import rewrap_objects, scan_versions
from tests.support.fakes import InMemoryKeyService


class _Transit:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def read_key(self, name: str, mount_point: str) -> dict[str, Any]:
        return {"data": self._data}


class _Adapter:
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []

    def post(self, path: str, json: dict[str, Any]) -> None:
        self.posts.append((path, json))


class FakeVault:
    """Answers `read_key` with fixed versions and records every write."""

    url = "http://vault.invalid"

    def __init__(self, latest: int = 3, min_decryption: int = 1, min_encryption: int = 0, min_available: int = 0) -> None:
        self.adapter = _Adapter()
        self.secrets = type("Secrets", (), {})()
        self.secrets.transit = _Transit({"latest_version": latest, "min_decryption_version": min_decryption,
                                         "min_encryption_version": min_encryption,
                                         "min_available_version": min_available,
                                         "keys": {str(v): 0 for v in range(min_decryption, latest + 1)}})


def test_key_roles_resolve_to_the_configured_names_and_bad_names_are_refused() -> None:
    settings = Settings(data_key_name="lake-data")
    assert resolve_key_name("data", settings) == "lake-data"
    assert resolve_key_name("secure-mlops-pseudonym", settings) == "secure-mlops-pseudonym"
    for bad in ("../sys/policy", "a/b", "", "x..y"):
        with pytest.raises(InputError, match="not a Transit key name"):
            resolve_key_name(bad, settings)


@pytest.mark.parametrize("below", [1, 4, 100])
def test_retire_refuses_versions_that_do_not_exist_without_writing(below: int) -> None:
    vault = FakeVault(latest=3)
    with pytest.raises(InputError):
        retire_versions(vault, "k", below)  # type: ignore[arg-type]
    assert vault.adapter.posts == []


def test_retire_sets_both_minimums_and_never_lowers_them() -> None:
    vault = FakeVault(latest=3, min_decryption=1)
    _, changed = retire_versions(vault, "k", 3)  # type: ignore[arg-type]
    assert changed and vault.adapter.posts == [("/v1/transit/keys/k/config",
                                                {"min_decryption_version": 3, "min_encryption_version": 3})]
    done = FakeVault(latest=3, min_decryption=3, min_encryption=3)
    _, changed = retire_versions(done, "k", 2)  # type: ignore[arg-type]
    assert not changed and done.adapter.posts == []


def test_shred_refuses_unretired_versions_and_the_signing_key_without_trimming() -> None:
    half = FakeVault(latest=3, min_decryption=3, min_encryption=0)  # decryption retired, encryption not
    with pytest.raises(VaultError, match="not retired yet"):
        shred_versions(half, "k", 3)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="never shredded"):
        shred_versions(FakeVault(min_decryption=3, min_encryption=3), "sig", 3, signing_key_name="sig")  # type: ignore[arg-type]
    assert half.adapter.posts == []


def test_shred_trims_once_retired_and_names_the_destroyed_versions() -> None:
    vault = FakeVault(latest=4, min_decryption=3, min_encryption=3)
    vault.adapter.post = lambda path, json: (vault.adapter.posts.append((path, json)),  # type: ignore[method-assign]
                                             vault.secrets.transit._data.update(min_available_version=3))
    _, destroyed = shred_versions(vault, "k", 3)  # type: ignore[arg-type]
    assert destroyed == (1, 2)
    assert vault.adapter.posts == [("/v1/transit/keys/k/trim", {"min_available_version": 3})]


def test_rewrap_a_folder_sorts_every_file_and_touches_only_old_envelopes(tmp_path: Path) -> None:
    keys = InMemoryKeyService("lake")
    other = InMemoryKeyService("elsewhere")
    plain = tmp_path / "plain"
    plain.write_bytes(os.urandom(10_000))
    lake = tmp_path / "lake"
    (lake / "sub").mkdir(parents=True)
    encrypt_file(plain, lake / "old.enc", keys, b"old.enc")
    encrypt_file(plain, lake / "sub" / "foreign.enc", other, b"foreign.enc")
    keys.rotate()
    encrypt_file(plain, lake / "new.enc", keys, b"new.enc")
    (lake / "notes.csv").write_bytes(b"a,b\n")
    (lake / ".old.enc.123.abc.tmp").write_bytes(b"another writer's")
    (lake / "link.enc").symlink_to(lake / "old.enc")
    new_before = (lake / "new.enc").read_bytes()

    assert [o.key_version for o in scan_versions(str(lake)).below("lake", 2)] == [1]
    report = rewrap_objects(str(lake), keys, "lake")

    assert report.rewrapped == [str(lake / "old.enc")] and report.already_newest == [str(lake / "new.enc")]
    assert report.not_envelopes == [str(lake / "notes.csv")] and report.other_key == [str(lake / "sub" / "foreign.enc")]
    assert report.left_behind == [] and report.newest == 2
    with (lake / "old.enc").open("rb") as src:
        assert read_header(src).key_version == 2
    assert (lake / "new.enc").read_bytes() == new_before  # already newest: not rewritten
    assert (lake / "link.enc").is_symlink()
    assert scan_versions(str(lake)).below("lake", 2) == []


def test_rewrap_leaves_damaged_and_retired_files_as_they_were(tmp_path: Path) -> None:
    keys = InMemoryKeyService("lake")
    plain = tmp_path / "plain"
    plain.write_bytes(os.urandom(5_000))
    lake = tmp_path / "lake"
    lake.mkdir()
    encrypt_file(plain, lake / "retired.enc", keys, b"y")
    keys.rotate()
    keys.min_decryption_version = 2
    encrypt_file(plain, lake / "damaged.enc", keys, b"x")
    damaged = bytearray((lake / "damaged.enc").read_bytes())
    damaged[30] ^= 1  # in the key commitment: the header no longer names its data key
    (lake / "damaged.enc").write_bytes(damaged)
    before = {p.name: p.read_bytes() for p in lake.iterdir()}

    report = rewrap_objects(str(lake), keys, "lake")

    assert report.damaged == [str(lake / "damaged.enc")] and report.retired == [str(lake / "retired.enc")]
    assert report.rewrapped == [] and {p.name: p.read_bytes() for p in lake.iterdir()} == before
