"""The packaging tests sign with the in-memory Transit double: a valid manifest, a small fake bento."""

from __future__ import annotations

from tests.support.release import bento_dir, manifest, model_file, signer  # noqa: F401 - pytest fixtures, requested by name
