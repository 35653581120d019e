"""Every serving unit test gets its own state folder and no Vault or project setting from outside."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from secure_mlops.config import get_settings


@pytest.fixture(autouse=True)
def state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith(("VAULT_", "SECURE_MLOPS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SECURE_MLOPS_STATE_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
