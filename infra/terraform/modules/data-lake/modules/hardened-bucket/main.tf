# The hardening every bucket of the lake gets, written once: ACLs off, all four public-access
# blocks, versioning, default encryption, EventBridge notifications, server access logs (for
# every bucket but the one receiving them), the bucket policy and the lifecycle rules (which
# must bound the noncurrent versions that versioning keeps).
#
# The aws_s3_bucket itself stays with the caller: its inline checkov skips differ from bucket to
# bucket, and a skip written here would apply to every bucket hardened by this module.

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = var.bucket
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = var.bucket
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = var.bucket
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = var.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.encryption.sse_algorithm
      kms_master_key_id = var.encryption.kms_key_arn
    }
    # SSE-KMS: one KMS request per bucket key period instead of one per object, cheaper and
    # fewer throttles. Not set for SSE-S3, which has no KMS key.
    bucket_key_enabled = var.encryption.sse_algorithm == "aws:kms" ? true : null
  }
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log == null ? 0 : 1

  bucket        = var.bucket
  target_bucket = var.access_log.target_bucket
  target_prefix = var.access_log.target_prefix
  target_object_key_format {
    partitioned_prefix {
      partition_date_source = "EventTime"
    }
  }
}

resource "aws_s3_bucket_notification" "this" {
  bucket      = var.bucket
  eventbridge = true
}

resource "aws_s3_bucket_policy" "this" {
  bucket = var.bucket
  policy = var.policy

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = var.bucket

  dynamic "rule" {
    for_each = var.lifecycle_rules
    content {
      id     = rule.value.id
      status = "Enabled"
      filter {
        prefix = rule.value.prefix
      }
      dynamic "expiration" {
        for_each = rule.value.expiration_days == null && rule.value.expired_object_delete_marker == null ? [] : [rule.value]
        content {
          days                         = expiration.value.expiration_days
          expired_object_delete_marker = expiration.value.expired_object_delete_marker
        }
      }
      dynamic "noncurrent_version_expiration" {
        for_each = rule.value.noncurrent_version_expiration_days == null ? [] : [rule.value.noncurrent_version_expiration_days]
        content {
          noncurrent_days = noncurrent_version_expiration.value
        }
      }
      dynamic "abort_incomplete_multipart_upload" {
        for_each = rule.value.abort_incomplete_upload_days == null ? [] : [rule.value.abort_incomplete_upload_days]
        content {
          days_after_initiation = abort_incomplete_multipart_upload.value
        }
      }
    }
  }

  # Noncurrent-version rules need versioning.
  depends_on = [aws_s3_bucket_versioning.this]
}
