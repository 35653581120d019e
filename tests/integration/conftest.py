"""Session-scoped real servers on loopback: OpenBao (Vault API) and moto (S3 API)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest

from secure_mlops.config import Settings
from secure_mlops.vault import ensure_transit_keys
from tests.support.cli import clean_env
from tests.support.pipeline import bento_tag, run_pipeline, shards
from tests.support.servers import Server, VaultServer, start_dev_vault, start_moto
from tests.support.serving import OtlpReceiver, Service, inference_vault_token, otlp_receiver, serving


def _start_or_fail(starter, workdir: Path):
    try:
        return starter(workdir)
    except RuntimeError as exc:
        pytest.fail(f"could not start a test server: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def vault_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VaultServer]:
    server = _start_or_fail(start_dev_vault, tmp_path_factory.mktemp("vault"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def vault_settings(vault_server: VaultServer, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(
        vault_addr=vault_server.url,
        vault_token=vault_server.token,
        state_dir=tmp_path_factory.mktemp("state"),
    )
    ensure_transit_keys(hvac.Client(url=vault_server.url, token=vault_server.token), settings)
    return settings


@pytest.fixture(scope="session")
def vault_root(vault_server: VaultServer) -> hvac.Client:
    return hvac.Client(url=vault_server.url, token=vault_server.token)


@pytest.fixture()
def cli_env(vault_server: VaultServer, vault_settings: Settings, tmp_path: Path) -> dict[str, str]:
    """Environment for running the `secure-mlops` command against the test Vault (keys made)."""
    return clean_env(
        VAULT_ADDR=vault_server.url,
        VAULT_TOKEN=vault_server.token,
        SECURE_MLOPS_STATE_DIR=str(tmp_path / "state"),
    )


@pytest.fixture(scope="session")
def good_run(vault_server: VaultServer, vault_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """One green pipeline run on two demo shards, shared by the pipeline and serving tests:
    (its environment, its raw data folder, the finished `secure-mlops run`)."""
    state = tmp_path_factory.mktemp("pipeline-state")
    env = clean_env(VAULT_ADDR=vault_server.url, VAULT_TOKEN=vault_server.token, SECURE_MLOPS_STATE_DIR=str(state))
    data = shards(state / "raw")
    result = run_pipeline(env, "--data", data)
    assert result.returncode == 0, result.stdout + result.stderr
    return env, data, result


@pytest.fixture(scope="session")
def serving_release(good_run, vault_root: hvac.Client) -> tuple[dict[str, str], str]:
    """The inference service's environment (a Vault token with the inference policy only, the
    good run's state) and the bento that run built."""
    env, _, result = good_run
    return {**env, "VAULT_TOKEN": inference_vault_token(vault_root)}, bento_tag(result.stdout)


@pytest.fixture(scope="session")
def traces() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def service(serving_release, traces: OtlpReceiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`secure-mlops serve` of the good run's bento, exporting spans and metrics to `traces`, with
    limits high enough for generated traffic (the rate tests start a server of their own)."""
    env, tag = serving_release
    env = {**env, "OTEL_EXPORTER_OTLP_ENDPOINT": traces.url, "OTEL_BSP_SCHEDULE_DELAY": "100",
           "OTEL_METRIC_EXPORT_INTERVAL": "500",
           "SECURE_MLOPS_SERVING_RATE_PER_SECOND": "1000", "SECURE_MLOPS_SERVING_BURST": "1000"}
    with serving(env, tmp_path_factory.mktemp("serve") / "service.log", "--bento", tag) as running:
        yield running


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = _start_or_fail(start_moto, tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch, s3_server: Server) -> str:
    """Point boto3 at the moto server with throwaway credentials; returns the endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3_server.url


@pytest.fixture()
def bucket(aws_env: str) -> str:
    """A new, empty bucket on the moto server, for one test."""
    import uuid

    import boto3

    name = f"bucket-{uuid.uuid4().hex[:16]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture()
def audit_bucket(aws_env: str) -> str:
    """An object-locked bucket with a default retention, as Terraform makes the audit bucket."""
    import uuid

    import boto3

    name = f"audit-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    return name
