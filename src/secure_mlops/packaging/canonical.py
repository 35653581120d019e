"""Canonical JSON: the one byte form of a value that gets digested or signed.

Sorted keys, no whitespace, ASCII escapes, and no NaN or infinity (which JSON does not define,
so two parsers could read them differently).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from secure_mlops.errors import InputError


def canonical_json(value: Any) -> bytes:
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"value has no canonical JSON form: {exc}") from None
    return text.encode("ascii")


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
