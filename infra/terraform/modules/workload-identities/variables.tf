variable "workloads" {
  description = "One IAM role per workload identity, keyed by workload: the single namespace and service account allowed to assume it, and the permissions policy it gets (policies/iam/<policy>.json.tftpl)."
  type = map(object({
    namespace       = string
    service_account = string
    policy          = string
  }))

  validation {
    condition     = length(var.workloads) > 0 && alltrue([for key, _ in var.workloads : can(regex("^[a-z][a-z0-9-]{0,15}$", key))])
    error_message = "workloads must not be empty and its keys must be 1-16 lowercase letters, digits or hyphens."
  }
  validation {
    # DNS-1123 names: in particular never "*" or a pattern, which would bind many accounts.
    condition     = alltrue([for workload in var.workloads : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", workload.namespace)) && can(regex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$", workload.service_account))])
    error_message = "Each workload's namespace and service_account must be a single Kubernetes name (DNS-1123), never a wildcard."
  }
  validation {
    condition     = alltrue([for workload in var.workloads : contains(["pipeline-runner", "inference", "deployer", "auditor"], workload.policy)])
    error_message = "Each workload's policy must be one of pipeline-runner, inference, deployer, auditor (files in policies/iam/)."
  }
}

variable "data_lake" {
  description = "The data lake the policies are scoped to: the data bucket, the bucket holding audit/ (the same bucket when object lock is off) and the SSE-KMS key."
  type = object({
    bucket_arn       = string
    audit_bucket_arn = string
    kms_key_arn      = string
  })

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]+$", var.data_lake.bucket_arn)) && can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]+$", var.data_lake.audit_bucket_arn))
    error_message = "data_lake.bucket_arn and data_lake.audit_bucket_arn must be S3 bucket ARNs (no object path, no wildcard)."
  }
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.data_lake.kms_key_arn))
    error_message = "data_lake.kms_key_arn must be a KMS key ARN (not an alias)."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of an IAM permissions boundary to attach to every role, when the account requires one; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be null or an IAM policy ARN."
  }
}

variable "max_session_duration_seconds" {
  description = "Longest session a role grants, in seconds. The SDKs refresh web-identity and Pod Identity credentials on their own, so the IAM minimum of one hour is enough."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration_seconds >= 3600 && var.max_session_duration_seconds <= 14400
    error_message = "max_session_duration_seconds must be between 3600 and 14400."
  }
}
