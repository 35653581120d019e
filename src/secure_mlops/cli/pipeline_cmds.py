"""`secure-mlops run | compile | submit`: the Kubeflow pipeline, locally or on a cluster."""

from __future__ import annotations

import getpass
import shutil
from pathlib import Path

import typer

from secure_mlops.cli.options import contract_option, contract_or_default
from secure_mlops.config import get_settings

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
    from secure_mlops.orchestration import PipelineError, run_locally
    from secure_mlops.orchestration.params import parse_params
    from secure_mlops.vault import DevVault

    settings = get_settings()
    pipeline = build_pipeline(cluster=False, parallelism=parallelism)
    reference = settings.state_dir / "reference-profile.json"
    arguments = {
        "data_uri": data or str(_demo_shards(settings.state_dir / "demo-data")),
        "contract_path": str(contract_or_default(contract).resolve()),
        "reference_profile_uri": str(reference) if reference.is_file() else "",
        "triggered_by": f"local-{getpass.getuser()}",
        **parse_params(param or [], pipeline),
    }
    if settings.vault_addr == settings.dev_vault_addr and settings.vault_token is None:
        DevVault(settings).up()
    typer.echo(f"running pipeline locally (root {settings.state_dir / 'pipeline-root'})")
    outcome = run_locally(pipeline, arguments, settings.state_dir / "pipeline-root", typer.echo)
    if not outcome.succeeded:
        raise PipelineError(f"pipeline failed: {outcome.failure}", hint=f"full log: {outcome.log_file}")
    if outcome.run_dir is None:
        raise PipelineError("pipeline reported success but left no run folder", hint=f"full log: {outcome.log_file}")
    _print_summary(outcome.run_dir, reference)
    typer.echo(f"log: {outcome.log_file}")


def _print_summary(run_dir: Path, reference: Path) -> None:
    from secure_mlops.orchestration import collect_artifacts

    records = collect_artifacts(run_dir)
    typer.echo(f"\npipeline succeeded: {run_dir}")
    for record in records:
        if record.name in {"metrics", "audit"}:
            numbers = ", ".join(f"{k} {v:g}" for k, v in record.metadata.items() if isinstance(v, (int, float)))
            typer.echo(f"{'held-out metrics' if record.name == 'metrics' else 'privacy audit'}: {numbers}")
    k_values = sorted({int(r.metadata["k_achieved"]) for r in records if "k_achieved" in r.metadata})
    if k_values:
        typer.echo(f"k-anonymity achieved per shard: {min(k_values)} or more")
    for record in records:
        if record.name == "manifests":
            applied = "applied to the cluster" if record.metadata.get("applied") else "not applied (apply=false)"
            typer.echo(f"deploy: {record.metadata.get('bento_tag')} rendered to {record.metadata.get('rendered')}, {applied}")
        elif record.name in {"manifest", "model_card"}:
            typer.echo(f"{record.name.replace('_', ' ')}: {record.uri}")
    typer.echo("artifacts:")
    for record in records:
        shown = {k: v for k, v in record.metadata.items() if k in _METADATA_SHOWN}
        typer.echo(f"  {record.task}/{record.name}" + (f"  {shown}" if shown else ""))
        if record.name == "profile":
            shutil.copyfile(record.uri, reference)  # the next run's drift reference


def compile_pipeline(
    output: Path = typer.Option(COMPILED, "--output", "-o", dir_okay=False, help="Where to write the pipeline YAML."),
    parallelism: int = typer.Option(4, "--parallelism", min=1, help="Shards processed at once on the cluster."),
) -> None:
    """Compile the pipeline for Kubeflow Pipelines (upload the YAML in the KFP UI, or use `submit`).

    Example: SECURE_MLOPS_PIPELINE_IMAGE=registry.example.com/secure-mlops@sha256:... secure-mlops compile
    """
    from kfp import compiler

    from pipelines.secure_pipeline import build_pipeline

    output.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(build_pipeline(cluster=True, parallelism=parallelism), str(output))
    typer.echo(f"compiled {output}")


def submit(
    host: str = typer.Option(..., "--host", help="KFP API endpoint, e.g. https://kfp.example.com/pipeline."),
    namespace: str = typer.Option(None, "--namespace", help="Kubeflow profile namespace."),
    service_account: str = typer.Option(
        "secure-mlops-pipeline", "--service-account", help="Service account the run's pods use (bound to the Vault role)."
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


def _demo_shards(folder: Path, shards: int = 2, rows: int = 569) -> Path:
    """Synthetic raw shards for a run without --data (made once, reused: same seed, same data)."""
    from secure_mlops.demo_data import write_patients_csv

    folder.mkdir(parents=True, exist_ok=True)
    for index in range(shards):
        shard = folder / f"part-{index:04d}.csv"
        if not shard.exists():
            write_patients_csv(shard, rows=rows, seed=100 + index)
    return folder
