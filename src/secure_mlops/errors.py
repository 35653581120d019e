"""The project's exceptions: one base type, a few kinds, each with its own CLI exit code.

Third-party errors (hvac, boto3, pyarrow, cryptography) are wrapped into these at the boundary
so callers handle one family, and the CLI can print one line without a traceback. Messages
never carry a secret or a value from the data: they name files, columns, keys and counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from secure_mlops.privacy.kanonymity import KAnonymityResult


class SecureMlopsError(Exception):
    """Base of every error the project raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(SecureMlopsError):
    """A setting is missing or invalid."""

    exit_code = 3


class InputError(SecureMlopsError):
    """An input file, contract or argument is malformed or does not fit."""

    exit_code = 4


class PrivacyError(SecureMlopsError):
    """A privacy gate failed (for example k-anonymity); nothing was written."""

    exit_code = 5


class KAnonymityError(PrivacyError):
    """The output is not k-anonymous; `result` holds the counts. Nothing was written."""

    def __init__(self, result: KAnonymityResult) -> None:
        super().__init__(
            f"k-anonymity not met: required k={result.k_required}, achieved "
            f"k={result.k_achieved}; {result.groups_below_k} of {result.groups} groups "
            f"({result.rows_below_k} rows) have fewer than {result.k_required} rows",
            hint=f"quasi-identifiers: {', '.join(result.quasi_identifiers) or 'none'}; "
                 "generalize them further or drop one",
        )
        self.result = result


class IntegrityError(SecureMlopsError):
    """Encrypted data failed verification. Deliberately says nothing about which check failed."""

    exit_code = 6


class VaultError(SecureMlopsError):
    """Vault is unreachable, sealed, or refused the request."""

    exit_code = 7


class StorageError(SecureMlopsError):
    """The object store refused or failed a read or write."""

    exit_code = 8


class ObjectNotFoundError(StorageError):
    """The object does not exist in the object store."""


class ValidationFailed(SecureMlopsError):
    """A dataset or a model failed a validation gate (schema, ranges, drift; the model's minimum
    metrics); the pipeline must stop."""

    exit_code = 9


class PipelineError(SecureMlopsError):
    """A pipeline run failed, or Kubeflow Pipelines refused a request."""

    exit_code = 10


class ClusterError(SecureMlopsError):
    """The Kubernetes API is unreachable or refused to apply a manifest."""

    exit_code = 11


class ControlsFailed(SecureMlopsError):
    """The audit found a control whose evidence failed, or a deployed setting that differs from
    the repository's; the report says which."""

    exit_code = 12


__all__ = [
    "ClusterError",
    "ConfigError",
    "ControlsFailed",
    "InputError",
    "IntegrityError",
    "KAnonymityError",
    "ObjectNotFoundError",
    "PipelineError",
    "PrivacyError",
    "SecureMlopsError",
    "StorageError",
    "ValidationFailed",
    "VaultError",
]
