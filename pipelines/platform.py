"""Cluster settings for every task (kfp-kubernetes); kfp.local ignores them.

Each step runs non-root, labelled with the data classification it handles, with a timeout and a
memory-backed scratch volume, and logs in to Vault with its service-account token (Kubernetes
auth): no secret, token or key is ever part of the compiled pipeline.
"""

from kfp import kubernetes
from kfp.dsl import PipelineTask

RUN_AS_USER = 10001
SCRATCH = "/scratch"
STEP_TIMEOUT_SECONDS = 3600
VAULT_ENV = {
    "SECURE_MLOPS_VAULT_AUTH": "kubernetes",
    "SECURE_MLOPS_VAULT_KUBERNETES_ROLE": "secure-mlops-pipeline",
    "VAULT_ADDR": "https://vault.vault.svc:8200",
    "SECURE_MLOPS_SCRATCH_DIR": SCRATCH,
}


def harden(task: PipelineTask, *, classification: str) -> PipelineTask:
    """Apply the project's cluster settings to one task; `classification` labels its pod."""
    kubernetes.set_security_context(task, run_as_user=RUN_AS_USER, run_as_group=RUN_AS_USER, run_as_non_root=True)
    kubernetes.add_pod_label(task, "secure-mlops/data-classification", classification)
    kubernetes.set_timeout(task, STEP_TIMEOUT_SECONDS)
    kubernetes.empty_dir_mount(task, volume_name="scratch", mount_path=SCRATCH, medium="Memory", size_limit="2Gi")
    for name, value in VAULT_ENV.items():
        task.set_env_variable(name, value)
    task.set_caching_options(False)  # every run re-reads Vault-held keys and re-checks its gates
    return task
