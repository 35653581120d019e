"""Upload a compiled pipeline to Kubeflow Pipelines as a new version and start a run."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from secure_mlops.errors import ConfigError, PipelineError

# dsl.Collected (the publish step gathers every shard of the ParallelFor) needs a backend of
# 2.14.0 or later; an older one accepts the upload and fails the run at its first fan-in.
MIN_BACKEND_VERSION = Version("2.14.0")



@dataclass(frozen=True)
class SubmittedRun:
    pipeline_id: str
    version_id: str
    run_id: str
    url: str


def submit_run(
    package: Path,
    *,
    host: str,
    pipeline_name: str,
    arguments: dict[str, Any],
    namespace: str | None,
    service_account: str | None,
    experiment: str,
) -> SubmittedRun:
    import kfp

    if not package.is_file():
        raise ConfigError(f"no compiled pipeline at {package}", hint="run `secure-mlops compile` first")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        client = kfp.Client(host=host, namespace=namespace or "kubeflow")
        _check_backend_version(client, host)
        pipeline_id = client.get_pipeline_id(pipeline_name)
        if pipeline_id is None:
            pipeline_id = client.upload_pipeline(str(package), pipeline_name=pipeline_name).pipeline_id
        version = client.upload_pipeline_version(
            str(package), pipeline_version_name=f"{pipeline_name}-{stamp}", pipeline_id=pipeline_id
        )
        experiment_id = client.create_experiment(experiment, namespace=namespace).experiment_id
        run = client.run_pipeline(
            experiment_id,
            f"{pipeline_name}-{stamp}",
            pipeline_id=pipeline_id,
            version_id=version.pipeline_version_id,
            params=arguments,
            service_account=service_account,
        )
    except PipelineError:
        raise
    except Exception as exc:  # noqa: BLE001 - kfp raises urllib3, kfp_server_api and ValueError alike
        raise PipelineError(
            f"Kubeflow Pipelines at {host} refused or could not be reached ({type(exc).__name__})",
            hint="check --host, your credentials and --namespace",
        ) from None
    return SubmittedRun(pipeline_id, version.pipeline_version_id, run.run_id, f"{host.rstrip('/')}/#/runs/details/{run.run_id}")


def _check_backend_version(client: Any, host: str) -> None:
    """Refuse a backend older than MIN_BACKEND_VERSION before anything is uploaded."""
    # The SDK's get_kfp_healthz() model drops tag_name, the version field the server sends.
    response = client._healthz_api.healthz_service_get_healthz(_preload_content=False)
    tag = str(json.loads(response.data).get("tag_name") or "")
    try:
        version = Version(tag)
    except InvalidVersion:
        raise PipelineError(f"Kubeflow Pipelines at {host} does not say which version it runs ({tag or 'no tag'})",
                            hint=f"this pipeline needs a backend of {MIN_BACKEND_VERSION} or later") from None
    if version < MIN_BACKEND_VERSION:
        raise PipelineError(
            f"Kubeflow Pipelines at {host} runs backend {version}; this pipeline needs {MIN_BACKEND_VERSION} or later "
            "(dsl.Collected across a ParallelFor)",
            hint="upgrade Kubeflow Pipelines; nothing was uploaded",
        )
