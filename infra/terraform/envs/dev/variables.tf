# The root module's own inputs: where to apply (AWS region and account, Vault server) and the
# Kubeflow namespace of the workload table in main.tf. What it passes to a module unchanged is
# declared once, in that module, and included here by symlink: variables-data-lake.tf,
# variables-vault.tf, variables-workload-identities.tf (each a module's variables-shared.tf;
# data-lake's variables.tf) and
# variables-tags.tf (../../modules/data-lake/variables-tags.tf).

variable "region" {
  description = "AWS region of the data lake (personal data stays in it)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-central-1."
  }
}

variable "allowed_account_ids" {
  description = "AWS account IDs this environment may be applied to: a plan against any other account fails before it changes anything."
  type        = list(string)

  validation {
    condition     = length(var.allowed_account_ids) > 0 && alltrue([for id in var.allowed_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "allowed_account_ids must list at least one 12-digit AWS account ID."
  }
}

variable "vault_address" {
  description = "Address of the Vault (or OpenBao) server Terraform configures, e.g. https://vault.example.com:8200."
  type        = string

  validation {
    condition     = can(regex("^https://[^\\s]+$", var.vault_address))
    error_message = "vault_address must be an https:// URL."
  }
}

variable "vault_ca_cert_file" {
  description = "CA certificate file that signs the Vault server's TLS certificate; null to use the system trust store."
  type        = string
  default     = null

  validation {
    condition     = var.vault_ca_cert_file == null || try(length(trimspace(var.vault_ca_cert_file)) > 0, false)
    error_message = "vault_ca_cert_file must be null or a file path."
  }
}

# Not nullable: null (e.g. `kubeflow_namespace = null` in terraform.tfvars) means the default.
variable "kubeflow_namespace" {
  description = "Kubeflow profile namespace the pipeline runs in (its runs use the secure-mlops-pipeline service account); the namespace k8s/overlays/<env>/pipeline sets."
  nullable    = false
  type        = string
  default     = "kubeflow-user-example-com"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.kubeflow_namespace))
    error_message = "kubeflow_namespace must be a single Kubernetes namespace name."
  }
}
