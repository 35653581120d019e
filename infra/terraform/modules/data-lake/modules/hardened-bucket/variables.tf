variable "bucket" {
  description = "Name of the bucket to harden. The bucket is created by the caller (aws_s3_bucket), with the checkov skips that apply to it alone."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "encryption" {
  description = "Default encryption of the bucket: sse_algorithm \"aws:kms\" with kms_key_arn, a customer-managed KMS key (with an S3 bucket key), or \"AES256\" (SSE-S3, no key) only for the bucket receiving S3 server access logs, which cannot be delivered to an SSE-KMS bucket."
  type = object({
    sse_algorithm = string
    kms_key_arn   = optional(string)
  })

  validation {
    condition = (
      (var.encryption.sse_algorithm == "aws:kms" && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.encryption.kms_key_arn))) ||
      (var.encryption.sse_algorithm == "AES256" && var.encryption.kms_key_arn == null)
    )
    error_message = "encryption must be {sse_algorithm = \"aws:kms\", kms_key_arn = <KMS key ARN, not an alias>} or {sse_algorithm = \"AES256\"} without a key."
  }
}

variable "access_log" {
  description = "Where the bucket's S3 server access logs go: the log bucket and a key prefix ending in /. Null only for the log bucket itself, which cannot log into itself."
  type = object({
    target_bucket = string
    target_prefix = string
  })
  default = null

  validation {
    condition     = var.access_log == null || try(length(var.access_log.target_bucket) > 0 && endswith(var.access_log.target_prefix, "/"), false)
    error_message = "access_log must be null or name a target_bucket and a target_prefix ending in /."
  }
}

variable "policy" {
  description = "The bucket policy (JSON, rendered from policies/s3/), attached once the public access block is in place so that it can never make the bucket public."
  type        = string

  validation {
    condition     = can(jsondecode(var.policy))
    error_message = "policy must be a JSON policy document."
  }
}

variable "lifecycle_rules" {
  description = "The bucket's lifecycle rules, in order: each an id, a key prefix (null: the whole bucket), and what it expires: current objects expiration_days after creation, expired object delete markers, noncurrent versions noncurrent_version_expiration_days after they became noncurrent, unfinished multipart uploads abort_incomplete_upload_days after they started."
  type = list(object({
    id                                 = string
    prefix                             = optional(string)
    expiration_days                    = optional(number)
    expired_object_delete_marker       = optional(bool)
    noncurrent_version_expiration_days = optional(number)
    abort_incomplete_upload_days       = optional(number)
  }))

  validation {
    # Versioning keeps every overwritten or deleted object: without such a rule the version
    # history would keep them for ever.
    condition     = anytrue([for rule in var.lifecycle_rules : rule.prefix == null && rule.noncurrent_version_expiration_days != null && rule.abort_incomplete_upload_days != null])
    error_message = "lifecycle_rules must hold a whole-bucket rule that expires noncurrent versions and aborts unfinished multipart uploads."
  }
}
