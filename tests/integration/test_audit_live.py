"""`audit --live` against real servers: an OpenBao set up as infra/terraform/modules/vault sets it
up, and moto buckets hardened as infra/terraform/modules/data-lake hardens them, pass every
check; each single deviation fails exactly the check for it, saying what differs.

OpenBao is this module's own: keys are deliberately set up wrongly (exportable can never be
unset), which the session's shared server must not see.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import hvac
import pytest
from pydantic import SecretStr

from secure_mlops.audit.intent import KeyIntent, render_template, transit_key_intents
from secure_mlops.audit.live import check_buckets, check_live
from secure_mlops.audit.live_check import LiveCheck
from secure_mlops.config import Settings
from secure_mlops.errors import VaultError
from tests.support.cli import clean_env, run_cli
from tests.support.paths import POLICIES, TERRAFORM, VAULT_POLICIES
from tests.support.policies import VAULT_POLICY_NAMES, policy_token
from tests.support.servers import free_port, own_dev_vault

pytestmark = pytest.mark.integration

ENV = "prod"
CHECKS_PER_KEY = 6
CHECKS_PER_BUCKET = 5


def only_failure(checks: Sequence[LiveCheck]) -> LiveCheck:
    failed = [check for check in checks if not check.passed]
    assert len(failed) == 1, json.dumps([check.to_dict() for check in failed], indent=1)
    return failed[0]


# --- Vault, as Terraform writes it ----------------------------------------------------------


def write_policies(root: hvac.Client) -> None:
    for name in VAULT_POLICY_NAMES:
        root.sys.create_or_update_policy(name, (VAULT_POLICIES / f"{name}.hcl").read_text(encoding="utf-8"))


def create_keys(
    root: hvac.Client, mount: str, keys: Sequence[KeyIntent], changes: dict[str, dict[str, Any]] | None = None
) -> None:
    """The Transit mount and keys as vault_transit_secret_backend_key creates them, with `changes`
    (purpose -> key configuration) applied on top."""
    root.sys.enable_secrets_engine("transit", path=mount)
    for key in keys:
        # hvac validates key types client-side and does not know `hmac`: post as the provider does.
        root.adapter.post(f"/v1/{mount}/keys/{key.name}",
                          json={"type": key.type, **({"key_size": key.key_size} if key.key_size else {})})
        config = {
            "auto_rotate_period": key.auto_rotate_period,
            "min_decryption_version": key.min_version,
            "min_encryption_version": key.min_version,
            "exportable": False,
            "allow_plaintext_backup": False,
            "deletion_allowed": False,
            **(changes or {}).get(key.purpose, {}),
        }
        root.adapter.post(f"/v1/{mount}/keys/{key.name}/config", json=config)


@pytest.fixture(scope="module")
def terraformed_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[hvac.Client, Settings]]:
    """A fresh OpenBao with every policy and the Transit keys written as Terraform intends."""
    with own_dev_vault(tmp_path_factory.mktemp("vault-live-audit"), tmp_path_factory.mktemp("state")) as (root, settings):
        write_policies(root)
        create_keys(root, settings.transit_mount, transit_key_intents(settings, ENV))
        yield root, settings


def audit_vault(settings: Settings, token: str, **overrides: Any) -> list[LiveCheck]:
    """The live audit of Vault alone, logged in with `token` through the project's client."""
    return check_live(settings.model_copy(update={"vault_token": SecretStr(token), **overrides}), buckets=[], env=ENV)


@contextmanager
def policy_replaced(root: hvac.Client, name: str, text: str | None) -> Iterator[None]:
    """The server's policy `name` replaced by `text` (None: deleted), restored afterwards."""
    if text is None:
        root.sys.delete_policy(name)
    else:
        root.sys.create_or_update_policy(name, text)
    try:
        yield
    finally:
        root.sys.create_or_update_policy(name, (VAULT_POLICIES / f"{name}.hcl").read_text(encoding="utf-8"))


