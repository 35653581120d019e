"""Plaintext staged while a step runs lives in a folder of its own that is always removed."""

from __future__ import annotations

import pytest

from secure_mlops.config import Settings
from secure_mlops.steps.scratch import scratch_dir


def test_scratch_is_a_fresh_folder_under_the_configured_root_and_is_removed_even_on_error(
        settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="step failed"), scratch_dir(settings) as scratch:
        (scratch / "minimized.parquet").write_bytes(b"plaintext")
        assert scratch.parent == settings.scratch_dir
        raise RuntimeError("step failed")

    assert list(settings.scratch_dir.iterdir()) == []
