variable "kms_key" {
  description = "The customer-managed KMS key that encrypts the data and audit buckets (SSE-KMS): days before a scheduled deletion takes effect, and days between automatic rotations."
  type = object({
    deletion_window_in_days = number
    rotation_period_in_days = number
  })
  default = {
    deletion_window_in_days = 30
    rotation_period_in_days = 365
  }

  validation {
    condition     = var.kms_key.deletion_window_in_days >= 7 && var.kms_key.deletion_window_in_days <= 30
    error_message = "kms_key.deletion_window_in_days must be between 7 and 30 (the range KMS accepts)."
  }
  validation {
    condition     = var.kms_key.rotation_period_in_days >= 90 && var.kms_key.rotation_period_in_days <= 2560
    error_message = "kms_key.rotation_period_in_days must be between 90 and 2560 (the range KMS accepts)."
  }
}
