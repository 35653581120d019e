output "data_bucket" {
  description = "Name of the data bucket (the pipeline's data_uri is s3://<data_bucket>/raw/...)."
  value       = module.data_lake.bucket_id
}

output "prefixes" {
  description = "S3 URI of each prefix of the lake (raw, datasets, artifacts, models, reports, audit)."
  value       = module.data_lake.prefixes
}

output "kms_key_arn" {
  description = "ARN of the SSE-KMS key: what an upload that names a key must name."
  value       = module.data_lake.kms_key_arn
}

output "role_arns" {
  description = "IAM role ARN of each workload identity."
  value       = module.workload_identities.role_arns
}

output "service_accounts" {
  description = "What k8s/overlays/<env> must create for each workload identity: namespace, service-account name, annotations (IRSA role ARN) and the Vault role it logs in with."
  value = {
    for key, workload in local.workloads : key => {
      namespace   = workload.namespace
      name        = workload.service_account
      annotations = module.workload_identities.service_account_annotations[key]
      vault_role  = workload.vault_role
    }
  }
}

output "vault" {
  description = "Vault settings for the workloads: Transit mount and key names, Kubernetes auth mount and roles, and the policies created for people."
  value = {
    transit_mount        = module.vault.transit_mount
    transit_keys         = module.vault.transit_key_names
    kubernetes_auth_path = module.vault.kubernetes_auth_path
    kubernetes_roles     = module.vault.kubernetes_roles
    human_policies       = module.vault.human_policy_names
  }
}
