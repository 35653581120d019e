"""The deploy tests sign and verify with the in-memory Transit double, like the packaging tests."""

from __future__ import annotations

from tests.support.release import bento_dir, manifest, model_file, signer  # noqa: F401 - pytest fixtures, requested by name
