"""`secure-mlops deploy` as the deployer runs it in docs/runbook.md, section 3: releases signed by
OpenBao Transit, verified with a token of the deployer's Vault policy, published to a lake on moto;
the previous release goes back out only with --allow-rollback. Nothing is applied (no cluster)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import hvac
import pytest

from secure_mlops.config import Settings
from secure_mlops.vault import TransitSigner, connect
from tests.support.cli import run_cli
from tests.support.policies import policy_token
from tests.support.release import SignedRelease, write_signed_release
from tests.support.servers import Server

pytestmark = pytest.mark.integration

BUCKET = "lake-cli-deploy"
NAME = "secure-mlops-inference"
IMAGE = "registry.example/ml/inference@sha256:" + "ab" * 32
RECORD = f"models/{NAME}/release-sequence.json"


@pytest.fixture(scope="module")
def transit_signer(vault_settings: Settings) -> TransitSigner:
    return TransitSigner(connect(vault_settings), key_name=vault_settings.signing_key_name,
                         mount=vault_settings.transit_mount)


@pytest.fixture()
def lake(aws_env: str) -> Iterator[str]:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    yield BUCKET
    for key in _keys():
        client.delete_object(Bucket=BUCKET, Key=key)
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture()
def deployer_env(cli_env: dict[str, str], vault_root: hvac.Client, s3_server: Server) -> dict[str, str]:
    """The CLI's environment as the deployer: a token of the deployer's Vault policy only (verify),
    and credentials for the lake on moto."""
    return {**cli_env, "VAULT_TOKEN": policy_token(vault_root, "secure-mlops-deployer"),
            "AWS_ENDPOINT_URL": s3_server.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture()
def releases(tmp_path: Path, transit_signer: TransitSigner) -> tuple[SignedRelease, SignedRelease]:
    """Release 1 and the newer release 2 of the same bento, both signed by OpenBao."""
    return (write_signed_release(tmp_path / "r1", transit_signer, tag=f"{NAME}:v1", sequence=1000),
            write_signed_release(tmp_path / "r2", transit_signer, tag=f"{NAME}:v2", sequence=2000))


def _keys() -> list[str]:
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _record() -> dict:
    return json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=RECORD)["Body"].read())


def deploy(env: dict[str, str], release: SignedRelease, out: Path, *args: str,
           image: str = IMAGE) -> subprocess.CompletedProcess[str]:
    return run_cli("deploy", release.manifest, "--bento", release.bento_dir, "--model", release.model_file,
                   "--image", image, "--release-uri", f"s3://{BUCKET}/models/", "--out", out, *args, env=env)


@pytest.mark.control("signed-provenance")
def test_deploy_verifies_renders_and_publishes_a_newer_release(releases, deployer_env, lake, transit_signer,
                                                               tmp_path: Path) -> None:
    first, second = releases
    assert deploy(deployer_env, first, tmp_path / "out1").returncode == 0

    result = deploy(deployer_env, second, tmp_path / "out2")

    assert result.returncode == 0, result.stderr
    manifests = tmp_path / "out2" / "manifests.yaml"
    assert result.stdout.splitlines() == [
        f"verified {second.manifest}: signature, model digest, bento digest "
        f"(key {transit_signer.key_name}, v{transit_signer.latest_version()})",
        f"release: {NAME}:v2, model secure-mlops-model:abc123def456, sequence 2000",
        f"rendered {manifests} (image {IMAGE})",
        f"published s3://{BUCKET}/models/{NAME}/v2",
        "applied: nothing (no --apply)",
        "rollback: no",
    ]
    assert f"image: {IMAGE}" in manifests.read_text()
    assert {f"models/{NAME}/v1/provenance.json", f"models/{NAME}/v2/provenance.json"} <= set(_keys())
    assert _record() == {"deployed": {"sequence": 2000, "bento_tag": f"{NAME}:v2"},
                         "highest": {"sequence": 2000, "bento_tag": f"{NAME}:v2"}}


@pytest.mark.control("signed-provenance")
def test_the_previous_release_goes_back_out_only_with_allow_rollback(releases, deployer_env, lake,
                                                                    tmp_path: Path) -> None:
    first, second = releases
    for release, out in ((first, "out1"), (second, "out2")):
        assert deploy(deployer_env, release, tmp_path / out).returncode == 0
    published = set(_keys())

    refused = deploy(deployer_env, first, tmp_path / "refused")

    assert refused.returncode == 6
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "refusing a rollback" in refused.stderr and "--allow-rollback" in refused.stderr
    assert refused.stdout == "" and not (tmp_path / "refused").exists()
    assert set(_keys()) == published and _record()["deployed"]["bento_tag"] == f"{NAME}:v2"

    rolled_back = deploy(deployer_env, first, tmp_path / "rollback", "--allow-rollback")

    assert rolled_back.returncode == 0, rolled_back.stderr
    assert rolled_back.stdout.splitlines()[-1] == "rollback: yes, allowed by --allow-rollback"
    assert "rollback allowed" in rolled_back.stderr  # the warning, for the incident's record
    assert (tmp_path / "rollback" / "manifests.yaml").is_file()
    # The newest release stays recorded: the way to it and to anything between stays checked.
    assert _record() == {"deployed": {"sequence": 1000, "bento_tag": f"{NAME}:v1"},
                         "highest": {"sequence": 2000, "bento_tag": f"{NAME}:v2"}}


@pytest.mark.control("signed-provenance")
def test_a_tampered_model_is_refused_and_nothing_is_rendered_or_published(releases, deployer_env, lake,
                                                                          tmp_path: Path) -> None:
    release = releases[0]
    release.model_file.write_bytes(release.model_file.read_bytes() + b"\x00")

    result = deploy(deployer_env, release, tmp_path / "out", "--allow-rollback")

    assert result.returncode == 6
    assert "model file digest does not match the signed manifest" in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert not (tmp_path / "out").exists() and _keys() == []


def test_a_bare_repository_is_rendered_with_the_bentos_version_but_never_applied(releases, deployer_env, lake,
                                                                                  tmp_path: Path) -> None:
    release = releases[0]
    refused = deploy(deployer_env, release, tmp_path / "applied", "--apply", image="registry.example/ml/inference")

    assert refused.returncode == 4 and "apply needs the inference image by digest" in refused.stderr
    assert not (tmp_path / "applied").exists() and _keys() == []

    result = deploy(deployer_env, release, tmp_path / "out", image="registry.example/ml/inference")

    assert result.returncode == 0, result.stderr
    assert "image: registry.example/ml/inference:v1" in (tmp_path / "out" / "manifests.yaml").read_text()
