"""Terraform's own evaluation of our variable validations, offline.

A module's variables files (variables.tf, and the variables-*.tf files a module shares with the
environment root by symlink) need no provider: copied alone into a folder, `terraform plan`
evaluates every validation rule against the values we give it. This checks that bad input (a
wildcard service account, a token living longer than an hour, raw data kept for a year and
more) is refused by Terraform itself, and that each environment's terraform.tfvars is accepted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.tools import path_tool

TERRAFORM = Path(__file__).resolve().parents[2] / "infra" / "terraform"

ROLE = {
    "namespace": "secure-mlops", "service_account": "secure-mlops-inference",
    "token_ttl_seconds": 900, "token_max_ttl_seconds": 3600,
}
WORKLOAD = {"namespace": "secure-mlops", "service_account": "secure-mlops-inference", "policy": "inference"}
IRSA = {
    "type": "irsa",
    "oidc_provider_arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLE",
    "oidc_provider_url": "https://oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLE",
}
DATA_LAKE = {
    "bucket_arn": "arn:aws:s3:::example-lake",
    "audit_bucket_arn": "arn:aws:s3:::example-lake-audit",
    "kms_key_arn": "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
}
RETENTION = {
    "raw_expiration_days": 30, "noncurrent_version_expiration_days": 7,
    "abort_incomplete_upload_days": 1, "access_log_expiration_days": 365,
}
TRANSIT = {
    "data_key_rotation_period_seconds": 2592000, "signing_key_rotation_period_seconds": 7776000,
    "min_version": {"data": 1, "pseudonym": 1, "signing": 1},
}
K8S_AUTH = {"mount_path": "kubernetes", "kubernetes_host": "https://api:6443", "audience": "vault"}
NONCURRENT_RULE = {"id": "expire-noncurrent-versions", "noncurrent_version_expiration_days": 7,
                   "abort_incomplete_upload_days": 1}

HARDENED_BUCKET = "modules/data-lake/modules/hardened-bucket"

# Valid values for each module's required variables; each case below changes one of them.
VALID = {
    "modules/data-lake": {"data_bucket_name": "example-lake"},
    "modules/workload-identities": {
        "environment": "dev",
        "identity_provider": IRSA,
        "workloads": {"inference": WORKLOAD},
        "data_lake": DATA_LAKE,
    },
    "modules/vault": {"roles": {"secure-mlops-inference": ROLE}},
    "envs/dev": {
        "region": "eu-central-1", "allowed_account_ids": ["111122223333"],
        "vault_address": "https://vault.example.com:8200",
        "environment": "dev", "data_bucket_name": "example-lake", "identity_provider": IRSA,
    },
    HARDENED_BUCKET: {
        "bucket": "example-lake",
        "encryption": {"sse_algorithm": "aws:kms", "kms_key_arn": DATA_LAKE["kms_key_arn"]},
        "access_log": {"target_bucket": "example-lake-access-logs", "target_prefix": "example-lake/"},
        "policy": '{"Version": "2012-10-17", "Statement": []}',
        "lifecycle_rules": [NONCURRENT_RULE],
    },
}

REFUSED = [
    ("modules/data-lake", "data_bucket_name", "Example_Lake"),
    ("modules/data-lake", "retention", {**RETENTION, "raw_expiration_days": 0}),
    ("modules/data-lake", "retention", {**RETENTION, "raw_expiration_days": 400}),
    ("modules/data-lake", "retention", {**RETENTION, "noncurrent_version_expiration_days": 365}),
    ("modules/data-lake", "retention", {**RETENTION, "abort_incomplete_upload_days": 30}),
    ("modules/data-lake", "retention", {**RETENTION, "access_log_expiration_days": 30}),
    ("modules/data-lake", "audit_object_lock", {"enabled": True, "mode": "OFF", "retention_days": 30}),
    ("modules/workload-identities", "workloads", {"inference": {**WORKLOAD, "namespace": "*"}}),
    ("modules/workload-identities", "workloads", {"inference": {**WORKLOAD, "service_account": "secure-mlops-*"}}),
    ("modules/workload-identities", "workloads", {"inference": {**WORKLOAD, "policy": "administrator"}}),
    ("modules/workload-identities", "identity_provider", {**IRSA, "oidc_provider_url": None}),
    ("modules/workload-identities", "identity_provider", {"type": "pod_identity"}),
    ("modules/workload-identities", "identity_provider", {"type": "static-keys"}),
    ("modules/workload-identities", "data_lake", {**DATA_LAKE, "bucket_arn": "arn:aws:s3:::example-lake/*"}),
    ("modules/workload-identities", "data_lake", {**DATA_LAKE, "kms_key_arn": "alias/example-lake"}),
    ("modules/workload-identities", "max_session_duration_seconds", 43200),
    ("modules/vault", "roles", {"secure-mlops-inference": {**ROLE, "namespace": "*"}}),
    ("modules/vault", "roles", {"secure-mlops-inference": {**ROLE, "service_account": "*"}}),
    ("modules/vault", "roles", {"secure-mlops-inference": {**ROLE, "token_max_ttl_seconds": 7200}}),
    ("modules/vault", "roles", {"secure-mlops-inference": {**ROLE, "token_max_ttl_seconds": 600}}),  # TTL above max
    ("modules/vault", "roles", {"secure-mlops-admin": ROLE}),
    ("modules/vault", "vault_token_bound_cidrs", ["0.0.0.0/0"]),
    ("modules/vault", "vault_transit", {**TRANSIT, "data_key_rotation_period_seconds": 60}),
    ("modules/vault", "vault_transit", {**TRANSIT, "min_version": {"data": 0, "pseudonym": 1, "signing": 1}}),
    ("modules/vault", "vault_kubernetes_auth", {**K8S_AUTH, "kubernetes_host": "http://api:6443"}),
    ("modules/vault", "vault_kubernetes_auth", {**K8S_AUTH, "audience": "*"}),
    ("modules/vault", "vault_kubernetes_auth", {**K8S_AUTH, "mount_path": "/kubernetes/"}),
    ("modules/vault", "human_policies", ["root"]),
    ("modules/workload-identities", "environment", "qa"),
    # The root's own inputs.
    ("envs/dev", "region", "Frankfurt"),
    ("envs/dev", "allowed_account_ids", []),
    ("envs/dev", "vault_address", "http://vault.example.com:8200"),
    ("envs/dev", "kubeflow_namespace", "*"),
    # What the root passes to a module unchanged is declared once, in the module, and included by
    # symlink: the root refuses what the module refuses.
    ("envs/dev", "environment", "qa"),
    ("envs/dev", "identity_provider", {"type": "pod_identity"}),
    ("envs/dev", "identity_provider", {"type": "static-keys"}),
    ("envs/dev", "identity_provider", {**IRSA, "oidc_provider_url": None}),
    ("envs/dev", "data_bucket_name", "example--lake"),
    ("envs/dev", "retention", {**RETENTION, "raw_expiration_days": 400}),
    ("envs/dev", "retention", {**RETENTION, "noncurrent_version_expiration_days": 365}),
    ("envs/dev", "audit_object_lock", {"enabled": True, "mode": "OFF", "retention_days": 30}),
    ("envs/dev", "audit_object_lock", {"enabled": True, "mode": "COMPLIANCE", "retention_days": 0}),
    ("envs/dev", "vault_token_bound_cidrs", ["0.0.0.0/0"]),
    ("envs/dev", "vault_transit", {**TRANSIT, "signing_key_rotation_period_seconds": 60}),
    ("envs/dev", "vault_transit", {**TRANSIT, "min_version": {"data": 1, "pseudonym": 0.5, "signing": 1}}),
    ("envs/dev", "vault_kubernetes_auth", {"kubernetes_host": "http://api:6443", "audience": "vault"}),
    ("envs/dev", "vault_kubernetes_auth", {"kubernetes_host": "https://api:6443", "audience": "*"}),
    ("envs/dev", "tags", {"": "empty key"}),
    (HARDENED_BUCKET, "encryption", {"sse_algorithm": "aws:kms"}),  # SSE-KMS without a key
    (HARDENED_BUCKET, "encryption", {"sse_algorithm": "aws:kms", "kms_key_arn": "alias/example-lake"}),
    (HARDENED_BUCKET, "encryption", {"sse_algorithm": "AES256", "kms_key_arn": DATA_LAKE["kms_key_arn"]}),
    (HARDENED_BUCKET, "access_log", {"target_bucket": "example-lake-access-logs", "target_prefix": "no-slash"}),
    (HARDENED_BUCKET, "policy", "not json"),
    # A versioned bucket whose old versions are never removed.
    (HARDENED_BUCKET, "lifecycle_rules", [{"id": "expire-raw-data", "prefix": "raw/", "expiration_days": 30}]),
    (HARDENED_BUCKET, "lifecycle_rules", [{**NONCURRENT_RULE, "prefix": "raw/"}]),
]

Plan = Callable[[str, dict[str, Any] | None, Path | None], subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    terraform = path_tool("terraform")
    folders: dict[str, Path] = {}

    def run(
        module: str, values: dict[str, Any] | None = None, var_file: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        if module not in folders:
            folders[module] = tmp_path_factory.mktemp(module.replace("/", "-"))
            for path in sorted((TERRAFORM / module).glob("variables*.tf")):  # symlinks are copied as files
                shutil.copy(path, folders[module])
        folder = folders[module]
        argv = [terraform, f"-chdir={folder}", "plan", "-input=false", "-lock=false", "-no-color"]
        if values is not None:
            (folder / "case.tfvars.json").write_text(json.dumps(values), encoding="utf-8")
            argv.append("-var-file=case.tfvars.json")
        if var_file is not None:
            argv.append(f"-var-file={var_file}")
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)

    return run


@pytest.mark.parametrize("module", sorted(VALID))
def test_valid_values_pass_every_validation(plan: Plan, module: str) -> None:
    result = plan(module, VALID[module], None)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("module", "variable", "value"), REFUSED, ids=lambda v: v if isinstance(v, str) else json.dumps(v)
)
@pytest.mark.control("retention", "least-privilege-iam")
def test_invalid_value_is_refused_by_terraform(plan: Plan, module: str, variable: str, value: Any) -> None:
    result = plan(module, {**VALID[module], variable: value}, None)
    assert result.returncode != 0
    assert "Invalid value for variable" in result.stderr and f"var.{variable}" in result.stderr, result.stderr


@pytest.mark.parametrize("env", ["dev", "prod"])
@pytest.mark.control("secure-infra-defaults")
def test_environment_tfvars_pass_every_validation(plan: Plan, env: str) -> None:
    # envs/prod has the same variables files as envs/dev (test_terraform_static checks that).
    result = plan("envs/dev", None, TERRAFORM / "envs" / env / "terraform.tfvars")
    assert result.returncode == 0, result.stderr
