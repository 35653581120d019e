# The inputs an environment root passes to this module unchanged, declared once: envs/dev
# includes this file by symlink (variables-vault.tf), so the root and the module apply the same
# types, defaults and validations. Edit them here only.
#
# Not nullable: null (e.g. `vault_transit = null` in terraform.tfvars) means the default.

variable "vault_kubernetes_auth" {
  description = "The Kubernetes auth method: the API server Vault sends TokenReview requests to, that server's CA certificate (PEM; null when Vault runs in the cluster and uses its own pod's CA), the audience every login token must carry (\"vault\": pods mount a projected token for that audience only, so their Kubernetes API token is useless against Vault and vice versa), and the mount path (the application's SECURE_MLOPS_VAULT_KUBERNETES_MOUNT, default kubernetes)."
  nullable    = false
  type = object({
    kubernetes_host    = string
    kubernetes_ca_cert = optional(string)
    audience           = string
    mount_path         = optional(string, "kubernetes")
  })
  default = {
    kubernetes_host    = "https://kubernetes.default.svc"
    kubernetes_ca_cert = null
    audience           = "vault"
  }

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$", var.vault_kubernetes_auth.mount_path))
    error_message = "vault_kubernetes_auth.mount_path must be a Vault path without leading or trailing slashes."
  }
  validation {
    condition     = can(regex("^https://[^\\s]+$", var.vault_kubernetes_auth.kubernetes_host))
    error_message = "vault_kubernetes_auth.kubernetes_host must be an https:// URL."
  }
  validation {
    condition     = var.vault_kubernetes_auth.kubernetes_ca_cert == null || can(regex("-----BEGIN CERTIFICATE-----", var.vault_kubernetes_auth.kubernetes_ca_cert))
    error_message = "vault_kubernetes_auth.kubernetes_ca_cert must be null or a PEM certificate."
  }
  validation {
    condition     = length(trimspace(var.vault_kubernetes_auth.audience)) > 0 && !strcontains(var.vault_kubernetes_auth.audience, "*")
    error_message = "vault_kubernetes_auth.audience must be a non-empty audience, never a wildcard."
  }
}

variable "vault_token_bound_cidrs" {
  description = "The cluster's pod CIDR blocks: Vault tokens issued to the workloads' roles are usable only from there. Empty: no source-address restriction."
  nullable    = false
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.vault_token_bound_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0" && cidr != "::/0"])
    error_message = "vault_token_bound_cidrs must hold valid CIDR blocks narrower than the whole internet."
  }
}

variable "vault_transit" {
  description = "Transit keys: automatic rotation period of the data-key KEK and of the signing key (seconds; Vault's minimum is one hour), and each key's min_version, the oldest version still usable (min_decryption_version and min_encryption_version; raised to retire versions after a rewrap, see infra/terraform/README.md). The HMAC key has no automatic rotation: rotating it changes every pseudonym."
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
    data_key_rotation_period_seconds    = 2592000 # 30 days
    signing_key_rotation_period_seconds = 7776000 # 90 days
    min_version = {
      data      = 1
      pseudonym = 1
      signing   = 1
    }
  }

  validation {
    # Vault refuses periods under an hour; more than a year defeats the purpose of rotating.
    condition = alltrue([
      for period in [var.vault_transit.data_key_rotation_period_seconds, var.vault_transit.signing_key_rotation_period_seconds] :
      period >= 3600 && period <= 31536000
    ])
    error_message = "Rotation periods must be between 3600 (one hour) and 31536000 (one year) seconds."
  }
  validation {
    condition = alltrue([
      for version in values(var.vault_transit.min_version) : version >= 1 && floor(version) == version
    ])
    error_message = "Each min_version must be a whole number of at least 1."
  }
}
