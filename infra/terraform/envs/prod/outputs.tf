output "data_bucket" {
  description = "Name of the data bucket."
  value       = module.stack.data_bucket
}

output "prefixes" {
  description = "S3 URI of each prefix of the lake."
  value       = module.stack.prefixes
}

output "kms_key_arn" {
  description = "ARN of the SSE-KMS key."
  value       = module.stack.kms_key_arn
}

output "role_arns" {
  description = "IAM role ARN of each workload identity."
  value       = module.stack.role_arns
}

output "service_accounts" {
  description = "Namespace, name, annotations and Vault role of each workload's service account."
  value       = module.stack.service_accounts
}

output "vault" {
  description = "Transit mount and keys, Kubernetes auth mount and roles, policies for people."
  value       = module.stack.vault
}
