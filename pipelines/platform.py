"""Cluster settings for every task (kfp-kubernetes); kfp.local ignores them.

Each step runs non-root, labelled with the data classification it handles, with a timeout and a
memory-backed scratch volume, and logs in to Vault with its service-account token (Kubernetes
auth) over TLS checked against the CA in the `secure-mlops-vault-ca` ConfigMap
(scripts/bootstrap-vault.sh creates it): no secret, token or key is ever part of the compiled
pipeline.

Data contracts can come from the optional `secure-mlops-contracts` ConfigMap, mounted at
/contracts: `contract_path=/contracts/churn.yaml` then reads its `churn.yaml` key, and a new
contract needs a `kubectl create configmap`, not a new image (docs/contracts.md).
"""

from kfp import kubernetes
from kfp.dsl import PipelineTask

RUN_AS_USER = 10001
SCRATCH = "/scratch"
STEP_TIMEOUT_SECONDS = 3600
DEFAULT_VAULT_ADDR = "https://vault.vault.svc:8200"
# No public CA signs a `.svc` name: the CA that signed Vault's certificate is mounted into every
# step, and VAULT_CACERT points the client at it.
VAULT_CA_CONFIGMAP = "secure-mlops-vault-ca"
VAULT_CA_DIR = "/etc/secure-mlops/vault-ca"
VAULT_ENV = {
    "SECURE_MLOPS_VAULT_AUTH": "kubernetes",
    "SECURE_MLOPS_VAULT_KUBERNETES_ROLE": "secure-mlops-pipeline",
    "VAULT_CACERT": f"{VAULT_CA_DIR}/ca.crt",
    "SECURE_MLOPS_SCRATCH_DIR": SCRATCH,
}
CONTRACTS_CONFIGMAP = "secure-mlops-contracts"
CONTRACTS_DIR = "/contracts"


def harden(task: PipelineTask, *, classification: str, vault_addr: str) -> PipelineTask:
    """Apply the project's cluster settings to one task; `classification` labels its pod."""
    kubernetes.set_security_context(task, run_as_user=RUN_AS_USER, run_as_group=RUN_AS_USER, run_as_non_root=True)
    kubernetes.add_pod_label(task, "secure-mlops/data-classification", classification)
    kubernetes.set_timeout(task, STEP_TIMEOUT_SECONDS)
    kubernetes.empty_dir_mount(task, volume_name="scratch", mount_path=SCRATCH, medium="Memory", size_limit="2Gi")
    kubernetes.use_config_map_as_volume(task, config_map_name=VAULT_CA_CONFIGMAP, mount_path=VAULT_CA_DIR)
    # Optional: without it, contracts come from the image or s3:// and the step still starts.
    kubernetes.use_config_map_as_volume(task, config_map_name=CONTRACTS_CONFIGMAP, mount_path=CONTRACTS_DIR,
                                        optional=True)
    for name, value in {**VAULT_ENV, "VAULT_ADDR": vault_addr}.items():
        task.set_env_variable(name, value)
    task.set_caching_options(False)  # every run re-reads Vault-held keys and re-checks its gates
    return task
