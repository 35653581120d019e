"""`secure-mlops audit --live`: does a deployed environment match the repository's intent?

Read-only, with whatever credentials the audit is given (the auditor's Vault policy and IAM role
are meant for it): the Vault policies and Transit keys through the project's Vault client, the
lake's buckets through boto3. Each finding is a `LiveCheck` with what the repository expects and
what was found; a read the credentials may not make is a failed check, not a crash, so one
missing grant does not hide the rest.

Which Terraform environment's values to expect (rotation periods, min_version) is a choice of
the caller: `env` names a folder of infra/terraform/envs, read with its terraform.tfvars and the
variables' defaults, exactly as `terraform apply` there would. Everything else (policy texts,
key types and flags, bucket hardening) is the same in every environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from secure_mlops.audit.live_check import LiveCheck
from secure_mlops.audit.live_s3 import check_buckets
from secure_mlops.audit.live_vault import check_vault
from secure_mlops.config import Settings
from secure_mlops.vault.client import connect

DEFAULT_ENV: Final = "prod"

__all__ = ["DEFAULT_ENV", "LiveCheck", "check_buckets", "check_live", "check_vault", "live_section"]


def check_live(
    settings: Settings, *, buckets: Sequence[str], env: str = DEFAULT_ENV, kms_key_arn: str | None = None
) -> list[LiveCheck]:
    """Vault's policies and Transit keys, then each bucket of `buckets` (none: Vault only).

    Raises ConfigError when the repository's intent cannot be read or Vault cannot be logged in
    to, InputError for an unknown `env` or a malformed bucket name, VaultError or StorageError
    when a server cannot be asked at all. A refused or failed comparison is a failed LiveCheck.
    """
    checks = check_vault(connect(settings), settings, env=env)
    if buckets:
        checks += check_buckets(settings, buckets, kms_key_arn=kms_key_arn)
    return checks


def live_section(checks: Sequence[LiveCheck], *, env: str) -> dict[str, Any]:
    """The checks as the report's `live` section: summary counts, then every check in order."""
    failed = sum(not check.passed for check in checks)
    return {
        "env": env,
        "summary": {"checks": len(checks), "passed": len(checks) - failed, "failed": failed},
        "checks": [check.to_dict() for check in checks],
    }
