"""Redaction of PII and secrets from logs and text, for every sink (logs, CLI output, errors).

    from secure_mlops.redaction import install_log_redaction, redact

    install_log_redaction(contract.identifier_columns())  # every log record of the process
    print(redact(text))  # anything else that leaves the process

By pattern, check digit, cue word and key (docs/redaction.md lists what and how well); it never
drops a log record and never raises into a logging call (a record it cannot render becomes a
placeholder). `secure-mlops redact --deep` adds a named-entity model (redaction.deep).
"""

from __future__ import annotations

from secure_mlops.redaction.keys import DEFAULT_SENSITIVE_KEYS
from secure_mlops.redaction.logging_filter import (
    RedactingFilter,
    install_log_redaction,
    uninstall_log_redaction,
)
from secure_mlops.redaction.redactor import Redactor, redact
from secure_mlops.redaction.stream import redact_stream

__all__ = [
    "DEFAULT_SENSITIVE_KEYS",
    "RedactingFilter",
    "Redactor",
    "install_log_redaction",
    "redact",
    "redact_stream",
    "uninstall_log_redaction",
]
