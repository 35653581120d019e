"""Tests see no Vault or project setting from the machine they run on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from secure_mlops.config import get_settings

# The environment variables the project's settings read (Vault's own, and the project's).
SETTINGS_PREFIXES = ("VAULT_", "SECURE_MLOPS_")


def isolated_settings(monkeypatch: pytest.MonkeyPatch, state_dir: Path) -> Iterator[Path]:
    """For a fixture to yield from: no VAULT_* or SECURE_MLOPS_* variable, the state folder
    `state_dir`, and settings read afresh before and after the test. Yields `state_dir`."""
    for name in list(os.environ):
        if name.startswith(SETTINGS_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SECURE_MLOPS_STATE_DIR", str(state_dir))
    get_settings.cache_clear()
    yield state_dir
    get_settings.cache_clear()
