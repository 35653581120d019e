# The same root module for every environment: envs/dev and envs/prod hold identical .tf files
# and differ only in terraform.tfvars and backend.hcl (tests/policies check that).

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

module "stack" {
  source = "../../stack"

  environment             = var.environment
  data_bucket_name        = var.data_bucket_name
  identity_provider       = var.identity_provider
  kubeflow_namespace      = var.kubeflow_namespace
  retention               = var.retention
  audit_object_lock       = var.audit_object_lock
  vault_kubernetes_auth   = var.vault_kubernetes_auth
  vault_token_bound_cidrs = var.vault_token_bound_cidrs
  vault_transit           = var.vault_transit
  tags                    = var.tags
}
