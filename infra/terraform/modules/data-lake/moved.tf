# The hardening of each bucket moved from resources of this module into ./modules/hardened-bucket
# (one module call per bucket). These blocks let an existing state follow the new addresses: a
# plan shows the moves and changes nothing. Without them Terraform would destroy and recreate
# each public access block, versioning and encryption configuration and bucket policy, leaving
# the buckets briefly without them (and suspending versioning).
#
# Keep them as long as any environment may still hold a state written before the move.

# logs bucket
moved {
  from = aws_s3_bucket_ownership_controls.logs
  to   = module.logs_bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.logs
  to   = module.logs_bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.logs
  to   = module.logs_bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs
  to   = module.logs_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_notification.logs
  to   = module.logs_bucket.aws_s3_bucket_notification.this
}

moved {
  from = aws_s3_bucket_policy.logs
  to   = module.logs_bucket.aws_s3_bucket_policy.this
}

# data bucket
moved {
  from = aws_s3_bucket_ownership_controls.data
  to   = module.data_bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.data
  to   = module.data_bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.data
  to   = module.data_bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.data
  to   = module.data_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_logging.data
  to   = module.data_bucket.aws_s3_bucket_logging.this[0]
}

moved {
  from = aws_s3_bucket_notification.data
  to   = module.data_bucket.aws_s3_bucket_notification.this
}

moved {
  from = aws_s3_bucket_policy.data
  to   = module.data_bucket.aws_s3_bucket_policy.this
}

# audit bucket
moved {
  from = aws_s3_bucket_ownership_controls.audit[0]
  to   = module.audit_bucket[0].aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.audit[0]
  to   = module.audit_bucket[0].aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.audit[0]
  to   = module.audit_bucket[0].aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.audit[0]
  to   = module.audit_bucket[0].aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_logging.audit[0]
  to   = module.audit_bucket[0].aws_s3_bucket_logging.this[0]
}

moved {
  from = aws_s3_bucket_notification.audit[0]
  to   = module.audit_bucket[0].aws_s3_bucket_notification.this
}

moved {
  from = aws_s3_bucket_policy.audit[0]
  to   = module.audit_bucket[0].aws_s3_bucket_policy.this
}

# The lifecycle configurations moved into ./modules/hardened-bucket too, later.
moved {
  from = aws_s3_bucket_lifecycle_configuration.logs
  to   = module.logs_bucket.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.data
  to   = module.data_bucket.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.audit[0]
  to   = module.audit_bucket[0].aws_s3_bucket_lifecycle_configuration.this
}
