"""Content digests, written the way manifests and artifact metadata record them: ``sha256:<hex>``,
and the one canonical JSON form of a value that gets digested or signed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from secure_mlops.errors import InputError


def file_sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, ASCII escapes, and no NaN or infinity (which JSON does not
    define, so two parsers could read them differently)."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"value has no canonical JSON form: {exc}") from None
    return text.encode("ascii")
