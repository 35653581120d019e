# The whole secure-mlops platform layer for one environment, plugged into an existing EKS cluster
# and an existing Vault: the data lake, one IAM role and one Vault role per workload identity.
# envs/<env>/ only configure the providers and call this module with their terraform.tfvars.

locals {
  # The project's own namespace (k8s/base/kustomization.yaml).
  app_namespace = "secure-mlops"

  # Every workload identity, in one table: the Kubernetes service account it runs as, its IAM
  # permissions (policies/iam/<iam_policy>.json.tftpl) and its Vault role and policy
  # (policies/vault/<vault_role>.hcl). Service-account names agree with k8s/ and with
  # pipelines/platform.py (Vault role secure-mlops-pipeline).
  #
  # KFP assigns one service account per run, not per step: the pipeline runner therefore holds
  # the union of what its steps need (read raw/, write datasets/, models/, reports/; data keys,
  # HMAC, signing). A step that only trains could, in principle, read raw data; splitting that
  # needs one run (or one pipeline) per step.
  workloads = {
    pipeline = {
      namespace       = var.kubeflow_namespace
      service_account = "secure-mlops-pipeline"
      iam_policy      = "pipeline-runner"
      vault_role      = "secure-mlops-pipeline"
      # Steps log in once and never renew: the token must outlive the step timeout (3600 s).
      token_ttl_seconds = 3600
    }
    inference = {
      namespace         = local.app_namespace
      service_account   = "secure-mlops-inference"
      iam_policy        = "inference"
      vault_role        = "secure-mlops-inference"
      token_ttl_seconds = 900
    }
    deployer = {
      namespace         = local.app_namespace
      service_account   = "secure-mlops-deployer"
      iam_policy        = "deployer"
      vault_role        = "secure-mlops-deployer"
      token_ttl_seconds = 900
    }
    auditor = {
      namespace         = local.app_namespace
      service_account   = "secure-mlops-auditor"
      iam_policy        = "auditor"
      vault_role        = "secure-mlops-auditor"
      token_ttl_seconds = 900
    }
  }

  tags = merge(var.tags, { "app.kubernetes.io/part-of" = "secure-mlops", environment = var.environment })
}

module "data_lake" {
  source = "../modules/data-lake"

  bucket_name       = var.data_bucket_name
  retention         = var.retention
  audit_object_lock = var.audit_object_lock
  tags              = local.tags
}

module "workload_identities" {
  source = "../modules/workload-identities"

  name_prefix       = "secure-mlops-${var.environment}"
  identity_provider = var.identity_provider
  workloads = {
    for key, workload in local.workloads : key => {
      namespace       = workload.namespace
      service_account = workload.service_account
      policy          = workload.iam_policy
    }
  }
  data_lake = {
    bucket_arn       = module.data_lake.bucket_arn
    audit_bucket_arn = module.data_lake.audit_bucket_arn
    kms_key_arn      = module.data_lake.kms_key_arn
  }
  tags = local.tags
}

module "vault" {
  source = "../modules/vault"

  kubernetes_auth = {
    mount_path         = "kubernetes"
    kubernetes_host    = var.vault_kubernetes_auth.kubernetes_host
    kubernetes_ca_cert = var.vault_kubernetes_auth.kubernetes_ca_cert
    audience           = var.vault_kubernetes_auth.audience
  }
  roles = {
    for workload in local.workloads : workload.vault_role => {
      namespace             = workload.namespace
      service_account       = workload.service_account
      token_ttl_seconds     = workload.token_ttl_seconds
      token_max_ttl_seconds = 3600
    }
  }
  token_bound_cidrs = var.vault_token_bound_cidrs
  transit           = var.vault_transit
}
