"""The S3 object store against a real S3 API (moto in server mode on loopback)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import requests

from secure_mlops.errors import StorageError
from secure_mlops.storage import ObjectNotFoundError, S3Store, open_store
from tests.support.servers import start_moto

pytestmark = pytest.mark.integration


@pytest.fixture()
def bucket(aws_env: str) -> str:
    name = f"bucket-{abs(hash(aws_env)) % 10**8}"
    client = boto3.client("s3")
    if name not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=name)
    return name


def test_put_and_get_round_trip_with_sse_kms(bucket: str, tmp_path: Path) -> None:
    kms_key = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
    source = tmp_path / "data.enc"
    source.write_bytes(b"ciphertext" * 1000)
    store = open_store(f"s3://{bucket}/datasets", sse_kms_key_id=kms_key)

    uri = store.put_file(source, "run-1/data.enc")
    store.get_file("run-1/data.enc", tmp_path / "back.enc")

    assert uri == f"s3://{bucket}/datasets/run-1/data.enc"
    assert (tmp_path / "back.enc").read_bytes() == source.read_bytes()
    head = boto3.client("s3").head_object(Bucket=bucket, Key="datasets/run-1/data.enc")
    assert head["ServerSideEncryption"] == "aws:kms"


def test_missing_object_is_not_found_and_writes_nothing(bucket: str, tmp_path: Path) -> None:
    store = S3Store(bucket)
    assert not store.exists("nope.enc")
    with pytest.raises(ObjectNotFoundError):
        store.get_file("nope.enc", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_missing_bucket_is_a_clear_error(aws_env: str, tmp_path: Path) -> None:
    source = tmp_path / "x"
    source.write_bytes(b"x")
    with pytest.raises(StorageError, match="does not exist"):
        S3Store("no-such-bucket-here").put_file(source, "x")


def test_access_outside_the_granted_prefix_is_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server of its own: enforcing IAM would deny every other test's root credentials.
    server = start_moto(tmp_path)
    try:
        for var, value in {
            "AWS_ENDPOINT_URL": server.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(var, value)
        s3, iam = boto3.client("s3"), boto3.client("iam")
        s3.create_bucket(Bucket="data")
        s3.put_object(Bucket="data", Key="allowed/a.enc", Body=b"a")
        s3.put_object(Bucket="data", Key="secret/b.enc", Body=b"b")
        iam.create_user(UserName="reader")
        iam.put_user_policy(
            UserName="reader",
            PolicyName="read-allowed-prefix",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/allowed/*"}
                    ],
                }
            ),
        )
        creds = iam.create_access_key(UserName="reader")["AccessKey"]
        requests.post(f"{server.url}/moto-api/reset-auth", data=b"0", timeout=5).raise_for_status()
        reader = boto3.client(
            "s3",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
        )
        store = S3Store("data", client=reader)

        store.get_file("allowed/a.enc", tmp_path / "a")
        with pytest.raises(StorageError, match="access denied") as info:
            store.get_file("secret/b.enc", tmp_path / "b")
        assert creds["SecretAccessKey"] not in str(info.value)
        assert (tmp_path / "a").read_bytes() == b"a"
        assert not (tmp_path / "b").exists()
    finally:
        server.stop()
