"""The S3 object store against a real S3 API (moto in server mode on loopback)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import requests

from secure_mlops.errors import InputError, ObjectNotFoundError, StorageError
from secure_mlops.storage import S3Store, parse_s3_uri
from tests.support.servers import start_moto

pytestmark = pytest.mark.integration


def test_a_prefix_is_listed_across_pages_and_an_object_fetched_whole(bucket: str, tmp_path: Path) -> None:
    client = boto3.client("s3")
    for index in range(1005):  # more than one page of list_objects_v2
        client.put_object(Bucket=bucket, Key=f"raw/part-{index:04d}.csv", Body=b"a,b\n1,2\n")
    client.put_object(Bucket=bucket, Key="other/x.csv", Body=b"x")
    store = S3Store(bucket)

    keys = store.list_keys("raw/")
    store.get_file("raw/part-0007.csv", tmp_path / "part.csv")

    assert len(keys) == 1005 and all(k.startswith("raw/") for k in keys)
    assert (tmp_path / "part.csv").read_bytes() == b"a,b\n1,2\n"


def test_an_s3_uri_is_split_into_bucket_and_key_and_a_bad_one_refused() -> None:
    assert parse_s3_uri("s3://lake/raw/patients/") == ("lake", "raw/patients/")
    for bad in ("lake/raw", "s3:///raw", "https://lake/raw"):
        with pytest.raises(InputError):
            parse_s3_uri(bad)


def test_missing_object_is_not_found_and_writes_nothing(bucket: str, tmp_path: Path) -> None:
    store = S3Store(bucket)
    with pytest.raises(ObjectNotFoundError):
        store.get_file("nope.enc", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_missing_bucket_is_a_clear_error(aws_env: str, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        S3Store("no-such-bucket-here").list_keys("raw/")


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
