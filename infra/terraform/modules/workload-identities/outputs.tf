output "role_arns" {
  description = "IAM role ARN of each workload, by workload key."
  value       = { for key, role in aws_iam_role.this : key => role.arn }
}

output "service_account_annotations" {
  description = "Annotations each workload's Kubernetes service account needs, by workload key: the IRSA role-arn annotation, or none with Pod Identity (the association does the binding)."
  value = {
    for key, role in aws_iam_role.this : key => local.irsa ? { "eks.amazonaws.com/role-arn" = role.arn } : {}
  }
}
