"""The deploy step's hand-off: a verified release published to the lake's models/ prefix, against
a real S3 API (moto in server mode on loopback); a release that does not verify publishes nothing,
and an older release than the last one deployed is refused unless a rollback is allowed."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import boto3
import pytest

from secure_mlops.deploy import DeployResult, deploy
from secure_mlops.digest import file_sha256
from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging import bento_digest, build_manifest, sign_manifest, write_signed_manifest
from tests.support.fakes import InMemorySigner
from tests.support.release import BENTO_TAG, make_bento_dir, manifest_fields

pytestmark = pytest.mark.integration
IMAGE = "registry.example/ml/inference@sha256:" + "ab" * 32


@pytest.fixture()
def lake(aws_env: str) -> str:
    client = boto3.client("s3")
    client.create_bucket(Bucket="lake-publish")
    yield "lake-publish"
    for key in _keys("lake-publish"):
        client.delete_object(Bucket="lake-publish", Key=key)
    client.delete_bucket(Bucket="lake-publish")


def _keys(bucket: str) -> list[str]:
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


class Release:
    """A bento, its model file and a manifest of both, signed by `signer`."""

    def __init__(self, root: Path, *, tag: str = BENTO_TAG, sequence: int | None = None,
                 signer: InMemorySigner | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.signer = signer or InMemorySigner()
        self.model_file = root / "model.skops"
        self.model_file.write_bytes(b"PK\x03\x04 only its digest matters here")
        self.bento_dir = make_bento_dir(root / "bentos", tag=tag)
        fields = manifest_fields(model_digest=file_sha256(self.model_file),
                                 bento_dir_digest=bento_digest(self.bento_dir))
        self.manifest = build_manifest(**{**fields, "bento_tag": tag}, sequence=sequence)
        self.out = root / "out"

    def deploy(self, release_uri: str, *, signed_by: InMemorySigner | None = None,
               allow_rollback: bool = False) -> DeployResult:
        path = write_signed_manifest(sign_manifest(self.manifest, signed_by or self.signer),
                                     self.out.parent / "provenance.json")
        return deploy(path, signer=self.signer, model_file=self.model_file, bento_dir=self.bento_dir,
                      image=IMAGE, out_dir=self.out, release_uri=release_uri, allow_rollback=allow_rollback)


def test_a_verified_release_is_published_whole_under_its_name_and_version(tmp_path: Path, lake: str) -> None:
    release = Release(tmp_path)
    result = release.deploy(f"s3://{lake}/models/")

    name, _, version = BENTO_TAG.partition(":")
    folder = f"models/{name}/{version}"
    assert result.published == f"s3://{lake}/{folder}"
    bento = release.bento_dir
    expected = {f"{folder}/bento/{p.relative_to(bento).as_posix()}" for p in bento.rglob("*") if p.is_file()}
    record = f"models/{name}/release-sequence.json"
    assert set(_keys(lake)) == expected | {f"{folder}/provenance.json", f"{folder}/manifests.yaml", record}
    body = boto3.client("s3").get_object(Bucket=lake, Key=f"{folder}/provenance.json")["Body"].read()
    assert json.loads(body)["manifest"]["bento"]["tag"] == BENTO_TAG
    assert boto3.client("s3").get_object(Bucket=lake, Key=f"{folder}/manifests.yaml")["Body"].read() == (
        result.manifests.read_bytes())


def test_a_release_signed_by_another_key_publishes_nothing(tmp_path: Path, lake: str) -> None:
    with pytest.raises(IntegrityError):
        Release(tmp_path).deploy(f"s3://{lake}/models", signed_by=InMemorySigner(seed=bytes(32)))
    assert _keys(lake) == []


def test_a_release_uri_that_is_not_s3_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    release = Release(tmp_path)
    with pytest.raises(InputError, match="is not an s3:// URI"):
        release.deploy("/var/www/models")
    assert not release.out.exists()


def _record(bucket: str) -> dict:
    key = f"models/{BENTO_TAG.partition(':')[0]}/release-sequence.json"
    return json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def test_an_older_release_is_refused_and_publishes_nothing_unless_a_rollback_is_allowed(
        tmp_path: Path, lake: str, caplog: pytest.LogCaptureFixture) -> None:
    signer = InMemorySigner()
    name = BENTO_TAG.partition(":")[0]
    old = Release(tmp_path / "old", tag=f"{name}:v1", sequence=1000, signer=signer)
    new = Release(tmp_path / "new", tag=f"{name}:v2", sequence=2000, signer=signer)
    uri = f"s3://{lake}/models"
    assert old.deploy(uri).rollback is False
    assert new.deploy(uri).rollback is False
    published = set(_keys(lake))

    with pytest.raises(IntegrityError, match="refusing a rollback") as info:
        Release(tmp_path / "again", tag=f"{name}:v1", sequence=1000, signer=signer).deploy(uri)
    assert "allow_rollback" in str(info.value)
    assert set(_keys(lake)) == published and not (tmp_path / "again" / "out").exists()
    assert _record(lake)["deployed"] == {"sequence": 2000, "bento_tag": f"{name}:v2"}

    with caplog.at_level(logging.WARNING, logger="secure_mlops.deploy.sequence"):
        assert old.deploy(uri, allow_rollback=True).rollback is True
    assert "rollback allowed" in caplog.text
    assert _record(lake) == {"deployed": {"sequence": 1000, "bento_tag": f"{name}:v1"},
                             "highest": {"sequence": 2000, "bento_tag": f"{name}:v2"}}
    # The newest release goes out again without a flag; the rolled-back one stays deployable too.
    assert new.deploy(uri).rollback is False
