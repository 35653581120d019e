"""Running the KFP pipeline: locally with kfp.local, or on a cluster with kfp.Client.

KFP is imported only when a run starts. No secret is ever a pipeline argument (steps log in to
Vault themselves), and KFP's own errors are reported by type, never quoted.
"""

from secure_mlops.orchestration.local_pipeline import demo_shards, raise_for_failure, run_local_pipeline
from secure_mlops.orchestration.local_run import LocalRun, StepProgress, run_locally
from secure_mlops.orchestration.results import ResultFile, publish_results
from secure_mlops.orchestration.runs import RunEntry, find_run, list_runs, load_summary, save_summary
from secure_mlops.orchestration.submit import PipelineError, SubmittedRun, submit_run
from secure_mlops.orchestration.summary import ArtifactRecord, Gate, RunSummary, collect_artifacts

__all__ = [
    "ArtifactRecord",
    "Gate",
    "LocalRun",
    "PipelineError",
    "ResultFile",
    "RunEntry",
    "RunSummary",
    "StepProgress",
    "SubmittedRun",
    "collect_artifacts",
    "demo_shards",
    "find_run",
    "list_runs",
    "load_summary",
    "publish_results",
    "raise_for_failure",
    "run_local_pipeline",
    "run_locally",
    "save_summary",
    "submit_run",
]
