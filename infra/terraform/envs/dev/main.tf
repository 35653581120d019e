# The secure-mlops platform layer of one environment, plugged into an existing EKS cluster and an
# existing Vault: the data lake, one IAM role and one Vault role per workload identity. The same
# root module serves every environment: envs/dev and envs/prod hold identical .tf files and
# differ only in terraform.tfvars and backend.hcl (tests/policies check that).

provider "aws" {
  region              = var.region
  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = { "managed-by" = "terraform", "terraform-root" = "infra/terraform/envs/${var.environment}" }
  }
}

# Credentials come from the environment (VAULT_TOKEN, or a login method configured there), never
# from a variable: a token in tfvars would end up in the repository and in plan files.
provider "vault" {
  address         = var.vault_address
  ca_cert_file    = var.vault_ca_cert_file
  skip_tls_verify = false
}

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
  source = "../../modules/data-lake"

  data_bucket_name  = var.data_bucket_name
  retention         = var.retention
  audit_object_lock = var.audit_object_lock
  tags              = local.tags
}

module "workload_identities" {
  source = "../../modules/workload-identities"

  environment       = var.environment
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
  source = "../../modules/vault"

  vault_kubernetes_auth = var.vault_kubernetes_auth
  roles = {
    for workload in local.workloads : workload.vault_role => {
      namespace             = workload.namespace
      service_account       = workload.service_account
      token_ttl_seconds     = workload.token_ttl_seconds
      token_max_ttl_seconds = 3600
    }
  }
  vault_token_bound_cidrs = var.vault_token_bound_cidrs
  vault_transit           = var.vault_transit
}
