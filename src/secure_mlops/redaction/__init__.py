"""Redaction of PII and secrets from logs and text, for every sink (logs, CLI output, errors)."""

from __future__ import annotations

from secure_mlops.redaction.redactor import Redactor, redact
from secure_mlops.redaction.stream import redact_stream

__all__ = ["Redactor", "redact", "redact_stream"]
