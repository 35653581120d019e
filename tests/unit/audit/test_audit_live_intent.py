"""The live audit's reading of the repository's intent and its comparisons, without servers:
Terraform's key settings per environment, Vault policies compared as parsed rules, bucket
policies compared as IAM reads them (statement order, one-element lists, number spellings)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from secure_mlops.audit.intent import parse_vault_policy, render_template, transit_key_intents, vault_policy_texts
from secure_mlops.audit.live import check_buckets, live_section
from secure_mlops.audit.live_check import LiveCheck
from secure_mlops.config import Settings
from secure_mlops.errors import InputError
from tests.support.paths import POLICIES, ROOT, VAULT_POLICIES

KEY_ARN = "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture()
def settings() -> Settings:
    return Settings(project_root=ROOT)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_key_intents_are_terraforms_per_environment(settings: Settings, env: str) -> None:
    keys = {key.purpose: key for key in transit_key_intents(settings, env)}
    assert {p: (k.name, k.type, k.key_size, k.auto_rotate_period, k.min_version) for p, k in keys.items()} == {
        "data": ("secure-mlops-data", "aes256-gcm96", None, 2592000, 1),
        "pseudonym": ("secure-mlops-pseudonym", "hmac", 32, 0, 1),
        "signing": ("secure-mlops-signing", "ed25519", None, 7776000, 1),
    }


def test_key_names_are_the_applications(settings: Settings) -> None:
    renamed = settings.model_copy(update={"data_key_name": "other-data"})
    assert {key.name for key in transit_key_intents(renamed, "prod")} >= {"other-data"}


def test_an_unknown_environment_is_refused_naming_the_known_ones(settings: Settings) -> None:
    with pytest.raises(InputError, match="staging") as raised:
        transit_key_intents(settings, "staging")
    assert raised.value.hint == "environments: dev, prod"


def test_every_policy_file_is_intended(settings: Settings) -> None:
    assert sorted(vault_policy_texts(settings)) == sorted(p.stem for p in VAULT_POLICIES.glob("*.hcl"))


def test_vault_policies_compare_as_rules_not_text() -> None:
    original = (VAULT_POLICIES / "secure-mlops-operator.hcl").read_text(encoding="utf-8")
    rules = parse_vault_policy(original)
    reformatted = "\n".join(line.strip() for line in original.splitlines() if not line.startswith("#"))
    as_json = json.dumps({"path": {path: bodies[0] for path, bodies in rules.items()}})
    assert parse_vault_policy(reformatted) == rules
    assert parse_vault_policy(as_json) == rules
    assert parse_vault_policy('path "a" { capabilities = ["update", "read"] }') == \
        parse_vault_policy('path "a" {\n  capabilities = ["read", "update"] # either order\n}')
    read, listing = 'path "a" { capabilities = ["read"] }', 'path "a" { capabilities = ["list"] }'
    assert parse_vault_policy(read) != parse_vault_policy(listing)
    with pytest.raises(ValueError, match="not HCL or JSON"):
        parse_vault_policy('path "a" {')


# --- Buckets, with a stand-in client answering as S3 does -------------------------------------


class StubS3:
    """Answers the five reads from `answers` (an exception code string raises ClientError)."""

    def __init__(self, **answers: Any) -> None:
        self.meta = SimpleNamespace(region_name="eu-central-1")
        self.answers = answers

    def _answer(self, operation: str) -> dict[str, Any]:
        answer = self.answers[operation]
        if isinstance(answer, str):
            raise ClientError({"Error": {"Code": answer, "Message": "x"}}, operation)
        return answer

    def get_bucket_policy(self, Bucket: str) -> dict[str, Any]:
        return self._answer("policy")

    def get_bucket_encryption(self, Bucket: str) -> dict[str, Any]:
        return self._answer("encryption")

    def get_bucket_versioning(self, Bucket: str) -> dict[str, Any]:
        return self._answer("versioning")

    def get_public_access_block(self, Bucket: str) -> dict[str, Any]:
        return self._answer("block")

    def get_bucket_logging(self, Bucket: str) -> dict[str, Any]:
        return self._answer("logging")


def intended_policy(bucket: str = "lake") -> dict[str, Any]:
    text = (POLICIES / "s3" / "data-bucket-policy.json.tftpl").read_text(encoding="utf-8")
    return json.loads(render_template(text, {"bucket_arn": f"arn:aws:s3:::{bucket}", "kms_key_arn": KEY_ARN}))


def hardened(policy: dict[str, Any] | str, algorithm: str = "aws:kms") -> StubS3:
    default = {"SSEAlgorithm": algorithm, **({"KMSMasterKeyID": KEY_ARN} if algorithm == "aws:kms" else {})}
    return StubS3(
        policy=policy if isinstance(policy, str) else {"Policy": json.dumps(policy)},
        encryption={"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": algorithm == "aws:kms"}]}},
        versioning={"Status": "Enabled"},
        block={"PublicAccessBlockConfiguration": dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)},
        logging={"LoggingEnabled": {"TargetBucket": "lake-access-logs", "TargetPrefix": "lake/"}},
    )


def failures(checks: list[LiveCheck]) -> dict[str, str]:
    return {check.id: check.found for check in checks if not check.passed}


def test_a_policy_spelled_differently_but_meaning_the_same_passes(settings: Settings) -> None:
    policy = intended_policy()
    policy["Statement"].reverse()
    for statement in policy["Statement"]:
        statement["Principal"] = {"AWS": "*"}
        if statement["Sid"] == "DenyTlsOlderThan12":
            statement["Condition"]["NumericLessThan"]["s3:TlsVersion"] = "1.2"
        if statement["Sid"] == "DenyUploadsEncryptedWithAnythingButSseKms":
            statement["Resource"] = [statement["Resource"]]
    assert failures(check_buckets(settings, ["lake"], client=hardened(policy))) == {}


def test_a_policy_for_another_bucket_or_key_fails(settings: Settings) -> None:
    assert failures(check_buckets(settings, ["lake"], client=hardened(intended_policy("other")))) == {
        "s3-bucket-policy": "statement DenyRequestsWithoutTls differs; statement DenyTlsOlderThan12 differs; "
        "statement DenyUploadsEncryptedWithAnythingButSseKms differs; statement DenyUploadsUnderAnotherKmsKey differs"}
    extra = intended_policy()
    extra["Statement"].append({"Sid": "AllowEveryone", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"})
    assert failures(check_buckets(settings, ["lake"], client=hardened(extra))) == {
        "s3-bucket-policy": "extra statement AllowEveryone"}


def test_without_a_kms_key_to_render_any_key_in_the_policy_is_accepted(settings: Settings) -> None:
    """SSE-S3 fails the encryption check only: the policy is not blamed for the key it names."""
    found = failures(check_buckets(settings, ["lake"], client=hardened(intended_policy(), algorithm="AES256")))
    assert found == {"s3-default-encryption": "AES256 (SSE-S3), bucket key disabled"}


def test_a_read_denied_is_a_failed_check_naming_the_action_and_the_iam_policy(settings: Settings) -> None:
    found = failures(check_buckets(settings, ["lake"], client=hardened("AccessDenied")))
    assert found == {"s3-bucket-policy": "cannot be read: access denied for s3:GetBucketPolicy "
                     "(grant it in policies/iam/auditor.json.tftpl)"}


def test_settings_never_made_are_findings(settings: Settings) -> None:
    stub = StubS3(policy="NoSuchBucketPolicy", encryption="ServerSideEncryptionConfigurationNotFoundError",
                  versioning={}, block="NoSuchPublicAccessBlockConfiguration", logging={})
    assert failures(check_buckets(settings, ["lake"], client=stub)) == {
        "s3-bucket-policy": "no bucket policy",
        "s3-default-encryption": "no default encryption",
        "s3-versioning": "versioning never enabled",
        "s3-public-access-block": "no public access block",
        "s3-access-logging": "server access logging disabled",
    }


@pytest.mark.parametrize("name", ["s3://lake", "Lake", "a", "lake/raw"])
def test_a_malformed_bucket_name_is_refused(settings: Settings, name: str) -> None:
    with pytest.raises(InputError, match="not an S3 bucket name"):
        check_buckets(settings, [name], client=StubS3())


def test_the_report_section_counts_and_lists_every_check() -> None:
    checks = [LiveCheck("s3-versioning", "t", "s3://lake", "pass", "versioning Enabled", "versioning Enabled",
                        "lake-access-hardening"),
              LiveCheck("vault-policy", "t", "vault:sys/policies/acl/x", "fail", "e", "the policy does not exist",
                        "least-privilege-vault")]
    section = live_section(checks, env="prod")
    assert section["summary"] == {"checks": 2, "passed": 1, "failed": 1}
    assert list(section["checks"][0]) == ["id", "title", "target", "status", "expected", "found", "control"]
