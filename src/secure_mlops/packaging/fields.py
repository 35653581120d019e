"""Checks for what goes into model metadata and provenance manifests.

Both travel far (BentoML's model store, KFP artifact metadata, the image, audit records), so
they may hold names, versions, ids, digests and numbers only. A text field that the project's
redactor would change (an email, a token, a card number...) is refused rather than recorded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from secure_mlops.errors import InputError

MAX_TEXT = 256
_DIGEST = re.compile(r"(?:sha256:)?([0-9a-f]{64})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_text(field: str, value: object) -> str:
    """A short, printable, non-empty string that carries no secret or personal data."""
    from secure_mlops.redaction import redact

    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field} must be a non-empty string")
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        raise InputError(f"{field} must be at most {MAX_TEXT} printable characters")
    if redact(value) != value:
        # The message names the field only: echoing the value would leak what was caught.
        raise InputError(
            f"{field} looks like it holds a secret or personal data; refusing to record it",
            hint="record an id or a name, never an email, token or data value",
        )
    return value


def check_number(field: str, value: object) -> float | int:
    """A finite int or float (not a bool: True would pass as 1 and hide a mistake)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{field} must be a finite number")
    return value


def check_numbers(field: str, values: Mapping[str, object]) -> dict[str, float | int]:
    return {check_text(f"{field} name", k): check_number(f"{field}[{k}]", v) for k, v in values.items()}


def normalize_digest(field: str, value: object) -> str:
    """``sha256:<hex>``, from that form or bare hex (what other tools print)."""
    match = _DIGEST.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InputError(f"{field} must be a sha256 digest (64 lowercase hex, optionally 'sha256:')")
    return "sha256:" + match.group(1)
