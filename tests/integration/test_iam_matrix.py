"""The workload IAM policies enforced by a real S3 API: moto in server mode with IAM checks on.

Each workload is an IAM user holding its rendered policy (policies/iam/<policy>.json.tftpl);
the S3 object requests of its allow/deny examples (<policy>.cases.yaml) are sent with that
user's keys. moto evaluates Action and Resource but no condition keys, so requests whose
outcome depends on a condition (listing by prefix, KMS via S3) are covered offline only, by
tests/policies/test_iam_policies.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
import requests

from tests.support.paths import IAM_POLICIES as IAM
from tests.support.policies import WORKLOAD_POLICIES, load_cases, render_policy
from tests.support.servers import Server, start_moto

pytestmark = pytest.mark.integration

LAKE, AUDIT = "lake", "lake-audit"
ARNS = {"bucket_arn": f"arn:aws:s3:::{LAKE}", "audit_bucket_arn": f"arn:aws:s3:::{AUDIT}"}
OBJECT_ACTIONS = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}


def _object_cases(policy: str) -> list[tuple[str, str, bool]]:
    """(action, object ARN, allowed?) for the plain object requests of a policy's examples."""
    cases = load_cases(policy, **ARNS)
    return [
        (case["action"], case["resource"], expected)
        for expected, key in ((True, "allowed"), (False, "denied"))
        for case in cases[key]
        if case["action"] in OBJECT_ACTIONS and "context" not in case
        and case["resource"].startswith(f"arn:aws:s3:::{LAKE}")
    ]


@pytest.fixture(scope="module")
def moto_with_iam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A moto server of its own (enforcing IAM would lock out every other test's root keys),
    with the lake's buckets, one object per example key, and one user per workload policy."""
    server: Server = start_moto(tmp_path_factory.mktemp("moto-iam"))
    try:
        root = {"endpoint_url": server.url, "region_name": "us-east-1",
                "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        s3, iam = boto3.client("s3", **root), boto3.client("iam", **root)
        for bucket in (LAKE, AUDIT):
            s3.create_bucket(Bucket=bucket)
        clients = {}
        for policy in WORKLOAD_POLICIES:
            for _, arn, _ in _object_cases(policy):
                bucket, key = arn.removeprefix("arn:aws:s3:::").split("/", 1)
                s3.put_object(Bucket=bucket, Key=key, Body=b"example")
            iam.create_user(UserName=policy)
            document = render_policy(IAM / f"{policy}.json.tftpl", **ARNS)
            iam.put_user_policy(UserName=policy, PolicyName=policy, PolicyDocument=json.dumps(document))
            keys = iam.create_access_key(UserName=policy)["AccessKey"]
            clients[policy] = boto3.client(
                "s3", **{**root, "aws_access_key_id": keys["AccessKeyId"],
                         "aws_secret_access_key": keys["SecretAccessKey"]},
            )
        # From here on moto checks every request against the caller's IAM policies.
        requests.post(f"{server.url}/moto-api/reset-auth", data=b"0", timeout=5).raise_for_status()
        yield clients
    finally:
        server.stop()


def _send(client: Any, action: str, arn: str) -> bool:
    bucket, key = arn.removeprefix("arn:aws:s3:::").split("/", 1)
    call = {
        "s3:GetObject": lambda: client.get_object(Bucket=bucket, Key=key)["Body"].read(),
        "s3:PutObject": lambda: client.put_object(Bucket=bucket, Key=key, Body=b"written"),
        "s3:DeleteObject": lambda: client.delete_object(Bucket=bucket, Key=key),
    }[action]
    try:
        call()
    except botocore.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] == "AccessDenied":
            return False
        raise
    return True


def _matrix() -> list[Any]:
    return [
        pytest.param(policy, action, arn, expected,
                     id=f"{policy}-{'allowed' if expected else 'denied'}-{action}-{arn.removeprefix('arn:aws:s3:::')}")
        for policy in WORKLOAD_POLICIES
        for action, arn, expected in _object_cases(policy)
    ]


@pytest.mark.parametrize(("policy", "action", "arn", "expected"), _matrix())
@pytest.mark.control("least-privilege-iam")
def test_s3_enforces_the_workload_policy(
    moto_with_iam: dict[str, Any], policy: str, action: str, arn: str, expected: bool
) -> None:
    assert _send(moto_with_iam[policy], action, arn) is expected


def test_the_headline_cases_are_part_of_the_matrix() -> None:
    """The cases the threat model cares most about must stay in the examples."""
    runner, inference, auditor = (set(_object_cases(p)) for p in ("pipeline-runner", "inference", "auditor"))
    assert ("s3:GetObject", f"{ARNS['bucket_arn']}/raw/patients/part-0000.csv", True) in runner
    assert ("s3:PutObject", f"{ARNS['bucket_arn']}/datasets/patients/minimized.parquet.enc", True) in runner
    assert ("s3:GetObject", f"{ARNS['audit_bucket_arn']}/audit/2026/evidence.json", False) in runner
    assert ("s3:GetObject", f"{ARNS['bucket_arn']}/models/secure-mlops-model/model.skops", True) in inference
    assert not any(action == "s3:PutObject" and allowed for action, _, allowed in inference)
    assert ("s3:GetObject", f"{ARNS['bucket_arn']}/reports/run-1/privacy-audit.json", True) in auditor
    assert ("s3:GetObject", f"{ARNS['bucket_arn']}/raw/patients/part-0000.csv", False) in auditor


def test_a_caller_without_a_policy_is_refused_everything(moto_with_iam: dict[str, Any]) -> None:
    """Enforcement is really on: the server's own root-like keys are now just an unknown user."""
    client = next(iter(moto_with_iam.values()))
    stranger = boto3.client("s3", endpoint_url=client.meta.endpoint_url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    with pytest.raises(botocore.exceptions.ClientError):
        stranger.get_object(Bucket=LAKE, Key="models/secure-mlops-model/model.skops")
