"""Running the KFP pipeline: locally with kfp.local, or on a cluster with kfp.Client.

KFP is imported only when a run starts. No secret is ever a pipeline argument (steps log in to
Vault themselves), and KFP's own errors are reported by type, never quoted.
"""

from secure_mlops.orchestration.local_pipeline import RunSummary, demo_shards, run_local_pipeline
from secure_mlops.orchestration.local_run import LocalRun, run_locally
from secure_mlops.orchestration.submit import PipelineError, SubmittedRun, submit_run
from secure_mlops.orchestration.summary import ArtifactRecord, collect_artifacts

__all__ = [
    "ArtifactRecord",
    "LocalRun",
    "PipelineError",
    "RunSummary",
    "SubmittedRun",
    "collect_artifacts",
    "demo_shards",
    "run_local_pipeline",
    "run_locally",
    "submit_run",
]
