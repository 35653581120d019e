"""`secure-mlops quarantine` against a versioned lake on moto (S3 API on loopback) and on a local
folder: a poisoned dataset moves under quarantine/, its original versions stay as evidence, and
arguments that would move nothing, or the quarantine itself, are refused before anything moves."""

from __future__ import annotations

import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.support.cli import clean_env, run_cli
from tests.support.servers import Server

pytestmark = pytest.mark.integration

BUCKET = "lake-quarantine"
POISONED = {"raw/batch-7/part-0000.csv": b"id,label\n1,benign\n", "raw/batch-7/late/part-0001.csv": b"id,label\n2,x\n"}
CLEAN = {"raw/batch-8/part-0000.csv": b"id,label\n3,malignant\n"}
REASON = "INC-42: poisoned labels"


@pytest.fixture()
def lake(aws_env: str) -> Iterator[str]:
    """A versioned bucket holding a poisoned batch and a clean one."""
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for key, body in {**POISONED, **CLEAN}.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="text/csv", Metadata={"source": "ingest"})
    yield BUCKET
    listed = client.list_object_versions(Bucket=BUCKET)
    for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        client.delete_object(Bucket=BUCKET, Key=entry["Key"], VersionId=entry["VersionId"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture()
def env(s3_server: Server) -> dict[str, str]:
    return clean_env(AWS_ENDPOINT_URL=s3_server.url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                     AWS_DEFAULT_REGION="us-east-1")


def quarantine(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli("quarantine", *args, env=env)


def _keys() -> set[str]:
    return {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_every_object_under_the_prefix_moves_to_quarantine_and_its_versions_stay(lake: str, env) -> None:
    result = quarantine(env, f"s3://{lake}/raw/batch-7/", "--reason", REASON)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"quarantined s3://{lake}/raw/batch-7/ -> s3://{lake}/quarantine/raw/batch-7/",
        "moved 2, gone meanwhile 0",
        f"reason: {REASON}",
    ]
    assert _keys() == {f"quarantine/{key}" for key in POISONED} | set(CLEAN)
    client = boto3.client("s3")
    for key, body in POISONED.items():
        moved = client.get_object(Bucket=lake, Key=f"quarantine/{key}")
        assert moved["Body"].read() == body
        assert moved["Metadata"] == {"source": "ingest"} and moved["ContentType"] == "text/csv"
        # The original is gone from listings, but its version is kept under a delete marker.
        versions = client.list_object_versions(Bucket=lake, Prefix=key)
        assert [m["IsLatest"] for m in versions.get("DeleteMarkers", []) if m["Key"] == key] == [True]
        kept = [v for v in versions["Versions"] if v["Key"] == key]
        assert len(kept) == 1 and not kept[0]["IsLatest"]
        assert client.get_object(Bucket=lake, Key=key, VersionId=kept[0]["VersionId"])["Body"].read() == body


def test_a_prefix_that_would_move_nothing_or_the_quarantine_itself_is_refused(lake: str, env) -> None:
    assert quarantine(env, f"s3://{lake}/raw/batch-7/", "--reason", REASON).returncode == 0
    before = _keys()
    refused = {
        "a quarantine needs a reason": (f"s3://{lake}/raw/batch-8/", "--reason", "  "),
        "is (or takes in) the quarantine itself": (f"s3://{lake}/quarantine/raw/batch-7/", "--reason", REASON),
        f"s3://{lake}/quar is (or takes in) the quarantine itself": (f"s3://{lake}/quar", "--reason", REASON),
        "names a whole bucket": (f"s3://{lake}", "--reason", REASON),
        "no object under": (f"s3://{lake}/raw/batch-7/", "--reason", REASON),  # moved already
    }
    for message, args in refused.items():
        result = quarantine(env, *args)
        assert result.returncode == 4, (message, result.stderr)
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
        assert result.stdout == ""
    assert _keys() == before

    assert quarantine(env, f"s3://{lake}/raw/batch-8/").returncode == 2  # no --reason at all: a usage error
    missing = quarantine(env, "s3://no-such-lake/raw/", "--reason", REASON)
    assert missing.returncode == 8 and "does not exist" in missing.stderr
    assert _keys() == before


def test_a_local_folder_moves_to_a_private_quarantine_beside_it(tmp_path: Path) -> None:
    batch = tmp_path / "raw" / "batch-7"
    (batch / "late").mkdir(parents=True)
    (batch / "part-0000.csv").write_bytes(b"id,label\n1,benign\n")
    (batch / "late" / "part-0001.csv").write_bytes(b"id,label\n2,x\n")
    env = clean_env()

    result = quarantine(env, batch, "--reason", REASON)

    assert result.returncode == 0, result.stderr
    target = tmp_path / "raw" / "quarantine" / "batch-7"
    assert result.stdout.splitlines() == [f"quarantined {batch} -> {target}", "moved 2, gone meanwhile 0",
                                          f"reason: {REASON}"]
    assert not batch.exists()
    assert (target / "late" / "part-0001.csv").read_bytes() == b"id,label\n2,x\n"
    for folder in (target.parent, target):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    for args, message in (((target,), "a quarantine folder already"), ((batch,), "no folder"),
                          ((target.parent,), "a quarantine folder already")):
        refused = quarantine(env, *args, "--reason", REASON)
        assert refused.returncode == 4 and message in refused.stderr, refused.stderr
    assert (target / "part-0000.csv").is_file()
