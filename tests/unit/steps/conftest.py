"""The pipeline steps as plain functions, without KFP and without Vault.

The steps take no key service: they build their Vault clients from settings with
`data_key_service`, `pseudonym_hmac_service` and `manifest_signer`. Here every step module (and
`secure_mlops.vault`, which the release steps import from when they run) sees those factories
replaced by in-memory doubles, and the settings name a Vault address nothing listens on, so a
step that found another way to Vault would fail rather than pass. The same steps against a real
OpenBao run in tests/integration/test_pipeline_local.py.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import secure_mlops.steps
import secure_mlops.vault
from secure_mlops.config import Settings
from tests.support.data import EncryptedShard, encrypted_shard
from tests.support.environment import isolated_settings
from tests.support.fakes import FakeVault
from tests.support.release import bento_dir, manifest, model_file  # noqa: F401 - fixtures

UNREACHABLE_VAULT = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def vault() -> FakeVault:
    """One set of doubles for the session: what a session fixture encrypted stays readable."""
    return FakeVault()


@pytest.fixture(autouse=True)
def vault_in_memory(monkeypatch: pytest.MonkeyPatch, vault: FakeVault) -> FakeVault:
    doubles = {"data_key_service": vault.keys, "pseudonym_hmac_service": vault.hmac,
               "manifest_signer": vault.signer}
    modules = [secure_mlops.vault] + [importlib.import_module(f"secure_mlops.steps.{info.name}")
                                      for info in pkgutil.iter_modules(secure_mlops.steps.__path__)]
    for name, double in doubles.items():
        factory = getattr(secure_mlops.vault, name)
        for module in modules:
            if getattr(module, name, None) is factory:
                monkeypatch.setattr(module, name, lambda settings=None, double=double, **_: double)
    return vault


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    """A run's settings: its own state and scratch folders, small chunks, and no reachable Vault."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for state_dir in isolated_settings(monkeypatch, tmp_path / "state"):
        yield Settings(state_dir=state_dir, scratch_dir=scratch, chunk_size=64 * 1024,
                       vault_addr=UNREACHABLE_VAULT)


@pytest.fixture(scope="session")
def shards(tmp_path_factory: pytest.TempPathFactory, vault: FakeVault) -> tuple[EncryptedShard, ...]:
    """Two minimized shards of demo patients (seeds 21 and 22), encrypted as the minimize step
    leaves them."""
    folder = tmp_path_factory.mktemp("shards")
    return encrypted_shard(folder, vault.keys, 21), encrypted_shard(folder, vault.keys, 22)
