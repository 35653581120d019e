"""The audit store on S3 (moto's server): records in an object-locked bucket, never replaced."""

from __future__ import annotations

import json
import os

import boto3
import pytest

from secure_mlops.audit.records import list_runs, record_run
from secure_mlops.errors import StorageError
from tests.support.cli import run_cli

pytestmark = pytest.mark.integration

SUMMARY = {"triggered_by": "kubeflow-pipelines", "contract": {"name": "patients", "version": "1.0.0"},
           "data": {"plaintext_sha256": "sha256:" + "ab" * 32}, "release": {"bento": "secure-mlops:abc"}}


@pytest.mark.control("retention")
def test_runs_are_recorded_locked_and_listed_newest_first(audit_bucket: str) -> None:
    store = f"s3://{audit_bucket}/audit/runs/"
    first = record_run(store, "run-1", b'{"manifest": 1}', SUMMARY)
    record_run(store, "run-2", b'{"manifest": 2}', SUMMARY)

    assert [entry.summary["run_id"] for entry in list_runs(store)] == ["run-2", "run-1"]
    key = first.removeprefix(f"s3://{audit_bucket}/") + "provenance.json"
    s3 = boto3.client("s3")
    assert s3.get_object(Bucket=audit_bucket, Key=key)["Body"].read() == b'{"manifest": 1}'
    # The bucket's default retention holds the record: no one may delete or replace it for a day.
    assert s3.head_object(Bucket=audit_bucket, Key=key)["ObjectLockMode"] == "GOVERNANCE"

    listed = run_cli("audit", "runs", "--store", store, env=dict(os.environ))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("RECORDED (UTC)") and "run-2" in lines[1] and "run-1" in lines[2]
    assert "patients@1.0.0" in lines[1] and "abababababababab" in lines[1]


@pytest.mark.control("retention")
def test_a_record_is_never_replaced(audit_bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import secure_mlops.audit.records as records

    monkeypatch.setattr(records, "_timestamp", lambda: "20261205T100000.000000Z")
    store = f"s3://{audit_bucket}/audit/runs"
    where = record_run(store, "run-1", b"first", SUMMARY)
    with pytest.raises(StorageError, match="exists already: records are never replaced"):
        record_run(store, "run-1", b"second", SUMMARY)
    key = where.removeprefix(f"s3://{audit_bucket}/") + "summary.json"
    assert json.loads(boto3.client("s3").get_object(Bucket=audit_bucket, Key=key)["Body"].read())["run_id"] == "run-1"
    provenance = where.removeprefix(f"s3://{audit_bucket}/") + "provenance.json"
    assert boto3.client("s3").get_object(Bucket=audit_bucket, Key=provenance)["Body"].read() == b"first"
