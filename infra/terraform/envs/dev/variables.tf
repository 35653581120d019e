# Variables left null fall back to the defaults of ../../stack (its variables are not nullable).

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

variable "environment" {
  description = "Environment name (dev, staging, prod)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "data_bucket_name" {
  description = "Globally unique name of the data bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,49}[a-z0-9]$", var.data_bucket_name))
    error_message = "data_bucket_name must be 3-51 characters of lowercase letters, digits and hyphens."
  }
}

variable "identity_provider" {
  description = "How pods of the existing EKS cluster get their IAM role (see ../../stack)."
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
}

variable "kubeflow_namespace" {
  description = "Kubeflow profile namespace of the pipeline runs; null for the stack default (kubeflow-user-example-com). Must be the namespace k8s/overlays/<env>/pipeline sets."
  type        = string
  default     = null

  validation {
    condition     = var.kubeflow_namespace == null || can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.kubeflow_namespace))
    error_message = "kubeflow_namespace must be null or a Kubernetes namespace name."
  }
}

variable "retention" {
  description = "Lifecycle of the lake in days (see ../../stack); null for the stack defaults."
  type = object({
    raw_expiration_days                = number
    noncurrent_version_expiration_days = number
    abort_incomplete_upload_days       = number
    access_log_expiration_days         = number
  })
  default = null

  validation {
    condition     = var.retention == null || try(var.retention.raw_expiration_days >= 1, false)
    error_message = "retention.raw_expiration_days must be at least 1."
  }
}

variable "audit_object_lock" {
  description = "Object lock of the audit records (see ../../stack); null for the stack default (GOVERNANCE, 365 days)."
  type = object({
    enabled        = bool
    mode           = string
    retention_days = number
  })
  default = null

  validation {
    condition     = var.audit_object_lock == null || try(contains(["GOVERNANCE", "COMPLIANCE"], var.audit_object_lock.mode), false)
    error_message = "audit_object_lock.mode must be GOVERNANCE or COMPLIANCE."
  }
}

variable "vault_kubernetes_auth" {
  description = "API server URL, CA certificate and token audience for Vault's Kubernetes auth (see ../../stack); null for the in-cluster defaults."
  type = object({
    kubernetes_host    = string
    kubernetes_ca_cert = optional(string)
    audience           = string
  })
  default = null

  validation {
    condition     = var.vault_kubernetes_auth == null || try(startswith(var.vault_kubernetes_auth.kubernetes_host, "https://"), false)
    error_message = "vault_kubernetes_auth.kubernetes_host must be an https:// URL."
  }
}

variable "vault_token_bound_cidrs" {
  description = "Pod CIDR blocks Vault tokens are bound to (see ../../stack); null for no restriction."
  type        = list(string)
  default     = null

  validation {
    condition     = var.vault_token_bound_cidrs == null || try(alltrue([for cidr in var.vault_token_bound_cidrs : can(cidrhost(cidr, 0))]), false)
    error_message = "vault_token_bound_cidrs must hold valid CIDR blocks."
  }
}

variable "vault_transit" {
  description = "Transit rotation periods and the min_version (oldest usable version) of each key (see ../../stack); null for the stack defaults. Raise a min_version here, never only with the CLI: the next apply would lower it again."
  type = object({
    data_key_rotation_period_seconds    = number
    signing_key_rotation_period_seconds = number
    min_version = object({
      data      = number
      pseudonym = number
      signing   = number
    })
  })
  default = null

  validation {
    condition     = var.vault_transit == null || try(var.vault_transit.min_version.data >= 1, false)
    error_message = "vault_transit.min_version values must be at least 1."
  }
}

variable "tags" {
  description = "Tags added to every AWS resource; null for none."
  type        = map(string)
  default     = null

  validation {
    condition     = var.tags == null || try(alltrue([for key, _ in var.tags : length(key) > 0]), false)
    error_message = "tags keys must not be empty."
  }
}