@pytest.mark.control("least-privilege-vault", "key-lifecycle", "signed-provenance")
def test_live_vault_as_terraform_writes_it_passes_every_check_with_the_auditor_token(
    terraformed_vault: tuple[hvac.Client, Settings]
) -> None:
    root, settings = terraformed_vault
    auditor = policy_token(root, "secure-mlops-auditor")
    checks = audit_vault(settings, auditor)

    assert [check.to_dict() for check in checks if not check.passed] == []
    assert len(checks) == len(VAULT_POLICY_NAMES) + 3 * CHECKS_PER_KEY
    assert {check.target for check in checks} >= {f"vault:sys/policies/acl/{name}" for name in VAULT_POLICY_NAMES} | {
        f"vault:transit/keys/{name}" for name in (settings.data_key_name, settings.pseudonym_key_name, settings.signing_key_name)}
    rotation = next(c for c in checks if c.id == "vault-key-rotation" and c.target.endswith(settings.data_key_name))
    assert rotation.found == "auto_rotate_period 2592000 s (30 days)"
    # The report never carries a credential.
    text = json.dumps([check.to_dict() for check in checks])
    assert auditor not in text and root.token not in text


@pytest.mark.control("least-privilege-vault")
def test_a_policy_formatted_differently_still_matches(terraformed_vault: tuple[hvac.Client, Settings]) -> None:
    root, settings = terraformed_vault
    original = (VAULT_POLICIES / "secure-mlops-operator.hcl").read_text(encoding="utf-8")
    reformatted = "\n".join(re.sub(r"\s+", "  ", line) for line in original.splitlines() if not line.startswith("#"))
    with policy_replaced(root, "secure-mlops-operator", reformatted + "\n# a comment Terraform never wrote\n"):
        checks = audit_vault(settings, root.token)
    assert all(check.passed for check in checks)


@pytest.mark.control("least-privilege-vault")
def test_a_changed_policy_line_fails_that_policy_naming_the_path(terraformed_vault: tuple[hvac.Client, Settings]) -> None:
    root, settings = terraformed_vault
    original = (VAULT_POLICIES / "secure-mlops-inference.hcl").read_text(encoding="utf-8")
    path = f"transit/verify/{settings.signing_key_name}"
    widened = re.sub(rf'(path "{re.escape(path)}" \{{\s*capabilities = )\["update"\]', r'\1["update", "create"]', original)
    assert widened != original
    with policy_replaced(root, "secure-mlops-inference", widened):
        failure = only_failure(audit_vault(settings, root.token))
    assert (failure.id, failure.target) == ("vault-policy", "vault:sys/policies/acl/secure-mlops-inference")
    assert failure.found == (f'path {path} has {{"capabilities":["create","update"]}} '
                             f'instead of {{"capabilities":["update"]}}')


@pytest.mark.control("least-privilege-vault")
def test_a_missing_policy_fails_that_policy(terraformed_vault: tuple[hvac.Client, Settings]) -> None:
    root, settings = terraformed_vault
    with policy_replaced(root, "secure-mlops-key-shredder", None):
        failure = only_failure(audit_vault(settings, root.token))
    assert (failure.target, failure.found) == ("vault:sys/policies/acl/secure-mlops-key-shredder", "the policy does not exist")
    assert failure.expected.startswith("the rules of policies/vault/secure-mlops-key-shredder.hcl")


@pytest.mark.control("least-privilege-vault")
def test_a_read_the_token_may_not_make_is_a_failed_check_naming_the_auditor_policy(
    terraformed_vault: tuple[hvac.Client, Settings]
) -> None:
    root, settings = terraformed_vault
    checks = audit_vault(settings, policy_token(root, "secure-mlops-pipeline"))
    policy_checks = [check for check in checks if check.id == "vault-policy"]
    assert len(policy_checks) == len(VAULT_POLICY_NAMES)
    for check in policy_checks:
        assert not check.passed
        assert "permission denied" in check.found and "policies/vault/secure-mlops-auditor.hcl" in check.found


def test_a_token_vault_refuses_stops_the_audit_instead_of_failing_every_check(
    terraformed_vault: tuple[hvac.Client, Settings]
) -> None:
    _, settings = terraformed_vault
    with pytest.raises(VaultError, match="look up the audit's own token: permission denied"):
        audit_vault(settings, "s.not-a-token")


def test_an_unreachable_vault_stops_the_audit(tmp_path: Path) -> None:
    closed = Settings(vault_addr=f"http://127.0.0.1:{free_port()}", vault_token="t", state_dir=tmp_path)
    with pytest.raises(VaultError, match="cannot reach Vault"):
        check_live(closed, buckets=[])


