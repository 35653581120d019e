# The data lake: one data bucket (raw/, datasets/, models/, reports/ and, without object lock,
# audit/), an optional object-locked audit bucket, and a log bucket for S3 server access logs.
# Every bucket gets the same hardening from ./modules/hardened-bucket (private, owner-enforced,
# versioned, encrypted, TLS-only policy, lifecycle); what differs per bucket (checkov skips,
# lifecycle rules, object lock) stays here. Every policy document comes from policies/ (one
# source for Terraform and the policy tests).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  # The modules live in this repository, next to policies/: a relative path keeps one copy.
  policies_dir = "${path.module}/../../../../policies"

  log_bucket_name   = "${var.data_bucket_name}-access-logs"
  audit_bucket_name = "${var.data_bucket_name}-audit"
  # Object lock is per bucket: locked audit records need a bucket of their own.
  separate_audit_bucket = var.audit_object_lock.enabled

  # No folder-marker objects are created for these: S3 prefixes exist by name alone, and a
  # zero-byte "raw/" object would be listed as a shard by the pipeline's planner.
  prefixes = ["raw/", "datasets/", "artifacts/", "models/", "reports/", "audit/"]

  # Versioning keeps an overwritten or deleted object as a noncurrent version: every bucket
  # removes those (without this rule raw data would outlive its retention period in the version
  # history) and aborts unfinished multipart uploads.
  noncurrent_versions_rule = {
    id                                 = "expire-noncurrent-versions"
    noncurrent_version_expiration_days = var.retention.noncurrent_version_expiration_days
    abort_incomplete_upload_days       = var.retention.abort_incomplete_upload_days
  }
}

# --- Customer-managed key for SSE-KMS ------------------------------------------------------

resource "aws_kms_key" "data" {
  description             = "SSE-KMS key of the ${var.data_bucket_name} data lake"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  # The longest KMS allows: a key scheduled for deletion by mistake can be recovered for 30 days,
  # and every object encrypted under it with it.
  deletion_window_in_days = 30
  policy = templatefile("${local.policies_dir}/iam/data-key-policy.json.tftpl", {
    account_id = data.aws_caller_identity.current.account_id
    partition  = data.aws_partition.current.partition
    region     = data.aws_region.current.name
  })
  tags = var.tags
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.data_bucket_name}"
  target_key_id = aws_kms_key.data.key_id
}

# --- Access-log bucket ---------------------------------------------------------------------

resource "aws_s3_bucket" "logs" {
  # checkov:skip=CKV_AWS_18:This is the access-log target; logging it into itself would loop and logging it elsewhere needs yet another bucket. Who reads logs is recorded by CloudTrail.
  # checkov:skip=CKV_AWS_144:Logs stay in the region of the data they describe (data residency); durability comes from S3's multi-AZ storage and versioning.
  # checkov:skip=CKV_AWS_145:S3 server access logging delivers only to buckets whose default encryption is SSE-S3 (AES256); SSE-KMS would silently drop the logs.
  bucket        = local.log_bucket_name
  force_destroy = false
  tags          = var.tags
}

module "logs_bucket" {
  source = "./modules/hardened-bucket"

  bucket = aws_s3_bucket.logs.id
  # Server access logging delivers only to SSE-S3 buckets (see the checkov skip on the bucket).
  encryption = { sse_algorithm = "AES256" }
  policy = templatefile("${local.policies_dir}/s3/log-bucket-policy.json.tftpl", {
    bucket_arn = aws_s3_bucket.logs.arn
    account_id = data.aws_caller_identity.current.account_id
    # Bucket ARNs are known before the buckets exist, so this does not depend on them.
    source_bucket_arns_json = jsonencode(concat(
      ["arn:${data.aws_partition.current.partition}:s3:::${var.data_bucket_name}"],
      local.separate_audit_bucket ? ["arn:${data.aws_partition.current.partition}:s3:::${local.audit_bucket_name}"] : [],
    ))
  })
  # One rule: the access logs expire, and so do their noncurrent versions.
  lifecycle_rules = [{
    id                                 = "expire-access-logs"
    expiration_days                    = var.retention.access_log_expiration_days
    noncurrent_version_expiration_days = var.retention.noncurrent_version_expiration_days
    abort_incomplete_upload_days       = var.retention.abort_incomplete_upload_days
  }]
}

# --- Data bucket ---------------------------------------------------------------------------

resource "aws_s3_bucket" "data" {
  # checkov:skip=CKV_AWS_144:Personal data stays in one region (data residency, GDPR art. 44); a replica would double the copies to minimize, expire and shred. Durability comes from S3's multi-AZ storage and versioning.
  bucket        = var.data_bucket_name
  force_destroy = false
  tags          = var.tags
}

module "data_bucket" {
  source = "./modules/hardened-bucket"

  bucket     = aws_s3_bucket.data.id
  encryption = { sse_algorithm = "aws:kms", kms_key_arn = aws_kms_key.data.arn }
  access_log = { target_bucket = aws_s3_bucket.logs.id, target_prefix = "${var.data_bucket_name}/" }
  policy = templatefile("${local.policies_dir}/s3/data-bucket-policy.json.tftpl", {
    bucket_arn  = aws_s3_bucket.data.arn
    kms_key_arn = aws_kms_key.data.arn
  })
  lifecycle_rules = [
    { id = "expire-raw-data", prefix = "raw/", expiration_days = var.retention.raw_expiration_days },
    # A quarantined dataset (`secure-mlops quarantine`) is raw or derived personal data: held for
    # the investigation no longer than raw data itself.
    { id = "expire-quarantined-data", prefix = "quarantine/", expiration_days = var.retention.raw_expiration_days },
    local.noncurrent_versions_rule,
    { id = "remove-expired-delete-markers", expired_object_delete_marker = true },
  ]
}

# --- Audit bucket (object lock) ------------------------------------------------------------

resource "aws_s3_bucket" "audit" {
  # checkov:skip=CKV_AWS_144:Audit records stay in the region of the data they describe (data residency); object lock and versioning protect them in place.
  count               = local.separate_audit_bucket ? 1 : 0
  bucket              = local.audit_bucket_name
  force_destroy       = false
  object_lock_enabled = true
  tags                = var.tags
}

resource "aws_s3_bucket_object_lock_configuration" "audit" {
  count  = local.separate_audit_bucket ? 1 : 0
  bucket = aws_s3_bucket.audit[0].id
  rule {
    default_retention {
      mode = var.audit_object_lock.mode
      days = var.audit_object_lock.retention_days
    }
  }

  # Object lock needs versioning, which the hardening turns on.
  depends_on = [module.audit_bucket]
}

module "audit_bucket" {
  source = "./modules/hardened-bucket"
  count  = local.separate_audit_bucket ? 1 : 0

  bucket     = aws_s3_bucket.audit[0].id
  encryption = { sse_algorithm = "aws:kms", kms_key_arn = aws_kms_key.data.arn }
  access_log = { target_bucket = aws_s3_bucket.logs.id, target_prefix = "${local.audit_bucket_name}/" }
  policy = templatefile("${local.policies_dir}/s3/data-bucket-policy.json.tftpl", {
    bucket_arn  = aws_s3_bucket.audit[0].arn
    kms_key_arn = aws_kms_key.data.arn
  })
  # Object lock already refuses early deletion; this only cleans up what the lock has released.
  lifecycle_rules = [local.noncurrent_versions_rule]
}
