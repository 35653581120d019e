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

variable "human_policies" {
  description = "Vault policies (policies/vault/<name>.hcl) to create for people rather than workloads, attached by the team to their own login method: the key operator, the break-glass key shredder and the re-identifier (the only decrypter of reversible tokens)."
  type        = set(string)
  default     = ["secure-mlops-operator", "secure-mlops-key-shredder", "secure-mlops-reidentifier"]

  validation {
    condition     = alltrue([for name in var.human_policies : contains(["secure-mlops-operator", "secure-mlops-key-shredder", "secure-mlops-reidentifier"], name)])
    error_message = "human_policies may hold secure-mlops-operator, secure-mlops-key-shredder and secure-mlops-reidentifier."
  }
}
