# The inputs an environment root passes to this module unchanged, declared once: envs/dev
# includes this file by symlink (variables-workload-identities.tf), so the root and the module
# apply the same types and validations. Edit them here only.

variable "environment" {
  description = "Environment name (dev, staging, prod): every IAM role is named secure-mlops-<environment>-<workload>."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "identity_provider" {
  description = "How pods of the existing EKS cluster obtain their IAM role: type \"irsa\" (IAM roles for service accounts; needs the cluster's OIDC provider ARN and issuer URL) or \"pod_identity\" (EKS Pod Identity; needs the cluster name and the eks-pod-identity-agent add-on). The cluster and its OIDC provider are not managed here."
  type = object({
    type              = string
    cluster_name      = optional(string)
    oidc_provider_arn = optional(string)
    oidc_provider_url = optional(string)
  })

  validation {
    condition     = contains(["irsa", "pod_identity"], var.identity_provider.type)
    error_message = "identity_provider.type must be \"irsa\" or \"pod_identity\"."
  }
  validation {
    condition = var.identity_provider.type != "irsa" || (
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$", var.identity_provider.oidc_provider_arn)) &&
      can(regex("^https://[^*\\s]+$", var.identity_provider.oidc_provider_url))
    )
    error_message = "With type \"irsa\", identity_provider.oidc_provider_arn must be an IAM OIDC provider ARN and oidc_provider_url the cluster's https:// issuer URL."
  }
  validation {
    condition     = var.identity_provider.type != "pod_identity" || can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.identity_provider.cluster_name))
    error_message = "With type \"pod_identity\", identity_provider.cluster_name must be the EKS cluster's name."
  }
}
