"""The live audit's S3 half: each lake bucket's policy, default encryption, versioning, public
access block and access logging, read with boto3 and compared with what
infra/terraform/modules/data-lake (its hardened-bucket module) configures.

Reads only (s3:GetBucket*). boto3 finds the endpoint (AWS_ENDPOINT_URL) and credentials itself.
A read the credentials may not make is a failed check naming the action to grant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from secure_mlops.audit.intent import DATA_BUCKET_POLICY, data_bucket_policy_template, render_template
from secure_mlops.audit.live_check import LiveCheck, verdict
from secure_mlops.config import Settings
from secure_mlops.errors import InputError, StorageError

IAM_AUDITOR_POLICY: Final = "policies/iam/auditor.json.tftpl"
# What S3 answers when a setting was never made: a finding, not an error.
_ABSENT: Final = {"NoSuchBucketPolicy", "ServerSideEncryptionConfigurationNotFoundError",
                  "NoSuchPublicAccessBlockConfiguration"}
_DENIED: Final = {"AccessDenied", "403", "AllAccessDisabled"}
_BUCKET_NAME: Final = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# The placeholder left in the expected policy when the lake's KMS key is not known: any string.
_ANY_KMS_KEY: Final = "${kms_key_arn}"
_PUBLIC_ACCESS_FLAGS: Final = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@dataclass(frozen=True)
class _Unread:
    why: str


def check_buckets(
    settings: Settings, buckets: Sequence[str], *, kms_key_arn: str | None = None, client: Any | None = None
) -> list[LiveCheck]:
    """Five checks per bucket, in bucket order.

    The bucket policy template needs the lake's KMS key ARN: `kms_key_arn` when given (then the
    default encryption must name that key too), else the key the bucket's default encryption
    names (Terraform gives both the same key), else any value is accepted in its place.
    Raises InputError for a malformed bucket name, StorageError when S3 cannot be asked at all.
    """
    for bucket in buckets:
        if not _BUCKET_NAME.fullmatch(bucket):
            raise InputError(f"{bucket!r} is not an S3 bucket name", hint="give the name alone, without s3://")
    template = data_bucket_policy_template(settings)
    if client is None:
        import boto3  # deferred: costs ~0.3 s and only a live audit of buckets needs it

        client = boto3.client("s3")
    partition = _partition(client.meta.region_name or "")
    checks: list[LiveCheck] = []
    for bucket in buckets:
        checks += _check_bucket(client, bucket, template, partition, kms_key_arn)
    return checks


def _check_bucket(client: Any, bucket: str, template: str, partition: str, kms_key_arn: str | None) -> list[LiveCheck]:
    target = f"s3://{bucket}"

    def check(check_id: str, title: str, control: str, expected: str, found: str | _Unread, ok: bool) -> LiveCheck:
        if isinstance(found, _Unread):
            found, ok = found.why, False
        return LiveCheck(check_id, title, target, verdict(ok), expected, found, control)

    encryption = _get(client, "GetEncryptionConfiguration", lambda: client.get_bucket_encryption(Bucket=bucket))
    rule = _default_encryption(encryption)
    # The policy names the key the bucket encrypts with; SSE-S3 or no configuration leaves it open.
    key_arn = kms_key_arn or _key_arn(rule)
    expected_policy = json.loads(render_template(template, {
        "bucket_arn": f"arn:{partition}:s3:::{bucket}", **({"kms_key_arn": key_arn} if key_arn else {}),
    }))
    policy = _get(client, "GetBucketPolicy", lambda: client.get_bucket_policy(Bucket=bucket))
    policy_found = policy if isinstance(policy, _Unread) else _policy_difference(expected_policy, policy)
    versioning = _get(client, "GetBucketVersioning", lambda: client.get_bucket_versioning(Bucket=bucket))
    block = _get(client, "GetBucketPublicAccessBlock", lambda: client.get_public_access_block(Bucket=bucket))
    logging = _get(client, "GetBucketLogging", lambda: client.get_bucket_logging(Bucket=bucket))

    encryption_expected = (f"aws:kms (SSE-KMS) under {kms_key_arn or 'a customer-managed KMS key'}, bucket key enabled")
    encryption_found = encryption if isinstance(encryption, _Unread) else _describe_encryption(rule)
    encryption_ok = (rule is not None and rule.get("SSEAlgorithm") == "aws:kms" and rule.get("BucketKeyEnabled") is True
                     and bool(rule.get("KMSMasterKeyID")) and (kms_key_arn is None or rule.get("KMSMasterKeyID") == kms_key_arn))
    status = None if isinstance(versioning, _Unread) else (versioning or {}).get("Status")
    flags = None if isinstance(block, _Unread) else ((block or {}).get("PublicAccessBlockConfiguration") or {})
    target_bucket = None if isinstance(logging, _Unread) else ((logging or {}).get("LoggingEnabled") or {}).get("TargetBucket")
    return [
        check("s3-bucket-policy", "Bucket policy is the repository's (TLS only, SSE-KMS uploads under the lake key)",
              "lake-access-hardening",
              f"{DATA_BUCKET_POLICY} rendered for {bucket} ({len(expected_policy['Statement'])} statements)",
              policy_found, isinstance(policy_found, str) and policy_found.startswith("the same")),
        check("s3-default-encryption", "Default encryption is SSE-KMS with a bucket key", "lake-encryption-at-rest",
              encryption_expected, encryption_found, encryption_ok),
        check("s3-versioning", "Versioning is enabled", "lake-access-hardening", "versioning Enabled",
              versioning if isinstance(versioning, _Unread) else f"versioning {status or 'never enabled'}",
              status == "Enabled"),
        check("s3-public-access-block", "All four public access blocks are on", "lake-access-hardening",
              "all four public access blocks true",
              block if isinstance(block, _Unread) else _describe_block(flags),
              bool(flags) and all(flags.get(flag) is True for flag in _PUBLIC_ACCESS_FLAGS)),
        check("s3-access-logging", "Server access logging is on", "lake-access-hardening",
              "server access logs delivered to a log bucket",
              logging if isinstance(logging, _Unread) else _describe_logging(logging),
              bool(target_bucket)),
    ]


def _get(client: Any, action: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any] | _Unread | None:
    """The answer; None when the setting was never made; _Unread when S3 refused to tell."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return call()
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _ABSENT:
            return None
        if code in _DENIED:
            return _Unread(f"cannot be read: access denied for s3:{action} (grant it in {IAM_AUDITOR_POLICY})")
        if code == "NoSuchBucket":
            return _Unread("no such bucket")
        return _Unread(f"cannot be read: S3 answered {code or 'an unknown error'} to s3:{action}")
    except NoCredentialsError:
        raise StorageError("no AWS credentials found for the live audit",
                           hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from None
    except BotoCoreError as exc:
        raise StorageError(f"could not ask S3 for s3:{action}: {type(exc).__name__}") from None


# --- Bucket policy ---------------------------------------------------------------------------


def _policy_difference(expected: dict[str, Any], answer: dict[str, Any] | None) -> str:
    """'the same N statements', or each statement (by Sid) that is missing, extra or different."""
    if answer is None:
        return "no bucket policy"
    try:
        live = json.loads(answer["Policy"])
    except (KeyError, TypeError, ValueError):
        return "a bucket policy that is not JSON"
    if not isinstance(live, dict):
        return "a bucket policy that is not a JSON object"
    differences = []
    top = {k: _normal(v) for k, v in expected.items() if k != "Statement"}
    live_top = {k: _normal(v) for k, v in live.items() if k != "Statement"}
    if top != live_top:
        differences.append(f"document fields {json.dumps(live_top, sort_keys=True)} instead of {json.dumps(top, sort_keys=True)}")
    wanted = [_normal(s) for s in _statements(expected)]
    present = [_normal(s) for s in _statements(live)]
    unmatched = list(present)
    for statement in wanted:
        match = next((i for i, other in enumerate(unmatched) if _matches(statement, other)), None)
        if match is not None:
            del unmatched[match]
            continue
        sid = statement.get("Sid", "(no Sid)") if isinstance(statement, dict) else "(not an object)"
        same_sid = [s for s in unmatched if isinstance(s, dict) and s.get("Sid") == sid]
        differences.append(f"statement {sid} differs" if same_sid else f"statement {sid} missing")
        unmatched = [s for s in unmatched if s not in same_sid[:1]]
    for statement in unmatched:
        differences.append(f"extra statement {statement.get('Sid', '(no Sid)') if isinstance(statement, dict) else statement}")
    return "; ".join(differences) if differences else f"the same {len(wanted)} statements"


def _statements(document: dict[str, Any]) -> list[Any]:
    found = document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def _normal(value: Any) -> Any:
    """A policy value in one spelling: a one-element list as its element, lists as sorted sets,
    numbers and booleans as the strings IAM compares them as, Principal "*" as {"AWS": "*"}."""
    if isinstance(value, dict):
        return {k: ({"AWS": "*"} if k == "Principal" and v == "*" else _normal(v)) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        return items[0] if len(items) == 1 else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value if isinstance(value, str) else json.dumps(value)


def _matches(expected: Any, found: Any) -> bool:
    """Equality, with the unknown-KMS-key placeholder matching any one string."""
    if expected == _ANY_KMS_KEY:
        return isinstance(found, str)
    if isinstance(expected, dict):
        return isinstance(found, dict) and expected.keys() == found.keys() and all(
            _matches(v, found[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(found, list) and len(expected) == len(found) and all(
            _matches(e, f) for e, f in zip(expected, found, strict=True))
    return bool(expected == found)


# --- Encryption, public access block, logging ------------------------------------------------


def _default_encryption(answer: dict[str, Any] | _Unread | None) -> dict[str, Any] | None:
    """The first rule's default encryption, flattened with its BucketKeyEnabled."""
    if not isinstance(answer, dict):
        return None
    rules = (answer.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    if not rules:
        return None
    return {**(rules[0].get("ApplyServerSideEncryptionByDefault") or {}), "BucketKeyEnabled": rules[0].get("BucketKeyEnabled")}


def _key_arn(rule: dict[str, Any] | None) -> str | None:
    key = (rule or {}).get("KMSMasterKeyID")
    # A key id or alias would not be what Terraform rendered into the policy: the ARN.
    return key if isinstance(key, str) and key.startswith("arn:") and ":key/" in key else None


def _describe_encryption(rule: dict[str, Any] | None) -> str:
    if rule is None:
        return "no default encryption"
    algorithm = rule.get("SSEAlgorithm")
    kind = {"aws:kms": "SSE-KMS", "AES256": "SSE-S3", "aws:kms:dsse": "DSSE-KMS"}.get(str(algorithm), "unknown")
    key = f" under {rule['KMSMasterKeyID']}" if rule.get("KMSMasterKeyID") else " under no KMS key"
    bucket_key = "enabled" if rule.get("BucketKeyEnabled") is True else "disabled"
    return f"{algorithm} ({kind}){key if algorithm != 'AES256' else ''}, bucket key {bucket_key}"


def _describe_block(flags: dict[str, Any] | None) -> str:
    if not flags:
        return "no public access block"
    off = [flag for flag in _PUBLIC_ACCESS_FLAGS if flags.get(flag) is not True]
    return f"{', '.join(off)} false" if off else "all four public access blocks true"


def _describe_logging(answer: dict[str, Any] | None) -> str:
    enabled = (answer or {}).get("LoggingEnabled") or {}
    if not enabled.get("TargetBucket"):
        return "server access logging disabled"
    return f"server access logs delivered to s3://{enabled['TargetBucket']}/{enabled.get('TargetPrefix', '')}"


def _partition(region: str) -> str:
    """The ARN partition of the region the client talks to (Terraform's aws_partition)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