# Each deviation on a Transit mount of its own: `exportable` and `allow_plaintext_backup` can
# never be unset once set, so no key is changed back.
KEY_DEVIATIONS = [
    pytest.param("data", {"exportable": True}, "vault-key-exportable", "exportable true", id="exportable-data-key"),
    pytest.param("data", {"deletion_allowed": True}, "vault-key-deletion", "deletion_allowed true", id="deletable-data-key"),
    pytest.param("pseudonym", {"exportable": True, "allow_plaintext_backup": True}, None, None,
                 id="pseudonym-key-exportable-and-backed-up"),
    pytest.param("data", {"auto_rotate_period": 0}, "vault-key-rotation", "auto_rotate_period 0 (no automatic rotation)",
                 id="data-key-without-rotation"),
    pytest.param("signing", {"exportable": True}, "vault-key-exportable", "exportable true", id="exportable-signing-key"),
    pytest.param("signing", {"deletion_allowed": True}, "vault-key-deletion", "deletion_allowed true",
                 id="deletable-signing-key"),
    pytest.param("signing", {"min_encryption_version": 0}, "vault-key-versions",
                 "min_decryption_version 1, min_encryption_version 0, latest_version 1", id="signing-key-min-version-unset"),
]


@pytest.mark.parametrize(("purpose", "change", "check_id", "found"), KEY_DEVIATIONS)
@pytest.mark.control("key-lifecycle", "signed-provenance")
def test_a_transit_key_set_up_wrongly_fails_exactly_that_check(
    terraformed_vault: tuple[hvac.Client, Settings], purpose: str, change: dict[str, Any], check_id: str | None,
    found: str | None,
) -> None:
    root, settings = terraformed_vault
    mount = f"transit-{uuid.uuid4().hex[:8]}"
    keys = transit_key_intents(settings, ENV)
    create_keys(root, mount, keys, {purpose: change})
    checks = audit_vault(settings, root.token, transit_mount=mount)
    name = next(key.name for key in keys if key.purpose == purpose)
    failed = {(check.id, check.target, check.found) for check in checks if not check.passed}
    if check_id is None:  # two deviations at once: exactly their two checks
        assert failed == {("vault-key-exportable", f"vault:{mount}/keys/{name}", "exportable true"),
                          ("vault-key-plaintext-backup", f"vault:{mount}/keys/{name}", "allow_plaintext_backup true")}
        return
    assert failed == {(check_id, f"vault:{mount}/keys/{name}", found)}
    failure = only_failure(checks)
    assert failure.expected != failure.found and failure.status == "fail"


def test_a_missing_key_fails_each_of_its_checks(terraformed_vault: tuple[hvac.Client, Settings]) -> None:
    root, settings = terraformed_vault
    checks = audit_vault(settings, root.token, signing_key_name="secure-mlops-signing-never-created")
    failed = [check for check in checks if not check.passed]
    assert len(failed) == CHECKS_PER_KEY
    assert {check.found for check in failed} == {"the key does not exist"}


# --- Buckets, as the data-lake module hardens them -------------------------------------------


def render_s3_policy(template: str, **values: str) -> str:
    return render_template((POLICIES / "s3" / template).read_text(encoding="utf-8"), values)


@pytest.fixture()
def lake(aws_env: str) -> tuple[str, str]:
    """A data bucket hardened as hardened-bucket does it, logging to its own log bucket; returns
    (bucket, KMS key ARN)."""
    s3 = boto3.client("s3")
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    logs = f"{bucket}-access-logs"
    key_arn = boto3.client("kms").create_key(Description=f"SSE-KMS key of {bucket}")["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket=logs)
    # The log-delivery grant as a canned ACL, not the log bucket's policy: moto's check of that
    # policy breaks on its `"Principal": "*"` statements. The log bucket is not audited here.
    s3.put_bucket_acl(Bucket=logs, ACL="log-delivery-write")
    s3.create_bucket(Bucket=bucket)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
        "BucketKeyEnabled": True}]})
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": f"{bucket}/"}})
    s3.put_bucket_policy(Bucket=bucket, Policy=render_s3_policy(
        "data-bucket-policy.json.tftpl", bucket_arn=f"arn:aws:s3:::{bucket}", kms_key_arn=key_arn))
    return bucket, key_arn


