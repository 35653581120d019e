# The inputs of one environment, declared once. envs/<env>/ include this file by symlink
# (variables-stack.tf) and pass every value through unchanged: the root module and the stack
# apply the same types, defaults and validations, which cannot drift apart. identity_provider
# is declared in variables-identity-provider.tf, a symlink to the workload-identities module's.
#
# Variables with a default are not nullable: null (e.g. `retention = null` in terraform.tfvars)
# means the default below.

variable "environment" {
  description = "Environment name (dev, staging, prod): part of every IAM role name."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "data_bucket_name" {
  description = "Globally unique name of the data bucket; the log and audit buckets derive their names from it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,49}[a-z0-9]$", var.data_bucket_name)) && !strcontains(var.data_bucket_name, "--")
    error_message = "data_bucket_name must be 3-51 characters of lowercase letters, digits and single hyphens."
  }
}

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

variable "retention" {
  description = "Lifecycle of the lake in days (see the data-lake module): raw data expiry, noncurrent-version expiry, incomplete-upload abort, access-log expiry."
  nullable    = false
  type = object({
    raw_expiration_days                = number
    noncurrent_version_expiration_days = number
    abort_incomplete_upload_days       = number
    access_log_expiration_days         = number
  })
  default = {
    raw_expiration_days                = 30
    noncurrent_version_expiration_days = 7
    abort_incomplete_upload_days       = 1
    access_log_expiration_days         = 365
  }

  validation {
    condition     = var.retention.raw_expiration_days >= 1 && var.retention.raw_expiration_days <= 365
    error_message = "retention.raw_expiration_days must be between 1 and 365."
  }
}

variable "audit_object_lock" {
  description = "Object lock of the audit records (see the data-lake module): enabled, mode (GOVERNANCE or COMPLIANCE), default retention in days."
  nullable    = false
  type = object({
    enabled        = bool
    mode           = string
    retention_days = number
  })
  default = {
    enabled        = true
    mode           = "GOVERNANCE"
    retention_days = 365
  }

  validation {
    condition     = contains(["GOVERNANCE", "COMPLIANCE"], var.audit_object_lock.mode)
    error_message = "audit_object_lock.mode must be GOVERNANCE or COMPLIANCE."
  }
}

variable "vault_kubernetes_auth" {
  description = "How Vault checks service-account tokens: the Kubernetes API server URL, its CA certificate (PEM; null when Vault runs in the cluster), and the audience the tokens carry."
  nullable    = false
  type = object({
    kubernetes_host    = string
    kubernetes_ca_cert = optional(string)
    audience           = string
  })
  default = {
    kubernetes_host    = "https://kubernetes.default.svc"
    kubernetes_ca_cert = null
    audience           = "vault"
  }

  validation {
    condition     = can(regex("^https://[^\\s]+$", var.vault_kubernetes_auth.kubernetes_host)) && !strcontains(var.vault_kubernetes_auth.audience, "*")
    error_message = "vault_kubernetes_auth.kubernetes_host must be an https:// URL and the audience must not be a wildcard."
  }
}

variable "vault_token_bound_cidrs" {
  description = "The cluster's pod CIDR blocks: Vault tokens issued to the workloads are usable only from there. Empty: no source-address restriction."
  nullable    = false
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.vault_token_bound_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0" && cidr != "::/0"])
    error_message = "vault_token_bound_cidrs must hold valid CIDR blocks narrower than the whole internet."
  }
}

variable "vault_transit" {
  description = "Transit key settings (see the vault module): rotation periods of the data and signing keys in seconds, and each key's min_version (oldest usable version)."
  nullable    = false
  type = object({
    data_key_rotation_period_seconds    = number
    signing_key_rotation_period_seconds = number
    min_version = object({
      data      = number
      pseudonym = number
      signing   = number
    })
  })
  default = {
    data_key_rotation_period_seconds    = 2592000
    signing_key_rotation_period_seconds = 7776000
    min_version = {
      data      = 1
      pseudonym = 1
      signing   = 1
    }
  }

  validation {
    condition     = var.vault_transit.data_key_rotation_period_seconds >= 3600 && var.vault_transit.signing_key_rotation_period_seconds >= 3600
    error_message = "Rotation periods must be at least 3600 seconds (Vault's minimum)."
  }
}

variable "tags" {
  description = "Tags added to every AWS resource."
  nullable    = false
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key, value in var.tags : length(key) > 0 && length(key) <= 128 && length(value) <= 256])
    error_message = "tags keys must be 1-128 characters and values at most 256 characters."
  }
}
