"""`secure-mlops run | runs | show | compile | submit`: the Kubeflow pipeline, locally or on a
cluster, and the local runs' results."""

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

COMPILED = Path("pipelines/compiled/secure-mlops.yaml")  # under the project root
PARAM_HELP = "Pipeline parameter as name=value (repeatable), e.g. --param psi_threshold=0.3."
_VERDICTS = {True: "pass", False: "FAIL", None: "-"}


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(runs)
    app.command()(show)
    app.command("compile")(compile_pipeline)
    app.command()(submit)


def run(
    ctx: typer.Context,
    data: str = typer.Option(
        None, "--data", help="Raw data: CSV/Parquet file, folder of shards, or s3:// prefix. Default: generated demo shards."
    ),
    contract: Path = contract_option(),
    param: list[str] = typer.Option(None, "--param", help=PARAM_HELP),
    parallelism: int = typer.Option(4, "--parallelism", min=1, help="Shards processed at once."),
) -> None:
    """Run the whole pipeline on this machine with kfp.local, against the local (or configured) Vault.

    Shows each step while it runs; at the end, each gate's verdict and where every report, metrics
    file, model card and manifest is (RUN/results/). A bad shard fails the whole run, naming the
    shard and its report. `secure-mlops runs` lists the runs, `secure-mlops show RUN` shows one again.

    Example: secure-mlops run --data raw/ --param model_type=random_forest
    """
    from pipelines.secure_pipeline import build_pipeline
    from secure_mlops.cli.progress import step_progress
    from secure_mlops.orchestration import raise_for_failure, run_local_pipeline
    from secure_mlops.orchestration.params import parse_params

    params = parse_params(param or [], build_pipeline(cluster=False, parallelism=parallelism))
    verbose = bool(ctx.find_root().params.get("verbose"))
    with step_progress(verbose) as progress:
        summary = run_local_pipeline(get_settings(), contract=contract_or_default(contract), data=data, params=params,
                                     parallelism=parallelism, progress=progress)
    print_summary(summary)
    raise_for_failure(summary)


def runs() -> None:
    """List the local runs (STATE_DIR/pipeline-root), newest first: id, start, outcome, contract.

    Example: secure-mlops runs
    """
    from secure_mlops.orchestration import list_runs

    root = get_settings().state_dir / "pipeline-root"
    entries = list_runs(root)
    if not entries:
        typer.echo(f"no local runs under {root}")
        return
    width = max(len(e.run_id) for e in entries)
    typer.echo(f"{'RUN':<{width}}  {'STARTED':<25}  {'OUTCOME':<9}  CONTRACT")
    for entry in entries:
        typer.echo(f"{entry.run_id:<{width}}  {entry.started:<25}  {entry.outcome:<9}  {entry.contract}")
        if entry.failure:
            typer.echo(f"{'':<{width}}  {entry.failure}")


def show(
    run_id: str = typer.Argument(..., metavar="RUN", help="A run's id (from `secure-mlops runs`), part of it, latest, "
                                                          "or its folder."),
) -> None:
    """Show a local run's summary again: outcome, gates, metrics and the path of every result.

    Example: secure-mlops show latest
    """
    from secure_mlops.orchestration import find_run, load_summary

    print_summary(load_summary(find_run(get_settings().state_dir / "pipeline-root", run_id)))


def print_summary(summary: RunSummary) -> None:
    """The summary `run` ends with and `show` prints again."""
    if summary.succeeded:
        typer.echo(f"\npipeline succeeded: {summary.run_dir}")
    else:
        typer.echo(f"\npipeline failed: {summary.run_dir}")
        typer.echo(f"failure: {summary.failure}")
    typer.echo(f"run {summary.run_id}: started {summary.started}, {summary.seconds:g} s; "
               f"contract {summary.contract}; data {summary.data}")
    if summary.metrics:
        typer.echo("held-out metrics: " + ", ".join(f"{k} {v:g}" for k, v in summary.metrics.items()))
    if summary.privacy:
        typer.echo("privacy audit: " + ", ".join(f"{k} {v:g}" for k, v in summary.privacy.items()))
    if summary.gates:
        typer.echo("gates:")
        for gate in summary.gates:
            where = ""
            if gate.shard is not None:
                source = summary.shards[gate.shard] if gate.shard < len(summary.shards) else "?"
                where = f" shard {gate.shard} ({Path(source).name})"
            typer.echo(f"  {_VERDICTS[gate.passed]:<4}  {gate.name}{where}: {gate.detail}")
    if summary.deployed:
        meta = summary.deployed
        applied = "applied to the cluster" if meta.get("applied") else "not applied (apply=false)"
        typer.echo(f"deploy: {meta.get('bento_tag')} rendered to {meta.get('rendered')}, {applied}")
    if summary.results:
        typer.echo(f"results ({Path(summary.run_dir) / 'results'}):")
        for result in summary.results:
            typer.echo(f"  {result.label}: {result.path}")
    if summary.reference is not None:
        typer.echo(f"drift reference for the next run: {summary.reference}")
    typer.echo(f"log: {summary.log_file}")


def _compiled() -> Path:
    return get_settings().project_root / COMPILED


def compile_pipeline(
    output: Path = output_file(f"Where to write the pipeline YAML (default: {COMPILED} of the project).", stdout=True,
                               required=False),
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
    target = output or _compiled()
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
    package: Path = typer.Option(None, "--package", dir_okay=False,
                                 help=f"Compiled pipeline YAML. Default: {COMPILED} of the project."),
    param: list[str] = typer.Option(None, "--param", help=PARAM_HELP),
) -> None:
    """Upload the compiled pipeline as a new version and start a run with kfp.Client.

    Example: secure-mlops submit --host https://kfp.example.com/pipeline --namespace team-a --param data_uri=s3://lake/raw/
    """
    from pipelines.secure_pipeline import PIPELINE_NAME, build_pipeline
    from secure_mlops.orchestration import submit_run
    from secure_mlops.orchestration.params import parse_params

    arguments = parse_params(param or [], build_pipeline(cluster=True))
    package = package or _compiled()  # found from any working directory
    submitted = submit_run(
        package, host=host, pipeline_name=PIPELINE_NAME, arguments=arguments, namespace=namespace,
        service_account=service_account, experiment=experiment,
    )
    typer.echo(f"started run {submitted.run_id} (pipeline version {submitted.version_id}): {submitted.url}")