def audit_buckets(buckets: Sequence[str], **kwargs: Any) -> list[LiveCheck]:
    return check_buckets(Settings(), buckets, **kwargs)


@pytest.mark.control("lake-access-hardening", "lake-encryption-at-rest")
def test_a_bucket_hardened_as_terraform_does_passes_every_check(lake: tuple[str, str]) -> None:
    bucket, key_arn = lake
    for checks in (audit_buckets([bucket]), audit_buckets([bucket], kms_key_arn=key_arn)):
        assert [check.to_dict() for check in checks if not check.passed] == []
        assert [check.id for check in checks] == [
            "s3-bucket-policy", "s3-default-encryption", "s3-versioning", "s3-public-access-block", "s3-access-logging"]
        assert {check.target for check in checks} == {f"s3://{bucket}"}
    found = {check.id: check.found for check in checks}
    assert found["s3-bucket-policy"] == "the same 4 statements"
    assert found["s3-access-logging"] == f"server access logs delivered to s3://{bucket}-access-logs/{bucket}/"


def _without_statement(sid: str) -> Callable[[Any, str, str], None]:
    def change(s3: Any, bucket: str, key_arn: str) -> None:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != sid]
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return change


def _public_access_block(**flags: bool) -> Callable[[Any, str, str], None]:
    on = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    return lambda s3, bucket, _: s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**on, **flags})


def _encryption(rule: dict[str, Any], bucket_key: bool) -> Callable[[Any, str, str], None]:
    def change(s3: Any, bucket: str, key_arn: str) -> None:
        default = {k: (key_arn if v == "KEY" else v) for k, v in rule.items()}
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bucket_key}]})
    return change


BUCKET_DEVIATIONS = [
    pytest.param(lambda s3, bucket, _: s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}),
                 "s3-versioning", "versioning Suspended", id="versioning-suspended"),
    pytest.param(_public_access_block(RestrictPublicBuckets=False), "s3-public-access-block", "RestrictPublicBuckets false",
                 id="public-access-block-flag-off"),
    pytest.param(_public_access_block(BlockPublicAcls=False, IgnorePublicAcls=False), "s3-public-access-block",
                 "BlockPublicAcls, IgnorePublicAcls false", id="public-acls-allowed"),
    pytest.param(lambda s3, bucket, _: s3.delete_bucket_policy(Bucket=bucket), "s3-bucket-policy", "no bucket policy",
                 id="no-bucket-policy"),
    pytest.param(_without_statement("DenyTlsOlderThan12"), "s3-bucket-policy", "statement DenyTlsOlderThan12 missing",
                 id="policy-statement-removed"),
    pytest.param(_encryption({"SSEAlgorithm": "AES256"}, bucket_key=False), "s3-default-encryption",
                 "AES256 (SSE-S3), bucket key disabled", id="sse-s3-instead-of-kms"),
    pytest.param(_encryption({"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "KEY"}, bucket_key=False),
                 "s3-default-encryption", None, id="bucket-key-disabled"),
    pytest.param(lambda s3, bucket, _: s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={}),
                 "s3-access-logging", "server access logging disabled", id="access-logging-off"),
]


@pytest.mark.parametrize(("deviate", "check_id", "found"), BUCKET_DEVIATIONS)
@pytest.mark.control("lake-access-hardening", "lake-encryption-at-rest")
def test_a_bucket_deviating_from_terraform_fails_exactly_that_check(
    lake: tuple[str, str], deviate: Callable[[Any, str, str], None], check_id: str, found: str | None
) -> None:
    bucket, key_arn = lake
    deviate(boto3.client("s3"), bucket, key_arn)
    failure = only_failure(audit_buckets([bucket]))
    assert (failure.id, failure.target) == (check_id, f"s3://{bucket}")
    assert failure.found == (found or f"aws:kms (SSE-KMS) under {key_arn}, bucket key disabled")
    assert failure.expected != failure.found


