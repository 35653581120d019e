"""The deploy tests sign and verify with the packaging tests' in-memory Transit double."""

from __future__ import annotations

from tests.unit.packaging.conftest import bento_dir, manifest, model_file, signer  # noqa: F401
