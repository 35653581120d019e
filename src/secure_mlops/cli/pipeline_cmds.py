"""`secure-mlops run | compile | submit`: the Kubeflow pipeline, locally or on a cluster."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from secure_mlops.cli.options import STDOUT, contract_option, contract_or_default, output_file
from secure_mlops.config import PIPELINE_SERVICE_ACCOUNT, cluster_vault_addr, get_settings
from secure_mlops.errors import ConfigError

if TYPE_CHECKING:
    from secure_mlops.orchestration import RunSummary

COMPILED = Path("pipelines/compiled/secure-mlops.yaml")
PARAM_HELP = "Pipeline parameter as name=value (repeatable), e.g. --param psi_threshold=0.3."
_METADATA_SHOWN = ("rows", "k_achieved", "key_version", "shards", "checks", "checks_failed")


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command("compile")(compile_pipeline)
    app.command()(submit)


def run(
    data: str = typer.Option(
        None, "--data", help="Raw data: CSV/Parquet file, folder of shards, or s3:// prefix. Default: generated demo shards."
    ),
    contract: Path = contract_option(),
    param: list[str] = typer.Option(None, "--param", help=PARAM_HELP),
    parallelism: int = typer.Option(4, "--parallelism", min=1, help="Shards processed at once."),
) -> None:
    """Run the whole pipeline on this machine with kfp.local, against the local (or configured) Vault.

    Example: secure-mlops run --param psi_threshold=0.3
    """
    from pipelines.secure_pipeline import build_pipeline
    from secure_mlops.orchestration import run_local_pipeline
    from secure_mlops.orchestration.params import parse_params

    params = parse_params(param or [], build_pipeline(cluster=False, parallelism=parallelism))
    summary = run_local_pipeline(get_settings(), contract=contract_or_default(contract), data=data, params=params,
                                 parallelism=parallelism, progress=typer.echo)
    _print_summary(summary)


def _print_summary(summary: RunSummary) -> None:
    typer.echo(f"\npipeline succeeded: {summary.run_dir}")
    if summary.metrics:
        typer.echo("held-out metrics: " + ", ".join(f"{k} {v:g}" for k, v in summary.metrics.items()))
    if summary.privacy:
        typer.echo("privacy audit: " + ", ".join(f"{k} {v:g}" for k, v in summary.privacy.items()))
    if summary.k_achieved is not None:
        typer.echo(f"k-anonymity achieved per shard: {summary.k_achieved} or more")
    if summary.deployed is not None:
        meta = summary.deployed.metadata
        applied = "applied to the cluster" if meta.get("applied") else "not applied (apply=false)"
        typer.echo(f"deploy: {meta.get('bento_tag')} rendered to {meta.get('rendered')}, {applied}")
    for record in summary.outputs:
        typer.echo(f"{record.name.replace('_', ' ')}: {record.uri}")
    typer.echo("artifacts:")
    for record in summary.artifacts:
        shown = {k: v for k, v in record.metadata.items() if k in _METADATA_SHOWN}
        typer.echo(f"  {record.task}/{record.name}" + (f"  {shown}" if shown else ""))
    if summary.compared_with is None:
        typer.echo("drift: no reference for this contract and version yet, so no drift was measured")
    else:
        typer.echo(f"drift: compared with {summary.compared_with}")
    if summary.reference is not None:
        typer.echo(f"drift reference for the next run: {summary.reference}")
    typer.echo(f"log: {summary.log_file}")


def compile_pipeline(
    output: Path = output_file(f"Where to write the pipeline YAML (default {COMPILED}).", stdout=True, required=False),
    parallelism: int = typer.Option(4, "--parallelism", min=1, help="Shards processed at once on the cluster."),
    vault_addr: str = typer.Option(
        "https://vault.vault.svc:8200", "--vault-addr",
        help="Vault's https:// address as the step pods reach it; its CA comes from the secure-mlops-vault-ca ConfigMap.",
    ),
) -> None:
    """Compile the pipeline for Kubeflow Pipelines (upload the YAML in the KFP UI, or use `submit`).

    Every task runs the step image pinned in k8s/release/kustomization.yaml (or
    SECURE_MLOPS_PIPELINE_IMAGE, by digest). In the KFP UI, start runs with the service account
    secure-mlops-pipeline.

    Example: secure-mlops compile --vault-addr https://vault.example.com:8200 -o build/secure-mlops.yaml
    """
    from kfp import compiler

    from pipelines.secure_pipeline import build_pipeline
    from secure_mlops.storage import atomic_output

    try:
        vault_addr = cluster_vault_addr(vault_addr)
    except ValueError as exc:
        raise ConfigError(f"--vault-addr {exc}") from None
    pipeline = build_pipeline(cluster=True, parallelism=parallelism, vault_addr=vault_addr)
    # KFP writes straight to the path it is given: compiled aside, then put in place (or printed).
    with tempfile.TemporaryDirectory() as folder:
        compiled = Path(folder) / "pipeline.yaml"
        compiler.Compiler().compile(pipeline, str(compiled))
        text = compiled.read_bytes()
    if output == STDOUT:
        sys.stdout.buffer.write(text)
        return
    target = output or COMPILED
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as handle:
        os.fchmod(handle.fileno(), 0o644)  # no secret in it, and images copy it for other users
        handle.write(text)
    typer.echo(f"compiled {target}")


def submit(
    host: str = typer.Option(..., "--host", help="KFP API endpoint, e.g. https://kfp.example.com/pipeline."),
    namespace: str = typer.Option(None, "--namespace", help="Kubeflow profile namespace."),
    service_account: str = typer.Option(
        PIPELINE_SERVICE_ACCOUNT, "--service-account", help="Service account the run's pods use (bound to the Vault role)."
    ),
    experiment: str = typer.Option("secure-mlops", "--experiment", help="Experiment to file the run under."),
    package: Path = typer.Option(COMPILED, "--package", dir_okay=False, help="Compiled pipeline YAML."),
    param: list[str] = typer.Option(None, "--param", help=PARAM_HELP),
) -> None:
    """Upload the compiled pipeline as a new version and start a run with kfp.Client.

    Example: secure-mlops submit --host https://kfp.example.com/pipeline --namespace team-a --param data_uri=s3://lake/raw/
    """
    from pipelines.secure_pipeline import PIPELINE_NAME, build_pipeline
    from secure_mlops.orchestration import submit_run
    from secure_mlops.orchestration.params import parse_params

    arguments = parse_params(param or [], build_pipeline(cluster=True))
    submitted = submit_run(
        package, host=host, pipeline_name=PIPELINE_NAME, arguments=arguments, namespace=namespace,
        service_account=service_account, experiment=experiment,
    )
    typer.echo(f"started run {submitted.run_id} (pipeline version {submitted.version_id}): {submitted.url}")
