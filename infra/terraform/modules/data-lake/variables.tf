# The inputs an environment root passes to this module unchanged, declared once: envs/dev
# includes this file by symlink (variables-data-lake.tf), so the root and the module apply the
# same types, defaults and validations. Edit them here only.
#
# Those with a default are not nullable: null (e.g. `retention = null` in terraform.tfvars)
# means the default.

variable "data_bucket_name" {
  description = "Globally unique name of the data bucket. The access-log bucket is named <data_bucket_name>-access-logs and, with object lock on, the audit bucket <data_bucket_name>-audit."
  type        = string

  validation {
    # S3 naming rules, minus 12 characters for the "-access-logs" suffix of the log bucket.
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,49}[a-z0-9]$", var.data_bucket_name)) && !strcontains(var.data_bucket_name, "--")
    error_message = "data_bucket_name must be 3-51 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit."
  }
}

variable "retention" {
  description = "Lifecycle of the lake in days: raw/ objects expire raw_expiration_days after upload (retention is part of data minimization); a noncurrent (overwritten or deleted) version of any object is removed noncurrent_version_expiration_days after it became noncurrent; unfinished multipart uploads are aborted after abort_incomplete_upload_days; access logs expire after access_log_expiration_days."
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
    condition = alltrue([
      var.retention.raw_expiration_days >= 1 && var.retention.raw_expiration_days <= 365,
      var.retention.noncurrent_version_expiration_days >= 1 && var.retention.noncurrent_version_expiration_days <= 90,
      var.retention.abort_incomplete_upload_days >= 1 && var.retention.abort_incomplete_upload_days <= 7,
      var.retention.access_log_expiration_days >= 90 && var.retention.access_log_expiration_days <= 3650,
    ])
    error_message = "retention out of range: raw_expiration_days must be 1-365 (raw personal data is kept only as long as the pipeline needs it), noncurrent_version_expiration_days 1-90 (old versions of raw data are raw data too), abort_incomplete_upload_days 1-7, access_log_expiration_days 90-3650."
  }
}

variable "audit_object_lock" {
  description = "Object lock (WORM) for the audit/ records. Object lock is a per-bucket setting, so when enabled audit/ lives in a separate <data_bucket_name>-audit bucket with a default retention of retention_days in the given mode (GOVERNANCE: privileged users may bypass; COMPLIANCE: nobody, not even the account root, can shorten it). When disabled, audit/ is a prefix of the data bucket."
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
  validation {
    condition     = var.audit_object_lock.retention_days >= 1 && var.audit_object_lock.retention_days <= 3650
    error_message = "audit_object_lock.retention_days must be between 1 and 3650."
  }
}
