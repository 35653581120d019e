variable "kubernetes_auth" {
  description = "The Kubernetes auth method: its mount path (the application's SECURE_MLOPS_VAULT_KUBERNETES_MOUNT), the API server Vault sends TokenReview requests to, that server's CA certificate (PEM; null when Vault runs in the cluster and uses its own pod's CA), and the audience every login token must carry (\"vault\": pods mount a projected token for that audience only, so their Kubernetes API token is useless against Vault and vice versa)."
  type = object({
    mount_path         = string
    kubernetes_host    = string
    kubernetes_ca_cert = optional(string)
    audience           = string
  })
  default = {
    mount_path         = "kubernetes"
    kubernetes_host    = "https://kubernetes.default.svc"
    kubernetes_ca_cert = null
    audience           = "vault"
  }

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$", var.kubernetes_auth.mount_path))
    error_message = "kubernetes_auth.mount_path must be a Vault path without leading or trailing slashes."
  }
  validation {
    condition     = can(regex("^https://[^\\s]+$", var.kubernetes_auth.kubernetes_host))
    error_message = "kubernetes_auth.kubernetes_host must be an https:// URL."
  }
  validation {
    condition     = var.kubernetes_auth.kubernetes_ca_cert == null || can(regex("-----BEGIN CERTIFICATE-----", var.kubernetes_auth.kubernetes_ca_cert))
    error_message = "kubernetes_auth.kubernetes_ca_cert must be null or a PEM certificate."
  }
  validation {
    condition     = length(trimspace(var.kubernetes_auth.audience)) > 0 && !strcontains(var.kubernetes_auth.audience, "*")
    error_message = "kubernetes_auth.audience must be a non-empty audience, never a wildcard."
  }
}

variable "roles" {
  description = "One Kubernetes auth role per workload identity, keyed by role name; each role gets the Vault policy of the same name (policies/vault/<role>.hcl) and is bound to exactly one service account in one namespace. Token TTLs in seconds, at most one hour."
  type = map(object({
    namespace             = string
    service_account       = string
    token_ttl_seconds     = number
    token_max_ttl_seconds = number
  }))

  validation {
    condition     = alltrue([for name, _ in var.roles : contains(["secure-mlops-pipeline", "secure-mlops-inference", "secure-mlops-deployer", "secure-mlops-auditor"], name)])
    error_message = "roles keys must be policy names of workloads in policies/vault/: secure-mlops-pipeline, secure-mlops-inference, secure-mlops-deployer, secure-mlops-auditor."
  }
  validation {
    # DNS-1123 names: never "*" or a glob, which Vault would accept and match many accounts with.
    condition     = alltrue([for role in var.roles : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", role.namespace)) && can(regex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$", role.service_account))])
    error_message = "Each role's namespace and service_account must be a single Kubernetes name (DNS-1123), never a wildcard."
  }
  validation {
    condition     = alltrue([for role in var.roles : role.token_ttl_seconds >= 60 && role.token_ttl_seconds <= role.token_max_ttl_seconds && role.token_max_ttl_seconds <= 3600])
    error_message = "Each role needs 60 <= token_ttl_seconds <= token_max_ttl_seconds <= 3600: tokens live an hour at most."
  }
}

variable "token_bound_cidrs" {
  description = "CIDR blocks (the cluster's pod network) from which tokens issued to the roles may be used; an empty list does not restrict by source address."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.token_bound_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0" && cidr != "::/0"])
    error_message = "token_bound_cidrs must hold valid CIDR blocks narrower than the whole internet."
  }
}

variable "transit" {
  description = "Transit keys: automatic rotation period of the data-key KEK and of the signing key (seconds; Vault's minimum is one hour), and each key's min_version, the oldest version still usable (min_decryption_version and min_encryption_version; raised to retire versions after a rewrap, see infra/terraform/README.md). The HMAC key has no automatic rotation: rotating it changes every pseudonym."
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
      for period in [var.transit.data_key_rotation_period_seconds, var.transit.signing_key_rotation_period_seconds] :
      period >= 3600 && period <= 31536000
    ])
    error_message = "Rotation periods must be between 3600 (one hour) and 31536000 (one year) seconds."
  }
  validation {
    condition = alltrue([
      for version in values(var.transit.min_version) : version >= 1 && floor(version) == version
    ])
    error_message = "Each min_version must be a whole number of at least 1."
  }
}

variable "human_policies" {
  description = "Vault policies (policies/vault/<name>.hcl) to create for people rather than workloads, attached by the team to their own login method: the key operator and the break-glass key shredder."
  type        = set(string)
  default     = ["secure-mlops-operator", "secure-mlops-key-shredder"]

  validation {
    condition     = alltrue([for name in var.human_policies : contains(["secure-mlops-operator", "secure-mlops-key-shredder"], name)])
    error_message = "human_policies may hold secure-mlops-operator and secure-mlops-key-shredder."
  }
}
