# The one declaration of tags: the workload-identities module and envs/dev include this file by
# symlink, so every layer applies the same rules. Edit it here only.

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