@pytest.mark.control("lake-encryption-at-rest")
def test_a_bucket_under_another_kms_key_than_the_lake_key_fails_encryption_and_policy(lake: tuple[str, str]) -> None:
    bucket, _ = lake
    other = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    checks = audit_buckets([bucket], kms_key_arn=other)
    assert {check.id for check in checks if not check.passed} == {"s3-default-encryption", "s3-bucket-policy"}
    policy = next(check for check in checks if check.id == "s3-bucket-policy")
    assert policy.found == "statement DenyUploadsUnderAnotherKmsKey differs"


def test_a_missing_bucket_fails_each_of_its_checks(aws_env: str) -> None:
    checks = audit_buckets([f"absent-{uuid.uuid4().hex[:12]}"])
    assert len(checks) == CHECKS_PER_BUCKET
    assert {(check.status, check.found) for check in checks} == {("fail", "no such bucket")}


# --- Both at once ----------------------------------------------------------------------------


@pytest.mark.control("least-privilege-vault", "key-lifecycle", "lake-access-hardening", "lake-encryption-at-rest")
def test_check_live_audits_vault_then_each_bucket(
    terraformed_vault: tuple[hvac.Client, Settings], lake: tuple[str, str]
) -> None:
    root, settings = terraformed_vault
    bucket, _ = lake
    checks = check_live(settings.model_copy(update={"vault_token": SecretStr(policy_token(root, "secure-mlops-auditor"))}),
                        buckets=[bucket], env=ENV)
    assert all(check.passed for check in checks)
    assert len(checks) == len(VAULT_POLICY_NAMES) + 3 * CHECKS_PER_KEY + CHECKS_PER_BUCKET
    assert checks[-1].target == f"s3://{bucket}"


def _project_with_one_control_test(root_dir: Path) -> Path:
    """A checkout's policies and infra/terraform (the intent --live reads), with a one-control
    catalogue and one passing test naming it: the CLI's live path, without the whole suite."""
    shutil.copytree(POLICIES, root_dir / "policies")
    (root_dir / "infra").mkdir()
    (root_dir / "infra" / "terraform").symlink_to(TERRAFORM, target_is_directory=True)
    (root_dir / "policies" / "controls.yaml").write_text(
        "controls:\n  - {id: key-lifecycle, title: Keys rotate, threats: [T1], owasp: [], engine: openbao}\n",
        encoding="utf-8")
    (root_dir / "tests").mkdir()
    (root_dir / "tests" / "test_one.py").write_text(
        "import pytest\n\n@pytest.mark.control('key-lifecycle')\ndef test_one():\n    pass\n", encoding="utf-8")
    return root_dir


@pytest.mark.control("least-privilege-vault", "key-lifecycle")
def test_audit_live_adds_the_deployed_environment_to_the_report_and_fails_on_a_deviation(
    terraformed_vault: tuple[hvac.Client, Settings], tmp_path: Path
) -> None:
    root, settings = terraformed_vault
    project = _project_with_one_control_test(tmp_path / "project")
    env = clean_env(VAULT_ADDR=settings.vault_addr, VAULT_TOKEN=policy_token(root, "secure-mlops-auditor"),
                    SECURE_MLOPS_PROJECT_ROOT=str(project), SECURE_MLOPS_STATE_DIR=str(tmp_path / "state"))

    result = run_cli("audit", "--live", "--env", ENV, "--out", tmp_path / "right", env=env)
    assert result.returncode == 0, result.stderr
    checks = len(VAULT_POLICY_NAMES) + 3 * CHECKS_PER_KEY
    assert result.stdout.splitlines()[-1] == f"1 of 1 controls passed, {checks} of {checks} live checks ({ENV})"
    report = json.loads((tmp_path / "right" / "evidence.json").read_text(encoding="utf-8"))
    assert report["live"]["summary"] == {"checks": checks, "passed": checks, "failed": 0}
    assert "The deployed environment" in (tmp_path / "right" / "evidence.html").read_text(encoding="utf-8")

    with policy_replaced(root, "secure-mlops-inference", 'path "transit/*" { capabilities = ["update"] }'):
        result = run_cli("audit", "--live", "--env", ENV, "--out", tmp_path / "wrong", env=env)
    assert result.returncode == 12
    assert "failed: vault-policy vault:sys/policies/acl/secure-mlops-inference" in result.stderr
    assert "Traceback" not in result.stderr
